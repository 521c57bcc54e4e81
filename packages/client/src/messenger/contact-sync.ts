/**
 * Contacts sync between the devices of one account (as Signal's contact sync): a newly linked
 * device asks (`syncRequest`), and each other device answers with its contact list (`contacts`
 * messages of at most MAX_SYNC_CONTACTS), sent only to our own devices. Both travel encrypted like
 * any message and are accepted only from our own account (receiver.ts), so only a device holding the
 * account's identity key can add contacts here.
 *
 * Merging never weakens what this device knows: a contact whose identity key differs from the one
 * trusted here is skipped (never switched silently), an existing contact keeps its name, and only
 * "verified" travels upward (a device that compared safety numbers vouches for the key it has).
 * A contact with a pending identity change is shared under the key trusted before it (never the new
 * one), so the new device flags the change itself when the contact writes. Only the device that
 * asked applies an answer (it names the request): old devices do not merge each other's lists,
 * which would bring back contacts removed on one of them.
 */
import { constantTimeEqual, isCanonicalPublicKey } from '@sotto/protocol';
import { USERNAME_RE, bytesToUuid, uuidToBytes } from '@sotto/wire';
import type { ContactRecord } from './contact-record.js';
import { MAX_SYNC_CONTACTS, type ContactsContent, type SyncedContact } from './content.js';
import { checkContactName } from './contacts.js';
import type { MessengerContext } from './context.js';
import { idFromHex, idToHex, newId } from './ids.js';
import type { LocalState } from './local-state.js';
import { enqueueOwnDevices } from './outbox.js';

/** Answers the sync request `requestId` with this device's contact list; returns how many it carries. */
export async function enqueueContactsSync(
  ctx: MessengerContext,
  state: LocalState,
  requestId: Uint8Array,
): Promise<number> {
  const shared: SyncedContact[] = [];
  for (const c of await state.contacts()) {
    const identityKey = await state.identity(c.accountId);
    if (!identityKey) continue;
    const accountId = uuidToBytes(c.accountId);
    if (!accountId || bytesToUuid(accountId) !== c.accountId) continue;
    const entry = {
      accountId,
      identityKey,
      verified: c.verified,
      name: c.name,
      username: c.username,
    };
    // One contact this device cannot share (a name or username no client would write, as older
    // versions took from the relay) is left out, never the whole answer: the asking device would skip it too.
    if (validAccountId(entry) === undefined) continue;
    shared.push(entry);
  }
  // At least one message, empty if need be: it tells the asking device its request was answered.
  for (let i = 0; i === 0 || i < shared.length; i += MAX_SYNC_CONTACTS) {
    enqueueOwnDevices(ctx, state, {
      kind: 'contacts',
      messageId: newId(ctx.random),
      sentAt: ctx.clock.now(),
      requestId,
      contacts: shared.slice(i, i + MAX_SYNC_CONTACTS),
    });
  }
  return shared.length;
}

/** Queues a request for our other devices' contacts (a newly linked device). */
export function enqueueContactsRequest(ctx: MessengerContext, state: LocalState): void {
  const messageId = newId(ctx.random);
  state.putContactsRequest(idToHex(messageId));
  queueRequest(ctx, state, messageId);
}

function queueRequest(ctx: MessengerContext, state: LocalState, messageId: Uint8Array): void {
  enqueueOwnDevices(ctx, state, {
    kind: 'syncRequest',
    messageId,
    sentAt: ctx.clock.now(),
    what: 'contacts',
  });
}

/** How long after linking an unanswered request is sent again on each connect. */
export const CONTACTS_REQUEST_RETRY_MS = 7 * 24 * 3600 * 1000;

/**
 * On connect: the request again, under the same id, when it was never answered and is not queued
 * (lost to a crash right after linking, or refused by the relay), for a week after linking.
 */
export async function resendContactsRequest(
  ctx: MessengerContext,
  state: LocalState,
  linkedAt: number,
): Promise<boolean> {
  const id = await state.contactsRequest();
  if (id === undefined || (await state.contactsRequestAnswered())) return false;
  if (ctx.clock.now() - linkedAt > CONTACTS_REQUEST_RETRY_MS || (await state.outboxEntry(id))) return false;
  const messageId = idFromHex(id);
  if (messageId === undefined) return false;
  queueRequest(ctx, state, messageId);
  return true;
}

/**
 * Merges a contacts message from another of our devices; returns the contacts added here. An
 * answer to a request this device did not make is ignored.
 */
export async function applyContactsSync(
  state: LocalState,
  content: ContactsContent,
  ownAccountId: string,
  now: number,
): Promise<ContactRecord[]> {
  if ((await state.contactsRequest()) !== idToHex(content.requestId)) return [];
  state.markContactsRequestAnswered();
  const added: ContactRecord[] = [];
  const local = await state.contacts();
  const names = new Set(local.map((c) => c.name));
  // Accounts that replaced a contact's key and wait for the user's decision (held envelopes).
  const pending = new Set(local.flatMap((c) => (c.change ? [c.change.accountId] : [])));
  for (const k of content.contacts) {
    const accountId = validAccountId(k);
    if (accountId === undefined || accountId === ownAccountId || pending.has(accountId)) continue;
    const trusted = await state.identity(accountId);
    if (trusted && !constantTimeEqual(trusted, k.identityKey)) continue;
    const existing = await state.contact(accountId);
    if (existing) {
      if (k.verified && !existing.verified && !existing.change && trusted) {
        state.putContact({ ...existing, verified: true });
      }
      continue;
    }
    const name = freeName(k.name, names);
    if (name === undefined) continue;
    names.add(name);
    const contact: ContactRecord = {
      name,
      accountId,
      username: k.username,
      verified: k.verified,
      source: 'sync',
      addedAt: now,
      change: null,
    };
    state.putIdentity(accountId, k.identityKey.slice());
    state.putContact(contact);
    added.push(contact);
  }
  return added;
}

/** The entry's account id when every field is one this client would have written, else undefined. */
function validAccountId(k: SyncedContact): string | undefined {
  if (k.username !== null && !USERNAME_RE.test(k.username)) return undefined;
  if (!isCanonicalPublicKey(k.identityKey)) return undefined;
  try {
    checkContactName(k.name);
    return bytesToUuid(k.accountId);
  } catch {
    return undefined;
  }
}

/** `name`, or `name (2)` … `name (9)` when it is taken here by another contact. */
function freeName(name: string, taken: ReadonlySet<string>): string | undefined {
  if (!taken.has(name)) return name;
  for (let i = 2; i <= 9; i++) {
    const candidate = `${name.slice(0, 58)} (${i})`;
    if (!taken.has(candidate)) return candidate;
  }
  return undefined;
}
