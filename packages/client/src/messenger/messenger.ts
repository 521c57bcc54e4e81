/**
 * `Messenger`: the client's public face. One instance is one unlocked device account over one
 * KvStore and one relay (the ONLY network peer: the messenger never fetches, resolves or previews
 * anything else, including links inside messages, which are plain text here).
 *
 *   const m = await Messenger.create({ backend, passphrase, relayUrl, WebSocket });
 *   m.on('message', ({ contact, entry }) => …);
 *   await m.connect();
 *   await m.addContact('bob', 'sotto:…');       // or '@bob'
 *   const sent = await m.send('bob', 'hi');     // persisted, state "sending"
 *   await sent.accepted;                         // the relay accepted it ("sent")
 *   await m.close();
 *
 * See docs/client.md for the whole API.
 */
import { CiphertextMessageType, type CryptoProvider } from '@sotto/protocol';
import {
  RelayClient,
  type DeliverFrame,
  type FetchLike,
  type RelayConnection,
  type WebSocketCtor,
} from '@sotto/wire';
import { fromBase64Url } from '../base64url.js';
import { EncryptedStore, type EncryptedStoreOptions } from '../storage/encrypted-store.js';
import type { StorageBackend } from '../storage/backend.js';
import type { AccountRecord } from './account-record.js';
import { createAccount, relayFailure } from './account-setup.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { formatAddress, parseAddress } from './contact-address.js';
import { trustOf, type ContactRecord, type ContactSource, type ContactTrust } from './contact-record.js';
import {
  acceptIdentityChange,
  addByAddress,
  addByUsername,
  findContact,
  removeContact,
  setVerified,
  settleHeld,
} from './contacts.js';
import type { MessengerContext, MessengerHooks } from './context.js';
import { EncryptedKv } from './encrypted-kv.js';
import { decodeDeviceLink, encodeDeviceLink, linkDevice } from './device-link.js';
import { sealDeviceLink } from './link-transfer.js';
import { enqueueContactsRequest, resendContactsRequest } from './contact-sync.js';
import { systemClock, systemRandomness, type Clock, type Randomness } from './environment.js';
import { MessengerError, storeOpenFailure } from './errors.js';
import type { ConnectionState, MessengerEvents } from './events.js';
import type { HistoryEntry } from './history-record.js';
import type { KvStore } from './kv.js';
import { LocalState } from './local-state.js';
import { OutboxWorker, enqueueText, requeueFailedText } from './outbox.js';
import { maintainPreKeys, pruneSeen } from './prekey-maintenance.js';
import { DEFAULT_PREKEY_POLICY, type PreKeyPolicy } from './prekey-policy.js';
import { heldFromFrame, receiveEnvelope, senderInfo, type ReceiveOutcome } from './receiver.js';
import { safetyNumber, scannedMatches, type SafetyNumber } from './safety-number.js';
import { SerialLock } from './serial-lock.js';
import { TypedEmitter, type Listener } from './typed-emitter.js';

export interface MessengerOptions {
  /** Local state: either an unlocked KvStore, or a backend + passphrase (encrypted at rest). */
  store?: KvStore;
  backend?: StorageBackend;
  passphrase?: string;
  /** Options for the encrypted store (e.g. a cheaper KDF cost in tests). */
  storeOptions?: EncryptedStoreOptions;
  fetch?: FetchLike;
  WebSocket?: WebSocketCtor;
  clock?: Clock;
  random?: Randomness;
  crypto?: CryptoProvider;
  prekeyPolicy?: Partial<PreKeyPolicy>;
  backoff?: BackoffPolicy;
  /** Reconnect automatically (default true). */
  reconnect?: boolean;
  hooks?: MessengerHooks;
}

export interface CreateOptions extends MessengerOptions {
  relayUrl: string;
  username?: string;
}

export interface ContactView {
  name: string;
  accountId: string;
  username: string | null;
  trust: ContactTrust;
  source: ContactSource;
  addedAt: number;
}

export interface ConversationView {
  contact: ContactView;
  /** The newest message, or null for an empty conversation. */
  last: HistoryEntry | null;
  unread: number;
}

export interface SentMessage {
  id: string;
  entry: HistoryEntry;
  /** Resolves once the relay accepted the message; rejects if it failed for good. */
  accepted: Promise<void>;
}

export interface SafetyNumberView extends SafetyNumber {
  contact: string;
  trust: ContactTrust;
  /** True when this is the NEW (not yet accepted) identity's number. */
  pending: boolean;
}

function view(c: ContactRecord): ContactView {
  return {
    name: c.name,
    accountId: c.accountId,
    username: c.username,
    trust: trustOf(c),
    source: c.source,
    addedAt: c.addedAt,
  };
}

async function openStore(opts: MessengerOptions, create: boolean): Promise<KvStore> {
  if (opts.store) return opts.store;
  if (!opts.backend || opts.passphrase === undefined) {
    throw new MessengerError('InvalidArgument', 'pass either store, or backend and passphrase');
  }
  try {
    const s = create
      ? await EncryptedStore.create(opts.backend, opts.passphrase, opts.storeOptions)
      : await EncryptedStore.open(opts.backend, opts.passphrase, opts.storeOptions);
    return new EncryptedKv(s);
  } catch (e) {
    throw storeOpenFailure(e);
  }
}

export class Messenger {
  private readonly events = new TypedEmitter<MessengerEvents>();
  private readonly ctx: MessengerContext;
  private readonly outbox: OutboxWorker;
  private conn: RelayConnection | null = null;
  private connectionState: ConnectionState = 'offline';
  private queueEmpty = false;
  private queueWaiters: (() => void)[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;
  private maintaining: Promise<void> | null = null;
  /** The last replay of held envelopes (they run one after another: see replayHeld). */
  private replayingHeld: Promise<void> = Promise.resolve();

  private constructor(
    private account: AccountRecord,
    store: KvStore,
    private readonly opts: MessengerOptions,
  ) {
    const relay = new RelayClient({
      url: account.relayUrl,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
      credentials: { accountId: account.accountId, deviceId: account.deviceId, secret: account.deviceSecret },
    });
    this.ctx = {
      store,
      relay,
      clock: opts.clock ?? systemClock,
      random: opts.random ?? systemRandomness,
      crypto: opts.crypto,
      events: this.events,
      lock: new SerialLock(),
      prekeyPolicy: { ...DEFAULT_PREKEY_POLICY, ...opts.prekeyPolicy },
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      hooks: opts.hooks ?? {},
      accountId: account.accountId,
      deviceId: account.deviceId,
      connection: () => this.conn,
      ownDevices: new Set(),
    };
    this.outbox = new OutboxWorker(this.ctx, {
      onState: (contact, id, state) => void this.emitDelivery(contact, id, state),
      onIdentityChanged: (accountId) => void this.emitIdentityChanged(accountId),
      onError: (err, contact) => void this.emitError(err.code, err.message, contact),
    });
  }

  /**
   * Creates a new account on `relayUrl` (registers, uploads keys; optional username). If the
   * username cannot be claimed (`UsernameTaken`, `InvalidUsername`) the account still exists: the
   * store is closed, the error thrown, and `open()` + `setUsername()` can finish the job.
   */
  static async create(opts: CreateOptions): Promise<Messenger> {
    const store = await openStore(opts, opts.store === undefined);
    const relay = new RelayClient({
      url: opts.relayUrl,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
    });
    const account = await createAccount({
      store,
      relay,
      clock: opts.clock ?? systemClock,
      random: opts.random ?? systemRandomness,
      crypto: opts.crypto,
      policy: { ...DEFAULT_PREKEY_POLICY, ...opts.prekeyPolicy },
    });
    const m = new Messenger(account, store, opts);
    if (opts.username !== undefined) {
      try {
        await m.setUsername(opts.username);
      } catch (e) {
        // The account exists (open() it and set a username later); release the store and say why.
        await m.close();
        throw e;
      }
    }
    return m;
  }

  /**
   * Links this (new) device to an existing account, from `exportDeviceLink()` of a device of that
   * account (transferred out of band: it contains the identity private key).
   */
  static async link(opts: MessengerOptions & { deviceLink: Uint8Array }): Promise<Messenger> {
    const link = decodeDeviceLink(opts.deviceLink);
    const store = await openStore(opts, opts.store === undefined);
    const relay = new RelayClient({
      url: link.relayUrl,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
    });
    const account = await linkDevice({
      store,
      relay,
      link,
      clock: opts.clock ?? systemClock,
      random: opts.random ?? systemRandomness,
      crypto: opts.crypto,
      policy: { ...DEFAULT_PREKEY_POLICY, ...opts.prekeyPolicy },
    });
    const m = new Messenger(account, store, opts);
    // Ask our other devices for their contacts: queued now, sent on the first connect().
    await m.ctx.lock.run(async () => {
      const state = new LocalState(m.ctx.store);
      enqueueContactsRequest(m.ctx, state);
      await state.commit();
    });
    // The link carries no username: ask the relay, so the new device shows the account's at once.
    try {
      await m.rememberUsername((await m.ctx.relay.whoami()).username);
    } catch {
      // Not fatal: the first connect() asks again.
    }
    return m;
  }

  /**
   * The data a new device needs to join this account (`Messenger.link`). SECRET: it holds the
   * identity private key; show it only on a channel the user controls (a QR code on this screen).
   */
  exportDeviceLink(): Uint8Array {
    return encodeDeviceLink({
      relayUrl: this.account.relayUrl,
      accountId: this.account.accountId,
      identityPublic: this.account.identityPublic,
      identityPrivate: this.account.identityPrivate,
    });
  }

  /**
   * `exportDeviceLink()` sealed to a new device's link request (link-transfer.ts): only that device
   * can open it, so the result may be shown or passed on in the clear.
   */
  sealDeviceLinkFor(request: Uint8Array): Uint8Array {
    const link = this.exportDeviceLink();
    try {
      return sealDeviceLink(link, request, this.opts.random ?? systemRandomness, this.opts.crypto);
    } finally {
      link.fill(0);
    }
  }

  /** This account's devices as the relay lists them. */
  async devices(): Promise<number[]> {
    try {
      return (await this.ctx.relay.whoami()).devices;
    } catch (e) {
      throw relayFailure(e);
    }
  }

  /**
   * Removes another device of this account (a lost or replaced one): the relay deletes its keys and
   * queued envelopes and closes its connection. This device cannot remove itself (deleteAccount).
   */
  async removeDevice(deviceId: number): Promise<void> {
    if (!Number.isSafeInteger(deviceId) || deviceId < 1)
      throw new MessengerError('InvalidArgument', 'a device id is a positive integer');
    if (deviceId === this.account.deviceId)
      throw new MessengerError('InvalidArgument', 'this device cannot remove itself');
    try {
      await this.ctx.relay.removeDevice(deviceId);
    } catch (e) {
      throw relayFailure(e);
    }
  }

  /** Opens (unlocks) an existing account. `WrongPassphrase` / `NoAccount` are typed errors. */
  static async open(opts: MessengerOptions): Promise<Messenger> {
    const store = await openStore(opts, false);
    const account = await new LocalState(store).account();
    if (!account) throw new MessengerError('NoAccount', 'no account here');
    return new Messenger(account, store, opts);
  }

  // ---------- identity ----------

  get accountId(): string {
    return this.account.accountId;
  }
  get deviceId(): number {
    return this.account.deviceId;
  }
  get relayUrl(): string {
    return this.account.relayUrl;
  }
  get username(): string | null {
    return this.account.username;
  }
  /** 33-byte identity public key. */
  get identityKey(): Uint8Array {
    return this.account.identityPublic.slice();
  }
  /** The shareable `sotto:` address (text; also what the QR code encodes). */
  get address(): string {
    return formatAddress({
      relayUrl: this.account.relayUrl,
      accountId: this.account.accountId,
      identityKey: this.account.identityPublic,
    });
  }

  /** Claims (or changes) this account's username on the relay. */
  async setUsername(username: string): Promise<string> {
    const u = username.startsWith('@') ? username.slice(1) : username;
    let stored: string;
    try {
      stored = await this.ctx.relay.setUsername(u);
    } catch (e) {
      throw relayFailure(e);
    }
    await this.rememberUsername(stored);
    return stored;
  }

  /** Releases this account's username on the relay. */
  async deleteUsername(): Promise<void> {
    try {
      await this.ctx.relay.deleteUsername();
    } catch (e) {
      throw relayFailure(e);
    }
    await this.rememberUsername(null);
  }

  /** A linked device's contacts request that was never answered nor queued goes out again. */
  private async resendContactsRequest(): Promise<void> {
    await this.ctx.lock.run(async () => {
      const state = new LocalState(this.ctx.store);
      if (await resendContactsRequest(this.ctx, state, this.account.createdAt)) await state.commit();
    });
  }

  /** Stores the account's username as the relay has it (set, changed or released on any device). */
  private async rememberUsername(username: string | null): Promise<void> {
    if (username === this.account.username) return;
    this.account = await this.ctx.lock.run(async () => {
      const state = new LocalState(this.ctx.store);
      const a = (await state.account()) as AccountRecord;
      const updated = { ...a, username };
      state.putAccount(updated);
      await state.commit();
      return updated;
    });
  }

  // ---------- events ----------

  on<K extends keyof MessengerEvents>(event: K, listener: Listener<MessengerEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  get connection(): ConnectionState {
    return this.connectionState;
  }

  private setConnection(state: ConnectionState): void {
    if (this.connectionState === state) return;
    this.connectionState = state;
    this.events.emit('connection', { state });
  }

  private async contactName(accountId: string): Promise<string> {
    return (await new LocalState(this.ctx.store).contact(accountId))?.name ?? accountId;
  }

  private async emitDelivery(accountId: string, id: string, state: HistoryEntry['state']): Promise<void> {
    this.events.emit('delivery', { contact: await this.contactName(accountId), id, state });
  }

  private async emitIdentityChanged(accountId: string): Promise<void> {
    const c = await new LocalState(this.ctx.store).contact(accountId);
    if (c) this.events.emit('identityChanged', { contact: c.name, trust: trustOf(c) });
  }

  private emitError(code: MessengerError['code'], message: string, contact?: string, reason?: string): void {
    this.events.emit('error', {
      code,
      message,
      ...(contact ? { contact } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  // ---------- connection ----------

  /** Opens the WebSocket; resolves once authenticated. Queued messages then arrive as events. */
  async connect(): Promise<void> {
    if (this.closed) throw new MessengerError('Closed', 'messenger closed');
    if (this.conn) return this.conn.ready;
    this.setConnection('connecting');
    this.conn = this.ctx.relay.connect(
      {
        onOpen: () => {
          this.queueEmpty = false;
          this.setConnection('online');
          void this.track(this.afterOpen());
        },
        onDeliver: (d) => {
          const p = this.onDeliver(d);
          void this.track(p);
          return p;
        },
        onQueueEmpty: () => {
          this.queueEmpty = true;
          for (const w of this.queueWaiters.splice(0)) w();
          this.events.emit('queueEmpty', {});
          void this.track(this.maintain());
        },
        onReconnecting: () => this.setConnection('reconnecting'),
        onClose: ({ final, error }) => {
          this.queueEmpty = false;
          if (final) {
            this.setConnection('closed');
            if (error && !this.closed) this.emitError('RelayRejected', `connection closed: ${error.code}`);
          } else {
            this.setConnection('reconnecting');
          }
        },
        onHandlerError: () => undefined,
      },
      { reconnect: this.opts.reconnect ?? true, random: () => this.ctx.random.unit() },
    );
    try {
      await this.conn.ready;
    } catch (e) {
      this.conn = null;
      this.setConnection('offline');
      throw relayFailure(e);
    }
  }

  /** Resolves when the relay's backlog has been delivered on the current connection. */
  whenQueueEmpty(): Promise<void> {
    if (this.queueEmpty) return Promise.resolve();
    return new Promise((resolve) => this.queueWaiters.push(resolve));
  }

  /**
   * Attempts everything in the outbox that is due now (texts, and the delivery receipts for what was
   * just received) and resolves when that attempt is over; failures stay queued for a later retry.
   * For short-lived processes (`sotto inbox`): close() stops the outbox where it is.
   */
  flushOutbox(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.outbox.flush();
  }

  /** Remembers in-flight work so close() can wait for it; the returned promise never rejects. */
  private track(p: Promise<void>): Promise<void> {
    const t = p.catch(() => undefined).finally(() => this.inflight.delete(t));
    this.inflight.add(t);
    return t;
  }

  private async afterOpen(): Promise<void> {
    // Before anything is awaited, so that a send right after connect() already retries them all.
    this.outbox.retryAllOnNextPass();
    try {
      const me = await this.ctx.relay.whoami();
      this.ctx.ownDevices.clear();
      for (const d of me.devices) if (d !== this.deviceId) this.ctx.ownDevices.add(d);
      // Another device may have set, changed or released it (and a linked device starts without it).
      await this.rememberUsername(me.username);
      if (this.ctx.ownDevices.size > 0) await this.resendContactsRequest();
    } catch {
      // Not fatal: the next connect tries again.
    }
    try {
      // Messages an accepted identity change left held (acceptIdentity interrupted): shown now.
      await this.replayHeld();
    } catch {
      this.emitError('StorageFailed', 'could not release held messages; they stay held and are retried');
    }
    await this.maintain();
    this.outbox.kick();
  }

  /** The relay's view of this device's published keys (for diagnostics and `whoami`). */
  async prekeyStatus(): Promise<{
    preKeys: number;
    kyberPreKeys: number;
    signedPreKeyId: number | null;
    kyberLastResortId: number | null;
  }> {
    try {
      return await this.ctx.relay.keyCounts();
    } catch (e) {
      throw relayFailure(e);
    }
  }

  /** Refills / rotates prekeys if the relay's counts or the schedule ask for it. */
  maintain(): Promise<void> {
    // Single flight: two overlapping runs would both see low counts and upload twice.
    this.maintaining ??= (async () => {
      try {
        await maintainPreKeys(this.ctx);
        await pruneSeen(this.ctx);
      } catch (e) {
        const err = e instanceof MessengerError ? e : relaySafe(e);
        this.emitError(err.code, 'prekey maintenance failed: ' + err.message);
      } finally {
        this.maintaining = null;
      }
    })();
    return this.maintaining;
  }

  private async onDeliver(d: DeliverFrame): Promise<void> {
    if (this.closed) return;
    const env = heldFromFrame(d);
    const info = await senderInfo(this.ctx, d);
    let outcome: ReceiveOutcome;
    try {
      outcome = await receiveEnvelope(this.ctx, env, info);
    } catch (e) {
      // Transient (storage): NOT acked; the relay redelivers it.
      this.emitError('StorageFailed', 'could not store a received message; it will be retried');
      throw e;
    }
    this.ctx.hooks.afterCommitBeforeAck?.(env.envelopeId);
    this.conn?.ack(0, [d.seq]);
    this.report(outcome);
    // A first message consumed one of our one-time prekeys: top the pool up if it ran low.
    if (env.envelopeType === CiphertextMessageType.PreKey && outcome.kind === 'message')
      void this.track(this.maintain());
  }

  private report(outcome: ReceiveOutcome): void {
    switch (outcome.kind) {
      case 'message':
        if (outcome.newContact) this.events.emit('contactAdded', { contact: outcome.contact.name });
        this.events.emit('message', { contact: outcome.contact.name, entry: outcome.entry });
        if (outcome.entry.direction === 'in') this.outbox.kick();
        return;
      case 'delivered':
        for (const id of outcome.ids)
          this.events.emit('delivery', { contact: outcome.contact, id, state: 'delivered' });
        return;
      case 'held':
        if (outcome.contact && outcome.identityChanged) {
          this.events.emit('identityChanged', {
            contact: outcome.contact.name,
            trust: trustOf(outcome.contact),
          });
        }
        return;
      case 'contactsSynced':
        for (const c of outcome.added) this.events.emit('contactAdded', { contact: c.name });
        return;
      case 'syncRequested':
        this.outbox.kick();
        return;
      case 'rejected':
        this.emitError(
          'DecryptFailed',
          `rejected an incoming envelope (${outcome.reason})`,
          outcome.contact,
          outcome.reason,
        );
        return;
      default:
        return;
    }
  }

  // ---------- contacts ----------

  /** Adds a contact from a `sotto:` address (verified at once) or an `@username` (trust on first use). */
  async addContact(name: string, addressOrUsername: string): Promise<ContactView> {
    const s = addressOrUsername.trim();
    const c = s.startsWith('@')
      ? await addByUsername(this.ctx, name, s)
      : await addByAddress(this.ctx, name, parseAddress(s), this.relayUrl);
    return view(c);
  }

  /**
   * Removes the contact with its history; what was still queued for it is not sent (a text's
   * `accepted` rejects with `UnknownContact`, announced as `failed`), and messages held for an
   * identity change are dropped.
   */
  async removeContact(name: string): Promise<void> {
    const unsent = await removeContact(this.ctx, name);
    this.abandon(name, unsent, new MessengerError('UnknownContact', `not sent: ${name} was removed`));
  }

  /** Texts taken out of the outbox: `failed`, and their `accepted` rejects with `err`. */
  private abandon(contact: string, ids: string[], err: MessengerError): void {
    for (const id of ids) {
      this.outbox.abandon(id, err);
      this.events.emit('delivery', { contact, id, state: 'failed' });
    }
  }

  async contacts(): Promise<ContactView[]> {
    return (await new LocalState(this.ctx.store).contacts())
      .map(view)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async contact(name: string): Promise<ContactView> {
    return view(await findContact(this.ctx, name));
  }

  // ---------- messages ----------

  /**
   * Persists `text` for `contact` (history state "sending", outbox) and starts delivery (over the
   * WebSocket when connected, else over HTTP; earlier unsent messages go along). Throws
   * `IdentityChanged` while a changed safety number is not accepted, `UnknownContact`, `MessageTooLong`.
   */
  async send(contact: string, text: string): Promise<SentMessage> {
    if (this.closed) throw new MessengerError('Closed', 'messenger closed');
    const c = await findContact(this.ctx, contact);
    return this.startSending(c.name, await enqueueText(this.ctx, c.accountId, text));
  }

  /**
   * Sends a message that failed (history state "failed") again: it goes back to "sending" and into
   * the outbox under its own id, then on like a new send. Throws `InvalidArgument` if `id` is not a
   * failed outgoing message to `contact`, and what `send` throws for the contact.
   */
  async retry(contact: string, id: string): Promise<SentMessage> {
    if (this.closed) throw new MessengerError('Closed', 'messenger closed');
    const c = await findContact(this.ctx, contact);
    return this.startSending(c.name, await requeueFailedText(this.ctx, c.accountId, id));
  }

  /** An entry just queued ("sending"): announces it and starts the outbox on it. */
  private startSending(contactName: string, entry: HistoryEntry): SentMessage {
    const accepted = this.outbox.whenSent(entry.id);
    accepted.catch(() => undefined);
    this.events.emit('delivery', { contact: contactName, id: entry.id, state: 'sending' });
    // Without a socket the outbox submits over HTTP, so `sotto send` need not drain the inbox.
    this.outbox.kick();
    return { id: entry.id, entry, accepted };
  }

  /**
   * The last `limit` messages with `contact`, oldest first: O(limit) record reads through the
   * conversation's index. Under the lock (which is never held across network waits), so the index
   * pages and entries are read as one consistent state, and a store from an older build keeps the
   * index it gets on first use (LocalState.history).
   */
  async history(contact: string, limit = 50): Promise<HistoryEntry[]> {
    const c = await findContact(this.ctx, contact);
    return this.ctx.lock.run(async () => {
      const state = new LocalState(this.ctx.store);
      const out = await state.history(c.accountId, limit);
      await state.commit();
      return out;
    });
  }

  /** Every contact with its last message and unread count, most recent activity first. */
  async conversations(): Promise<ConversationView[]> {
    // A few reads per conversation (contact, summary, newest entry, unread), whatever the length
    // of its history: the web client calls this on every incoming message.
    const state = new LocalState(this.ctx.store);
    const out: ConversationView[] = [];
    const contacts = await state.contacts();
    for (const c of contacts) {
      const last = await state.lastHistory(c.accountId);
      out.push({ contact: view(c), last, unread: await state.unread(c.accountId) });
    }
    // A store from before history summaries had some computed from full listings: keep them, so
    // that happens once. Under the lock and read again, so a history write in between wins.
    if (state.tx.size > 0) {
      await this.ctx.lock.run(async () => {
        const fresh = new LocalState(this.ctx.store);
        for (const c of await fresh.contacts()) await fresh.lastHistory(c.accountId);
        await fresh.commit();
      });
    }
    const at = (v: ConversationView) => (v.last ? (v.last.receivedAt ?? v.last.sentAt) : v.contact.addedAt);
    return out.sort((a, b) => at(b) - at(a));
  }

  /** Marks a conversation read (unread count 0). */
  async markRead(contact: string): Promise<void> {
    const c = await findContact(this.ctx, contact);
    await this.ctx.lock.run(async () => {
      const state = new LocalState(this.ctx.store);
      state.setUnread(c.accountId, 0);
      await state.commit();
    });
  }

  /** Outgoing messages not yet accepted by the relay. */
  async pending(): Promise<number> {
    return (await new LocalState(this.ctx.store).outbox()).filter((o) => o.kind === 'text').length;
  }

  // ---------- safety numbers ----------

  async safetyNumber(contact: string): Promise<SafetyNumberView> {
    const c = await findContact(this.ctx, contact);
    const trusted = await new LocalState(this.ctx.store).identity(c.accountId);
    const remoteKey = c.change?.identityKey ?? trusted;
    if (!remoteKey) throw new MessengerError('UnknownContact', 'no identity key known for this contact');
    const remoteId = c.change?.accountId ?? c.accountId;
    return {
      ...safetyNumber(this.accountId, this.account.identityPublic, remoteId, remoteKey),
      contact: c.name,
      trust: trustOf(c),
      pending: c.change !== null,
    };
  }

  /** The user compared the 60 digits out of band: mark the contact verified. */
  async markVerified(contact: string): Promise<ContactView> {
    return view(await setVerified(this.ctx, contact));
  }

  /**
   * Verifies from the other side's scannable form (bytes, or its base64url text as shown by
   * `safetyNumber().scannableText`); `VerificationFailed` if it does not match.
   */
  async verifyScanned(contact: string, scanned: Uint8Array | string): Promise<ContactView> {
    const data = typeof scanned === 'string' ? fromBase64Url(scanned.trim()) : scanned;
    if (!data) throw new MessengerError('VerificationFailed', 'the scanned data is not a safety-number code');
    const c = await findContact(this.ctx, contact);
    const key = await new LocalState(this.ctx.store).identity(c.accountId);
    if (
      c.change ||
      !key ||
      !scannedMatches(this.accountId, this.account.identityPublic, c.accountId, key, data)
    ) {
      throw new MessengerError('VerificationFailed', 'the scanned safety number does not match');
    }
    return view(await setVerified(this.ctx, contact));
  }

  /**
   * Accepts a changed safety number: trusts the new key, releases held messages, unblocks sending.
   * Accepting and releasing are separate writes: if releasing is cut short (a crash, a failed
   * write), calling this again (even with no change pending any more) or the next connect()
   * releases the rest.
   */
  async acceptIdentity(contact: string): Promise<ContactView> {
    const r = await acceptIdentityChange(this.ctx, contact);
    if (r && r.failed.length > 0) {
      const err = new MessengerError('IdentityChanged', `the safety number with ${r.contact.name} changed`);
      this.abandon(r.contact.name, r.failed, err);
    }
    await this.replayHeld();
    if (this.conn) this.outbox.kick();
    return view(await findContact(this.ctx, contact));
  }

  /**
   * Replays the held envelopes whose identity is now trusted and drops those no decision can
   * release any more (settleHeld). One run at a time, each listing afresh, so no envelope is
   * replayed twice.
   */
  private replayHeld(): Promise<void> {
    const run = this.replayingHeld.then(async () => {
      for (const env of await settleHeld(this.ctx)) {
        if (this.closed) return;
        this.report(await receiveEnvelope(this.ctx, env, undefined, true));
      }
    });
    this.replayingHeld = run.catch(() => undefined);
    return run;
  }

  /**
   * Deletes this account on the relay: every device of it (the others are cut off at once), their
   * keys and the envelopes still queued for them; the username is free again. Irreversible. Then
   * closes this messenger. Erasing this device's own store is the caller's, which owns it (a file,
   * an IndexedDB database); until then it still holds the history, and its account is useless.
   */
  async deleteAccount(): Promise<void> {
    try {
      await this.ctx.relay.deleteAccount();
    } catch (e) {
      throw relayFailure(e);
    }
    await this.close();
  }

  // ---------- lifecycle ----------

  /** Stops the socket and timers, waits for in-flight work, closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.outbox.stop();
    // A stalled relay must not hold close(): requests in flight end now (Closed, which the outbox
    // and the receiver treat as transient: nothing is marked failed or acknowledged for it). Later
    // calls still reach the relay (deleteAccount closes first, then its caller may ask the relay).
    this.ctx.relay.abortInflight();
    this.conn?.close();
    this.conn = null;
    await Promise.all([...this.inflight]);
    await this.outbox.idle();
    await this.ctx.lock.run(() => Promise.resolve());
    this.setConnection('closed');
    this.events.removeAll();
    await this.ctx.store.close?.();
  }
}

function relaySafe(e: unknown): MessengerError {
  try {
    return relayFailure(e);
  } catch {
    return new MessengerError('StorageFailed', 'unexpected failure', { cause: e });
  }
}
