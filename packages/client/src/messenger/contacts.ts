/**
 * Contact operations: add by `sotto:` address (verified at once when the relay's identity key for
 * the account matches the key in the address; refused with `IdentityMismatch` otherwise), add by
 * @username (trust on first use, unverified), remove, verify, accept an identity change, and settle
 * the envelopes held for identity decisions.
 */
import { CiphertextMessageType, PreKeySignalMessage, constantTimeEqual } from '@sotto/protocol';
import { USERNAME_RE, type AccountInfo } from '@sotto/wire';
import { relayFailure } from './account-setup.js';
import type { ParsedAddress } from './contact-address.js';
import type { ContactRecord, ContactSource } from './contact-record.js';
import type { MessengerContext } from './context.js';
import { MessengerError } from './errors.js';
import { LocalState, type HeldEnvelope } from './local-state.js';
import { dropOutboxFor } from './outbox.js';

const NAME = /^[^\s\p{Cc}@/][^\p{Cc}/]{0,63}$/u;

export function checkContactName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name) || name !== name.trim()) {
    throw new MessengerError(
      'InvalidArgument',
      'a contact name is 1-64 characters, no control characters or "/", not starting with "@" or a space',
    );
  }
  return name;
}

function sameRelay(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

async function lookup(ctx: MessengerContext, f: () => Promise<AccountInfo>): Promise<AccountInfo> {
  try {
    return await f();
  } catch (e) {
    throw relayFailure(e);
  }
}

/** Stores `contact` with identity `key`, refusing duplicates (an auto-added "incoming" contact is renamed). */
async function save(
  ctx: MessengerContext,
  name: string,
  info: AccountInfo,
  source: ContactSource,
  verified: boolean,
): Promise<ContactRecord> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    if (info.accountId === ctx.accountId)
      throw new MessengerError('InvalidArgument', 'that is your own address');
    const byName = await state.contactByName(name);
    const existing = await state.contact(info.accountId);
    if (byName && byName.accountId !== info.accountId) {
      throw new MessengerError('ContactExists', `a contact named ${name} already exists`);
    }
    if (existing && existing.source !== 'incoming' && !(verified && !existing.verified)) {
      throw new MessengerError('ContactExists', `already a contact (as ${existing.name})`);
    }
    const trusted = await state.identity(info.accountId);
    if (trusted && !constantTimeEqual(trusted, info.identityKey)) {
      // We talked to this account under another key: never switch silently.
      throw new MessengerError('IdentityMismatch', 'the identity key differs from the one already trusted');
    }
    const contact: ContactRecord = {
      name,
      accountId: info.accountId,
      username: info.username,
      verified: verified || (existing?.verified ?? false),
      source: existing && existing.source !== 'incoming' ? existing.source : source,
      addedAt: existing?.addedAt ?? ctx.clock.now(),
      change: existing?.change ?? null,
    };
    state.putIdentity(info.accountId, info.identityKey.slice());
    state.putContact(contact);
    await state.commit();
    return contact;
  });
}

export async function addByAddress(
  ctx: MessengerContext,
  name: string,
  address: ParsedAddress,
  relayUrl: string,
): Promise<ContactRecord> {
  checkContactName(name);
  if (!sameRelay(address.relayUrl, relayUrl)) {
    throw new MessengerError('InvalidAddress', 'that address belongs to another relay');
  }
  const info = await lookup(ctx, () => ctx.relay.getAccount(address.accountId));
  if (!constantTimeEqual(info.identityKey, address.identityKey)) {
    throw new MessengerError(
      'IdentityMismatch',
      "the relay's identity key for this account does not match the address",
    );
  }
  return save(ctx, name, info, 'address', true);
}

export async function addByUsername(
  ctx: MessengerContext,
  name: string,
  username: string,
): Promise<ContactRecord> {
  checkContactName(name);
  const u = username.startsWith('@') ? username.slice(1) : username;
  if (!USERNAME_RE.test(u)) throw new MessengerError('InvalidUsername', 'not a valid username');
  const info = await lookup(ctx, () => ctx.relay.lookupUsername(u));
  return save(ctx, name, info, 'username', false);
}

export async function findContact(ctx: MessengerContext, name: string): Promise<ContactRecord> {
  const c = await new LocalState(ctx.store).contactByName(name);
  if (!c) throw new MessengerError('UnknownContact', `no contact named ${name}`);
  return c;
}

/**
 * Removes the contact, its trusted key, sessions and history, and in the same batch what is still
 * queued for it (texts and delivery receipts: with the key gone, sending them would mean trusting
 * whatever key the relay serves for the account) and the messages held for an identity change
 * (never to be accepted now). Returns the ids of the texts that will not be sent.
 */
export async function removeContact(ctx: MessengerContext, name: string): Promise<string[]> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const c = await state.contactByName(name);
    if (!c) throw new MessengerError('UnknownContact', `no contact named ${name}`);
    const unsent = await dropOutboxFor(state, c.accountId, false);
    await dropHeld(state, c.accountId);
    if (c.change && c.change.accountId !== c.accountId) await dropHeld(state, c.change.accountId);
    state.deleteContact(c.accountId);
    state.deleteIdentity(c.accountId);
    for (const d of await state.sessionDevices(c.accountId)) state.deleteSession(c.accountId, d);
    await state.deleteHistory(c.accountId);
    state.setUnread(c.accountId, 0);
    await state.commit();
    return unsent;
  });
}

async function dropHeld(state: LocalState, accountId: string): Promise<void> {
  for (const env of await state.held(accountId)) state.unhold(accountId, env.envelopeId);
}

export async function setVerified(ctx: MessengerContext, name: string): Promise<ContactRecord> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const c = await state.contactByName(name);
    if (!c) throw new MessengerError('UnknownContact', `no contact named ${name}`);
    if (c.change)
      throw new MessengerError('IdentityChanged', 'accept the new safety number before verifying');
    const updated = { ...c, verified: true };
    state.putContact(updated);
    await state.commit();
    return updated;
  });
}

/**
 * Trusts the contact's new identity (after the user compared the new safety number): the new key
 * replaces the old one, old sessions are dropped, verification is cleared, and if the contact moved
 * to a new account (re-registered) the contact and its history follow it; texts still queued for
 * the old account become "failed" (the user may retry them to the new one) and its receipts are
 * dropped. The held envelopes are NOT replayed here: `settleHeld` does that afterwards, and again
 * after a crash in between (on the next acceptIdentity or connect), since the acceptance leaves
 * them as "held from a contact whose trusted key is theirs". Returns undefined when no change is
 * pending, else the contact and the ids of the texts that failed.
 */
export async function acceptIdentityChange(
  ctx: MessengerContext,
  name: string,
): Promise<{ contact: ContactRecord; failed: string[] } | undefined> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const c = await state.contactByName(name);
    if (!c) throw new MessengerError('UnknownContact', `no contact named ${name}`);
    if (!c.change) return undefined;
    const { accountId: newAccount, identityKey } = c.change;
    for (const d of await state.sessionDevices(c.accountId)) state.deleteSession(c.accountId, d);
    const updated: ContactRecord = { ...c, accountId: newAccount, verified: false, change: null };
    let failed: string[] = [];
    if (newAccount !== c.accountId) {
      // Before the move, so the texts' "failed" state moves with the conversation.
      failed = await dropOutboxFor(state, c.accountId, true);
      // Move the conversation to the new account; the old account is forgotten.
      await state.moveHistory(c.accountId, newAccount);
      state.setUnread(newAccount, await state.unread(c.accountId));
      state.setUnread(c.accountId, 0);
      state.deleteContact(c.accountId);
      state.deleteIdentity(c.accountId);
      const stray = await state.contact(newAccount);
      if (stray) state.deleteContact(newAccount);
    }
    state.putIdentity(newAccount, identityKey.slice());
    state.putContact(updated);
    await state.commit();
    return { contact: updated, failed };
  });
}

/** The identity key a held envelope was sent under (held envelopes are first messages). */
function heldIdentityKey(env: HeldEnvelope): Uint8Array | undefined {
  if (env.envelopeType !== CiphertextMessageType.PreKey) return undefined;
  try {
    return PreKeySignalMessage.deserialize(env.content).identityKey;
  } catch {
    return undefined;
  }
}

/**
 * Sorts out every envelope held for an identity decision (`x/`), in one batch, and returns those to
 * replay now. A held envelope belongs to the identity change it came with:
 *
 * - its account is a contact's pending change and it is under that change's key: kept (the user
 *   has not decided yet);
 * - its account is a contact with no pending change whose trusted key is the envelope's: the change
 *   was accepted (perhaps by an acceptIdentity that crashed before replaying): returned, to be
 *   replayed (receiveEnvelope with `replay`, which unholds it in the batch that shows it);
 * - otherwise dropped: a later change replaced this one before the user accepted it (another key,
 *   or another account claiming the contact), the change was accepted under another key, or the
 *   contact was removed. Its envelope was acked and marked seen long ago, so it is gone for good;
 *   it could only ever be shown under a key the user did not accept.
 */
export async function settleHeld(ctx: MessengerContext): Promise<HeldEnvelope[]> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const accounts = await state.heldAccounts();
    if (accounts.size === 0) return [];
    const contacts = await state.contacts();
    const replay: HeldEnvelope[] = [];
    for (const accountId of accounts) {
      const pending = contacts.flatMap((c) =>
        c.change?.accountId === accountId ? [c.change.identityKey] : [],
      );
      const contact = contacts.find((c) => c.accountId === accountId);
      const trusted =
        pending.length === 0 && contact && !contact.change ? await state.identity(accountId) : undefined;
      for (const env of await state.held(accountId)) {
        const key = heldIdentityKey(env);
        if (key && pending.some((p) => constantTimeEqual(p, key))) continue;
        if (key && trusted && constantTimeEqual(trusted, key)) replay.push(env);
        else state.unhold(accountId, env.envelopeId);
      }
    }
    await state.commit();
    return replay;
  });
}
