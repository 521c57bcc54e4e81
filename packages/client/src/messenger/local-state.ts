/**
 * Typed access to everything the messenger keeps, over one KvTransaction: reads see the
 * transaction's own writes and nothing is stored until `commit()` — one atomic batch. Key layout
 * (values are records from *-record.ts, or raw protocol record bytes):
 *
 *   a/account                     this device's account            (account-record.ts)
 *   c/<accountId>                 contact                          (contact-record.ts)
 *   i/<accountId>                 trusted identity key, 33 bytes   (trust on first use)
 *   s/<accountId>/<deviceId>      protocol SessionRecord bytes
 *   pk/<id> spk/<id> kpk/<id>     protocol prekey records (kpk: 1 flag byte lastResort + record)
 *   kb/<kyberId>/<spkId>/<baseKey> a last-resort Kyber prekey served this base key (replay guard;
 *                                 pruned once kpk/<kyberId> is purged)
 *   h/<accountId>/<sentAt>/<id>   history entry                    (history-record.ts)
 *   hl/<accountId>                the history key of that conversation's newest entry, or empty when
 *                                 it has none: the chat list reads 2 records per conversation instead
 *                                 of listing its history. Written in the same transaction as every
 *                                 history write (putHistory / deleteHistory are the only writers of
 *                                 h/), so it cannot disagree with it; stores from before it existed
 *                                 have none and get it from one full listing (lastHistory)
 *   hd/<accountId>                that conversation's history index: its page directory, and
 *   hp/<accountId>/<pageId>       its pages of entry positions in display order (history-index.ts),
 *                                 so history(limit) reads O(limit) records. Kept by putHistory /
 *                                 deleteHistory in the same transaction as h/; stores from before
 *                                 it get it from one full listing on first need (buildIndex)
 *   m/<messageId>                 → the history key of that message
 *   o/<messageId>                 outbox entry                     (outbox-record.ts)
 *   e/<envelopeId>                envelope already processed (dedupe)
 *   x/<accountId>/<envelopeId>    envelope held until an identity change is accepted
 *   u/<accountId>                 unread incoming messages in that conversation (decimal text)
 */
import { decodeAccount, encodeAccount, type AccountRecord } from './account-record.js';
import { decodeContact, encodeContact, type ContactRecord } from './contact-record.js';
import {
  buildHistoryIndex,
  decodeHistoryDirectory,
  decodeHistoryPage,
  encodeHistoryDirectory,
  encodeHistoryPage,
  historyPosition,
  insertPosition,
  pageFor,
  pageInRange,
  type HistoryDirectory,
  type IndexChange,
} from './history-index.js';
import { decodeHistory, encodeHistory, type HistoryEntry } from './history-record.js';
import { KvTransaction, type KvStore } from './kv.js';
import { decodeOutbox, encodeOutbox, type OutboxEntry } from './outbox-record.js';
import { RecordReader, bytesToHex, encodeRecord } from './record-codec.js';

const text = new TextEncoder();
const untext = new TextDecoder();

export interface HeldEnvelope {
  envelopeId: string;
  senderAccountId: string;
  senderDeviceId: number;
  serverTimestamp: number;
  envelopeType: number;
  content: Uint8Array;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export class LocalState {
  readonly tx: KvTransaction;

  constructor(store: KvStore) {
    this.tx = new KvTransaction(store);
  }

  commit(): Promise<void> {
    return this.tx.commit();
  }

  // ---------- account ----------

  async account(): Promise<AccountRecord | undefined> {
    const b = await this.tx.get('a/account');
    return b && decodeAccount(b);
  }

  putAccount(a: AccountRecord): void {
    this.tx.put('a/account', encodeAccount(a));
  }

  // ---------- contacts ----------

  async contact(accountId: string): Promise<ContactRecord | undefined> {
    const b = await this.tx.get(`c/${accountId}`);
    return b && decodeContact(b);
  }

  async contacts(): Promise<ContactRecord[]> {
    return (await this.tx.list('c/')).map(([, v]) => decodeContact(v));
  }

  async contactByName(name: string): Promise<ContactRecord | undefined> {
    return (await this.contacts()).find((c) => c.name === name);
  }

  putContact(c: ContactRecord): void {
    this.tx.put(`c/${c.accountId}`, encodeContact(c));
  }

  deleteContact(accountId: string): void {
    this.tx.delete(`c/${accountId}`);
  }

  /** The id (hex) of this device's request for its other devices' contacts, if it made one. */
  async contactsRequest(): Promise<string | undefined> {
    const b = await this.tx.get('a/contacts-request');
    return b && new TextDecoder().decode(b);
  }

  putContactsRequest(id: string): void {
    this.tx.put('a/contacts-request', new TextEncoder().encode(id));
  }

  /** Whether an answer to that request has arrived (until then, each connect sends it again). */
  async contactsRequestAnswered(): Promise<boolean> {
    return (await this.tx.get('a/contacts-answered')) !== undefined;
  }

  markContactsRequestAnswered(): void {
    this.tx.put('a/contacts-answered', new Uint8Array([1]));
  }

  // ---------- identities ----------

  identity(accountId: string): Promise<Uint8Array | undefined> {
    return this.tx.get(`i/${accountId}`);
  }

  putIdentity(accountId: string, key: Uint8Array): void {
    this.tx.put(`i/${accountId}`, key);
  }

  deleteIdentity(accountId: string): void {
    this.tx.delete(`i/${accountId}`);
  }

  // ---------- sessions and prekeys (raw protocol record bytes) ----------

  session(accountId: string, deviceId: number): Promise<Uint8Array | undefined> {
    return this.tx.get(`s/${accountId}/${pad(deviceId, 3)}`);
  }

  putSession(accountId: string, deviceId: number, bytes: Uint8Array): void {
    this.tx.put(`s/${accountId}/${pad(deviceId, 3)}`, bytes);
  }

  deleteSession(accountId: string, deviceId: number): void {
    this.tx.delete(`s/${accountId}/${pad(deviceId, 3)}`);
  }

  /** Device ids we hold a session with for `accountId`. */
  async sessionDevices(accountId: string): Promise<number[]> {
    return (await this.tx.list(`s/${accountId}/`)).map(([k]) => Number(k.slice(k.lastIndexOf('/') + 1)));
  }

  preKey(kind: 'pk' | 'spk' | 'kpk', id: number): Promise<Uint8Array | undefined> {
    return this.tx.get(`${kind}/${pad(id, 8)}`);
  }

  putPreKey(kind: 'pk' | 'spk' | 'kpk', id: number, bytes: Uint8Array): void {
    this.tx.put(`${kind}/${pad(id, 8)}`, bytes);
  }

  deletePreKey(kind: 'pk' | 'spk' | 'kpk', id: number): void {
    this.tx.delete(`${kind}/${pad(id, 8)}`);
  }

  private kyberBaseKeyKey(kyberId: number, signedPreKeyId: number, baseKey: Uint8Array): string {
    return `kb/${pad(kyberId, 8)}/${pad(signedPreKeyId, 8)}/${bytesToHex(baseKey)}`;
  }

  /** Whether a last-resort Kyber prekey already set up a session with this signed prekey and base key. */
  async kyberBaseKeySeen(kyberId: number, signedPreKeyId: number, baseKey: Uint8Array): Promise<boolean> {
    return (await this.tx.get(this.kyberBaseKeyKey(kyberId, signedPreKeyId, baseKey))) !== undefined;
  }

  markKyberBaseKey(kyberId: number, signedPreKeyId: number, baseKey: Uint8Array): void {
    this.tx.put(this.kyberBaseKeyKey(kyberId, signedPreKeyId, baseKey), Uint8Array.of(1));
  }

  /**
   * Forgets the base keys served by every Kyber prekey this device no longer holds: with the key
   * gone, a first message naming it fails (`InvalidKyberPreKeyId`) before the replay guard is
   * asked, so its entries can never matter again. Returns how many were removed. Also clears
   * entries left behind by keys purged before this pruning existed.
   */
  async pruneKyberBaseKeys(): Promise<number> {
    const held = new Map<string, boolean>();
    let n = 0;
    for (const [k] of await this.tx.list('kb/')) {
      const kyberId = k.slice(3, 11);
      let keep = held.get(kyberId);
      if (keep === undefined) {
        keep = /^\d{8}$/.test(kyberId) && (await this.tx.get(`kpk/${kyberId}`)) !== undefined;
        held.set(kyberId, keep);
      }
      if (!keep) {
        this.tx.delete(k);
        n++;
      }
    }
    return n;
  }

  // ---------- history ----------

  private historyKey(h: Pick<HistoryEntry, 'contact' | 'sentAt' | 'id'>): string {
    return `h/${h.contact}/${historyPosition(h.sentAt, h.id)}`;
  }

  /**
   * Stores `h` (new or a state change of the same message) and keeps the conversation's summary
   * (`hl/`) pointing at the newest entry and its index (`hd/`, `hp/`) holding its position. Keys
   * order by sentAt, so an entry arriving late with an older sentAt does not become the summary;
   * the index puts it in its place.
   */
  async putHistory(h: HistoryEntry): Promise<void> {
    const key = this.historyKey(h);
    const last = await this.lastHistoryKey(h.contact);
    this.tx.put(key, encodeHistory(h));
    this.tx.put(`m/${h.id}`, text.encode(key));
    if (last === null || key > last) this.tx.put(`hl/${h.contact}`, text.encode(key));
    await this.indexHistory(h.contact, historyPosition(h.sentAt, h.id), last);
  }

  /**
   * Adds a position to the conversation's index (nothing if it is there: a state change). `last`
   * is the summary's newest key before this write: an index whose last position disagrees with it
   * was left behind by an older build that wrote history without it, and is built again. The
   * entry is already put, so a (re)build from the listing includes it.
   */
  private async indexHistory(contact: string, position: string, last: string | null): Promise<void> {
    const b = await this.tx.get(`hd/${contact}`);
    const d = b && decodeHistoryDirectory(b);
    const lastPage = d && (await this.indexPage(contact, d, d.pages.length - 1));
    if (!d || !lastPage || !this.indexAgrees(contact, last, lastPage)) {
      await this.buildIndex(contact);
      return;
    }
    const i = pageFor(d, position);
    const keys = i === d.pages.length - 1 ? lastPage : await this.indexPage(contact, d, i);
    if (!keys) {
      await this.buildIndex(contact);
      return;
    }
    const change = insertPosition(d, i, keys, position);
    if (change) this.putIndex(contact, change);
  }

  /**
   * Whether the index's last page ends at the summary's newest entry (`last`). It does not when an
   * older build wrote history without the index.
   */
  private indexAgrees(contact: string, last: string | null, lastPage: readonly string[]): boolean {
    return last === `h/${contact}/${lastPage.at(-1)}`;
  }

  private putIndex(contact: string, change: IndexChange): void {
    for (const p of change.pages) this.tx.put(`hp/${contact}/${p.id}`, encodeHistoryPage(p.keys));
    if (change.directory) this.tx.put(`hd/${contact}`, encodeHistoryDirectory(change.directory));
  }

  /** Page `index` of the directory, or null when it is missing or holds positions not its own. */
  private async indexPage(contact: string, d: HistoryDirectory, index: number): Promise<string[] | null> {
    const page = d.pages[index];
    const b = page && (await this.tx.get(`hp/${contact}/${page.id}`));
    if (!b) return null;
    const keys = decodeHistoryPage(b);
    return pageInRange(d, index, keys) ? keys : null;
  }

  /**
   * The index (and the summary) from one listing of the conversation, put in this transaction in
   * place of any index out of step with the entries. Returns the listing.
   */
  private async buildIndex(contact: string): Promise<[string, Uint8Array][]> {
    await this.dropIndex(contact);
    const prefix = `h/${contact}/`;
    const all = await this.tx.list(prefix);
    this.tx.put(`hl/${contact}`, text.encode(all.at(-1)?.[0] ?? ''));
    if (all.length > 0) this.putIndex(contact, buildHistoryIndex(all.map(([k]) => k.slice(prefix.length))));
    return all;
  }

  /**
   * The key of the conversation's newest history entry (null: none), from the summary; a store
   * written before summaries existed has none for the conversation: it is computed from one listing
   * and put in this transaction (persisted if the caller commits).
   */
  private async lastHistoryKey(contactAccountId: string): Promise<string | null> {
    const b = await this.tx.get(`hl/${contactAccountId}`);
    if (b) return b.length === 0 ? null : untext.decode(b);
    const all = await this.tx.list(`h/${contactAccountId}/`);
    const last = all.at(-1)?.[0] ?? null;
    this.tx.put(`hl/${contactAccountId}`, text.encode(last ?? ''));
    return last;
  }

  /**
   * The newest entry of one conversation: 2 reads, whatever the length of the history (the chat
   * list asks this for every conversation). A missing summary is computed and put in this
   * transaction, see lastHistoryKey.
   */
  async lastHistory(contactAccountId: string): Promise<HistoryEntry | null> {
    const key = await this.lastHistoryKey(contactAccountId);
    if (key === null) return null;
    const b = await this.tx.get(key);
    return b ? decodeHistory(b) : null;
  }

  async historyById(id: string): Promise<HistoryEntry | undefined> {
    const k = await this.tx.get(`m/${id}`);
    if (!k) return undefined;
    const b = await this.tx.get(untext.decode(k));
    return b && decodeHistory(b);
  }

  /**
   * The last `limit` entries of one conversation, oldest first, ordered by sentAt then id (as
   * their keys sort). Reads the summary, the index directory, the last pages that hold `limit`
   * positions and those entries: O(limit), whatever the length of the conversation. A store
   * without an index (older build), or with one out of step with the entries, gets it from one
   * full listing, put in this transaction (persisted if the caller commits).
   */
  async history(contactAccountId: string, limit: number): Promise<HistoryEntry[]> {
    // As `all.slice(Math.max(0, all.length - limit))` did: NaN is everything, a fraction rounds up.
    const want = Number.isNaN(limit) ? Infinity : limit <= 0 ? 0 : Math.ceil(limit);
    if (want === 0) return [];
    const fromIndex = await this.indexedHistory(contactAccountId, want);
    if (fromIndex) return fromIndex;
    const all = await this.buildIndex(contactAccountId);
    return all.slice(Math.max(0, all.length - want)).map(([, v]) => decodeHistory(v));
  }

  /** The last `want` entries through the index; null when there is none or it is out of step. */
  private async indexedHistory(contact: string, want: number): Promise<HistoryEntry[] | null> {
    const last = await this.lastHistoryKey(contact);
    const b = await this.tx.get(`hd/${contact}`);
    if (!b) return last === null ? [] : null;
    const d = decodeHistoryDirectory(b);
    const newestFirst: string[][] = [];
    for (let i = d.pages.length - 1, n = 0; i >= 0 && n < want; i--) {
      const keys = await this.indexPage(contact, d, i);
      if (!keys || (i === d.pages.length - 1 && !this.indexAgrees(contact, last, keys))) return null;
      newestFirst.push(keys);
      n += keys.length;
    }
    const positions = newestFirst.reverse().flat();
    const out: HistoryEntry[] = [];
    for (const p of positions.slice(Math.max(0, positions.length - want))) {
      const v = await this.tx.get(`h/${contact}/${p}`);
      if (!v) return null;
      out.push(decodeHistory(v));
    }
    return out;
  }

  async deleteHistory(contactAccountId: string): Promise<void> {
    for (const [k, v] of await this.tx.list(`h/${contactAccountId}/`)) {
      this.tx.delete(k);
      this.tx.delete(`m/${decodeHistory(v).id}`);
    }
    // Gone with the conversation; a later putHistory finds no summary and lists an empty prefix,
    // and finds no index and builds one from the (then only) entry.
    this.tx.delete(`hl/${contactAccountId}`);
    await this.dropIndex(contactAccountId);
  }

  /** Deletes the conversation's index: its directory and every page. */
  private async dropIndex(contact: string): Promise<void> {
    for (const [k] of await this.tx.list(`hp/${contact}/`)) this.tx.delete(k);
    this.tx.delete(`hd/${contact}`);
  }

  /** Moves a whole conversation to another account id (a contact that re-registered). */
  async moveHistory(fromAccountId: string, toAccountId: string): Promise<void> {
    const moved = await this.history(fromAccountId, Number.MAX_SAFE_INTEGER);
    await this.deleteHistory(fromAccountId);
    for (const h of moved) await this.putHistory({ ...h, contact: toAccountId });
  }

  async unread(contactAccountId: string): Promise<number> {
    const b = await this.tx.get(`u/${contactAccountId}`);
    const n = b ? Number(untext.decode(b)) : 0;
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  setUnread(contactAccountId: string, n: number): void {
    if (n === 0) this.tx.delete(`u/${contactAccountId}`);
    else this.tx.put(`u/${contactAccountId}`, text.encode(String(n)));
  }

  // ---------- outbox ----------

  putOutbox(o: OutboxEntry): void {
    this.tx.put(`o/${o.id}`, encodeOutbox(o));
  }

  deleteOutbox(id: string): void {
    this.tx.delete(`o/${id}`);
  }

  async outbox(): Promise<OutboxEntry[]> {
    return (await this.tx.list('o/'))
      .map(([, v]) => decodeOutbox(v))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async outboxEntry(id: string): Promise<OutboxEntry | undefined> {
    const b = await this.tx.get(`o/${id}`);
    return b && decodeOutbox(b);
  }

  // ---------- dedupe ----------

  async seen(envelopeId: string): Promise<boolean> {
    return (await this.tx.get(`e/${envelopeId}`)) !== undefined;
  }

  markSeen(envelopeId: string, at: number): void {
    this.tx.put(`e/${envelopeId}`, text.encode(String(at)));
  }

  /** Forgets envelope ids seen before `olderThan` (ms); returns how many. */
  async pruneSeen(olderThan: number): Promise<number> {
    let n = 0;
    for (const [k, v] of await this.tx.list('e/')) {
      const at = Number(untext.decode(v));
      if (!Number.isFinite(at) || at < olderThan) {
        this.tx.delete(k);
        n++;
      }
    }
    return n;
  }

  // ---------- held envelopes ----------

  hold(h: HeldEnvelope): void {
    this.tx.put(
      `x/${h.senderAccountId}/${h.envelopeId}`,
      encodeRecord({ ...h, content: bytesToHex(h.content) }),
    );
  }

  async held(accountId: string): Promise<HeldEnvelope[]> {
    return (await this.tx.list(`x/${accountId}/`)).map(([, v]) => {
      const r = RecordReader.parse(v, 'held envelope');
      return {
        envelopeId: r.str('envelopeId'),
        senderAccountId: r.str('senderAccountId'),
        senderDeviceId: r.int('senderDeviceId', 1, 127),
        serverTimestamp: r.int('serverTimestamp'),
        envelopeType: r.int('envelopeType', 0, 255),
        content: r.bytes('content'),
      };
    });
  }

  /** The accounts that have envelopes held. */
  async heldAccounts(): Promise<Set<string>> {
    return new Set((await this.tx.list('x/')).map(([k]) => k.split('/')[1] ?? ''));
  }

  unhold(accountId: string, envelopeId: string): void {
    this.tx.delete(`x/${accountId}/${envelopeId}`);
  }
}
