/**
 * Receiving one envelope. The order is what makes it crash-safe (issue 4, "persist, then ack"):
 *
 *   1. already seen (by envelope id)? → just ack.
 *   2. decrypt (prekey or whisper message) into a KvTransaction, unpad, parse strictly;
 *   3. ONE atomic batch: ratchet state + consumed prekeys + history entry + receipt in the outbox +
 *      the "seen" mark;
 *   4. only then ack.
 *
 * A crash before 3 leaves nothing behind and the relay redelivers; a crash between 3 and 4 makes
 * the redelivery a "seen" envelope that is only acked. Never lost, never shown twice.
 *
 * Permanent failures (tampered, forged, bad MAC, unsupported version, malformed content) are
 * marked seen, reported as a typed `DecryptFailed` event, never shown, and acked so the queue
 * moves on. Transient failures (storage) throw: the envelope is not acked and comes again. A batch
 * the store refuses for what it holds (a value over its size limit: StorageError 'InvalidArgument')
 * would be refused again on every redelivery, so that one is permanent too: only the seen mark is
 * committed and the envelope is rejected as `StorageRefused`.
 *
 * Identity changes: a first message under an identity key we do not trust for that account is
 * checked by a throw-away trial decryption (a relay forging the sender fails here: the protocol
 * binds both addresses into the MAC); if genuine, it is HELD — stored, not shown — and the
 * contact is flagged until the user accepts the new safety number; then it is replayed.
 */
import {
  PreKeySignalMessage,
  ProtocolAddress,
  SignalMessage,
  CiphertextMessageType,
  constantTimeEqual,
  isProtocolError,
  signalDecrypt,
  signalDecryptPreKey,
} from '@sotto/protocol';
import { USERNAME_RE, bytesToUuid, type AccountInfo, type DeliverFrame } from '@sotto/wire';
import { StorageError } from '../storage/errors.js';
import type { AccountRecord } from './account-record.js';
import { decodeContent, type Content } from './content.js';
import type { MessengerContext } from './context.js';
import type { ContactRecord } from './contact-record.js';
import { MessengerError } from './errors.js';
import type { HistoryEntry } from './history-record.js';
import { idToHex } from './ids.js';
import { LocalState, type HeldEnvelope } from './local-state.js';
import { unpadPlaintext } from './message-padding.js';
import { applyContactsSync, enqueueContactsSync } from './contact-sync.js';
import { checkContactName } from './contacts.js';
import { enqueueReceipt } from './outbox.js';
import { protocolStores, type ProtocolStores } from './protocol-stores.js';
import { recordIdentityChange } from './session-setup.js';

/** What the caller (messenger.ts) turns into events after the batch is committed. */
export type ReceiveOutcome =
  | { kind: 'duplicate' }
  | { kind: 'message'; contact: ContactRecord; entry: HistoryEntry; newContact: boolean }
  | { kind: 'delivered'; contact: string; ids: string[] }
  | { kind: 'held'; contact: ContactRecord | undefined; identityChanged: boolean }
  | { kind: 'rejected'; reason: string; contact: string | undefined; keepRatchet?: boolean }
  | { kind: 'contactsSynced'; added: ContactRecord[] }
  | { kind: 'syncRequested' }
  | { kind: 'ignored' };

/**
 * How long a stranger's first envelope waits for the relay's answer about the sender. Envelopes are
 * received in order, so this holds up every later one: past it the sender is added without a
 * username (as when the lookup fails).
 */
export const SENDER_INFO_TIMEOUT_MS = 5_000;

/** Looks up the sender on the relay (username) when it is not a contact yet; network, outside the lock. */
export async function senderInfo(
  ctx: MessengerContext,
  d: DeliverFrame,
  timeoutMs = SENDER_INFO_TIMEOUT_MS,
): Promise<AccountInfo | undefined> {
  if (d.senderAccountId === ctx.accountId) return undefined;
  const known = await new LocalState(ctx.store).contact(d.senderAccountId);
  if (known) return undefined;
  try {
    return await ctx.relay.getAccount(d.senderAccountId, { timeoutMs });
  } catch {
    return undefined;
  }
}

export function heldFromFrame(d: DeliverFrame): HeldEnvelope {
  return {
    envelopeId: idToHex(d.envelopeId),
    senderAccountId: d.senderAccountId,
    senderDeviceId: d.senderDeviceId,
    serverTimestamp: d.serverTimestamp,
    envelopeType: d.envelopeType,
    content: d.content,
  };
}

/**
 * Processes one envelope under the lock and commits its batch. `replay` is set for held envelopes
 * released by acceptIdentity (already marked seen).
 */
export async function receiveEnvelope(
  ctx: MessengerContext,
  env: HeldEnvelope,
  info: AccountInfo | undefined,
  replay = false,
): Promise<ReceiveOutcome> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    if (!replay && (await state.seen(env.envelopeId))) return { kind: 'duplicate' };
    const account = (await state.account()) as AccountRecord;
    const now = ctx.clock.now();
    const outcome = await decryptAndApply(ctx, state, account, env, info, now, replay);
    const onlySeen = async () => {
      // Throw away whatever the failed attempt buffered; only remember that we saw it.
      const fresh = new LocalState(ctx.store);
      fresh.markSeen(env.envelopeId, now);
      if (replay) fresh.unhold(env.senderAccountId, env.envelopeId);
      await fresh.commit();
    };
    if (outcome.kind === 'rejected' && !outcome.keepRatchet) {
      await onlySeen();
      return outcome;
    }
    state.markSeen(env.envelopeId, now);
    if (replay) state.unhold(env.senderAccountId, env.envelopeId);
    try {
      await state.commit();
    } catch (e) {
      if (!refusedForGood(e)) throw e; // transient (I/O, disk full): not acked, comes again
      await onlySeen();
      const self = env.senderAccountId === account.accountId;
      const known = self ? undefined : await new LocalState(ctx.store).contact(env.senderAccountId);
      return rejected('StorageRefused', known?.name);
    }
    return outcome;
  });
}

/**
 * A write the store refuses for what it holds (a value over its limit, a bad key): it fails the same
 * way every time, unlike an I/O error or a full disk (StorageError 'BackendFailure').
 */
function refusedForGood(e: unknown): boolean {
  const cause = e instanceof MessengerError && e.code === 'StorageFailed' ? e.cause : e;
  return StorageError.is(cause, 'InvalidArgument');
}

function rejected(reason: string, contact: string | undefined): ReceiveOutcome {
  return { kind: 'rejected', reason, contact };
}

async function decryptAndApply(
  ctx: MessengerContext,
  state: LocalState,
  account: AccountRecord,
  env: HeldEnvelope,
  info: AccountInfo | undefined,
  now: number,
  replay: boolean,
): Promise<ReceiveOutcome> {
  const sender = env.senderAccountId;
  const self = sender === account.accountId;
  if (self && env.senderDeviceId === account.deviceId) return rejected('ForgedSender', undefined);
  let contact = self ? undefined : await state.contact(sender);

  // A stranger whose username belongs to an existing contact: that contact re-registered (or
  // someone claims to be them). Hold the envelope and flag the contact.
  const username = relayUsername(info);
  if (!self && !contact && info && username) {
    const namesake = (await state.contacts()).find((c) => c.username === username);
    if (namesake) return holdForIdentity(ctx, state, account, env, namesake, info.identityKey, now);
  }

  let plaintext: Uint8Array;
  try {
    plaintext = await decrypt(ctx, state, account, env);
  } catch (e) {
    if (
      isProtocolError(e, 'UntrustedIdentity') &&
      env.envelopeType === CiphertextMessageType.PreKey &&
      !self
    ) {
      const key = PreKeySignalMessage.deserialize(env.content).identityKey;
      if (contact && !replay) return holdForIdentity(ctx, state, account, env, contact, key, now);
    }
    if (isProtocolError(e)) return rejected(e.code, contact?.name);
    if (e instanceof MessengerError && e.code !== 'StorageFailed') return rejected(e.code, contact?.name);
    if (refusedForGood(e)) return rejected('StorageRefused', contact?.name);
    throw e; // transient (storage): not acked, comes again
  }

  let content: Content;
  try {
    content = decodeContent(unpadPlaintext(plaintext));
  } catch (e) {
    // The ratchet step happened (and is committed with the seen mark); the content is refused.
    if (isProtocolError(e) || e instanceof MessengerError) {
      const reason = isProtocolError(e) ? e.code : e.code;
      return { kind: 'rejected', reason, contact: contact?.name, keepRatchet: true };
    }
    throw e;
  }

  if (self) return applySync(ctx, state, account, content, now);

  let newContact = false;
  if (!contact) {
    contact = await newIncomingContact(state, sender, info, now);
    newContact = true;
  }
  if (content.kind === 'text') {
    const id = idToHex(content.messageId);
    const existing = await state.historyById(id);
    if (existing) return { kind: 'duplicate' }; // same message under another envelope id
    const entry: HistoryEntry = {
      id,
      contact: sender,
      direction: 'in',
      text: content.text,
      sentAt: content.sentAt,
      receivedAt: now,
      state: 'received',
    };
    await state.putHistory(entry);
    state.setUnread(sender, (await state.unread(sender)) + 1);
    enqueueReceipt(ctx, state, sender, [content.messageId]);
    return { kind: 'message', contact, entry, newContact };
  }
  if (content.kind === 'receipt') {
    const ids: string[] = [];
    for (const target of content.targetIds) {
      const h = await state.historyById(idToHex(target));
      // Only the conversation's own outgoing messages can be confirmed by this contact.
      if (!h || h.direction !== 'out' || h.contact !== sender || h.state === 'delivered') continue;
      await state.putHistory({ ...h, state: 'delivered' });
      ids.push(h.id);
    }
    return { kind: 'delivered', contact: contact.name, ids };
  }
  return rejected('InvalidContent', contact.name); // a 'sent' transcript from someone else
}

async function decrypt(
  ctx: MessengerContext,
  state: LocalState,
  account: AccountRecord,
  env: HeldEnvelope,
  stores: ProtocolStores = protocolStores(state, account),
): Promise<Uint8Array> {
  const remote = ProtocolAddress.new(env.senderAccountId, env.senderDeviceId);
  const local = ProtocolAddress.new(account.accountId, account.deviceId);
  if (env.envelopeType === CiphertextMessageType.PreKey) {
    const m = PreKeySignalMessage.deserialize(env.content);
    return signalDecryptPreKey(
      m,
      remote,
      local,
      stores.session,
      stores.identity,
      stores.preKey,
      stores.signedPreKey,
      stores.kyberPreKey,
      ctx.crypto,
    );
  }
  if (env.envelopeType === CiphertextMessageType.Whisper) {
    return signalDecrypt(
      SignalMessage.deserialize(env.content),
      remote,
      local,
      stores.session,
      stores.identity,
      ctx.crypto,
    );
  }
  throw new MessengerError('DecryptFailed', 'unknown envelope type');
}

/**
 * Trial-decrypts a first message under a NEW identity in a throw-away transaction that trusts
 * that key; if it is authentic, holds the envelope and flags `contact`.
 */
async function holdForIdentity(
  ctx: MessengerContext,
  state: LocalState,
  account: AccountRecord,
  env: HeldEnvelope,
  contact: ContactRecord,
  claimedKey: Uint8Array,
  now: number,
): Promise<ReceiveOutcome> {
  if (env.envelopeType !== CiphertextMessageType.PreKey) return rejected('UntrustedIdentity', contact.name);
  let key: Uint8Array;
  try {
    key = PreKeySignalMessage.deserialize(env.content).identityKey;
  } catch (e) {
    return rejected(isProtocolError(e) ? e.code : 'InvalidMessage', contact.name);
  }
  if (!constantTimeEqual(key, claimedKey)) return rejected('UntrustedIdentity', contact.name);
  const probe = new LocalState(ctx.store);
  const stores = protocolStores(probe, account);
  const trusting = {
    ...stores,
    identity: { ...stores.identity, isTrustedIdentity: () => Promise.resolve(true) },
  };
  try {
    // Never committed: it only proves the envelope is authentic for the claimed sender.
    const plaintext = await decrypt(ctx, probe, account, env, trusting);
    decodeContent(unpadPlaintext(plaintext));
  } catch (e) {
    if (isProtocolError(e) || e instanceof MessengerError) {
      return rejected(isProtocolError(e) ? e.code : e.code, contact.name);
    }
    throw e;
  }
  state.hold(env);
  const changed = await recordIdentityChange(state, contact.accountId, env.senderAccountId, key, now);
  const updated = await state.contact(contact.accountId);
  return { kind: 'held', contact: updated, identityChanged: changed };
}

/**
 * From another of our own devices: a sync copy of what we sent from there, its contact list, or a
 * newly linked device's request for ours (answered through the outbox in this same batch).
 */
async function applySync(
  ctx: MessengerContext,
  state: LocalState,
  account: AccountRecord,
  content: Content,
  now: number,
): Promise<ReceiveOutcome> {
  if (content.kind === 'contacts')
    return { kind: 'contactsSynced', added: await applyContactsSync(state, content, account.accountId, now) };
  if (content.kind === 'syncRequest') {
    try {
      await enqueueContactsSync(ctx, state, content.messageId);
    } catch (e) {
      // A contact this client cannot encode must not make the request come back on every connect.
      if (e instanceof MessengerError && e.code === 'InvalidArgument') return { kind: 'ignored' };
      throw e;
    }
    return { kind: 'syncRequested' };
  }
  if (content.kind !== 'sent') return { kind: 'ignored' };
  const destination = bytesToUuid(content.destination);
  const contact = await state.contact(destination);
  if (!contact) return { kind: 'ignored' };
  const id = idToHex(content.messageId);
  if (await state.historyById(id)) return { kind: 'duplicate' };
  const entry: HistoryEntry = {
    id,
    contact: destination,
    direction: 'out',
    text: content.text,
    sentAt: content.sentAt,
    receivedAt: null,
    state: 'sent',
  };
  await state.putHistory(entry);
  return { kind: 'message', contact, entry, newContact: false };
}

/** The relay's username for an account, if it is one (the relay is untrusted: wire checks it too). */
function relayUsername(info: AccountInfo | undefined): string | null {
  const u = info?.username;
  return typeof u === 'string' && USERNAME_RE.test(u) ? u : null;
}

/** The username, when it is also a valid contact name (else the caller's fallback). */
function nameFrom(username: string | null): string | undefined {
  if (username === null) return undefined;
  try {
    return checkContactName(username);
  } catch {
    return undefined;
  }
}

async function newIncomingContact(
  state: LocalState,
  accountId: string,
  info: AccountInfo | undefined,
  now: number,
): Promise<ContactRecord> {
  const taken = new Set((await state.contacts()).map((c) => c.name));
  const username = relayUsername(info);
  const base = nameFrom(username) ?? `unknown-${accountId.slice(0, 8)}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  const contact: ContactRecord = {
    name,
    accountId,
    username,
    verified: false,
    source: 'incoming',
    addedAt: now,
    change: null,
  };
  state.putContact(contact);
  return contact;
}
