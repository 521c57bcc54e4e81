/**
 * Starting sessions from relay bundles. The bundle's identity key is checked against the key we
 * trust for that account BEFORE anything else: a mismatch is an identity change (or a relay
 * substituting keys), recorded on the contact and surfaced as `IdentityChanged` — never a silent
 * switch. An account with no trusted key gets no session at all (`UnknownContact`): a bundle is
 * never the first source of trust. Signatures are checked by the protocol's processPreKeyBundle.
 */
import {
  PreKeyBundle,
  ProtocolAddress,
  constantTimeEqual,
  isProtocolError,
  processPreKeyBundle,
} from '@sotto/protocol';
import type { BundleDeviceBytes, PreKeyBundleBytes } from '@sotto/wire';
import type { AccountRecord } from './account-record.js';
import type { MessengerContext } from './context.js';
import { MessengerError } from './errors.js';
import { LocalState } from './local-state.js';
import { protocolStores } from './protocol-stores.js';

export function toProtocolBundle(identityKey: Uint8Array, d: BundleDeviceBytes): PreKeyBundle {
  return PreKeyBundle.new({
    registrationId: d.registrationId,
    deviceId: d.deviceId,
    preKeyId: d.preKey?.keyId,
    preKey: d.preKey?.publicKey,
    signedPreKeyId: d.signedPreKey.keyId,
    signedPreKey: d.signedPreKey.publicKey,
    signedPreKeySignature: d.signedPreKey.signature,
    identityKey,
    kyberPreKeyId: d.kyberPreKey.keyId,
    kyberPreKey: d.kyberPreKey.publicKey,
    kyberPreKeySignature: d.kyberPreKey.signature,
  });
}

/** Records an identity change on the contact for `accountId` (if it is one) in `state`. */
export async function recordIdentityChange(
  state: LocalState,
  accountId: string,
  newAccountId: string,
  identityKey: Uint8Array,
  now: number,
): Promise<boolean> {
  const contact = await state.contact(accountId);
  if (!contact) return false;
  if (contact.change && constantTimeEqual(contact.change.identityKey, identityKey)) return false;
  state.putContact({
    ...contact,
    change: { accountId: newAccountId, identityKey: identityKey.slice(), seenAt: now },
  });
  return true;
}

/**
 * Processes the bundles of `devices` for `bundles.accountId` (skipping our own device) and commits
 * the new sessions. Returns the device ids that now have sessions.
 */
export async function startSessions(
  ctx: MessengerContext,
  bundles: PreKeyBundleBytes,
  onIdentityChanged: (accountId: string) => void,
): Promise<number[]> {
  return ctx.lock.run(async () => {
    const state = new LocalState(ctx.store);
    const account = (await state.account()) as AccountRecord;
    const self = bundles.accountId === account.accountId;
    const trusted = self ? account.identityPublic : await state.identity(bundles.accountId);
    if (!trusted) {
      // Never trust on first use here: every way to a contact stores its key before anything is
      // sent to it (adding, contact sync, its first message, acceptIdentity), so an account with
      // no trusted key is one that was removed (or never was a contact), and the key in this
      // bundle would be whatever the relay chose.
      throw new MessengerError('UnknownContact', 'no trusted identity key for this account; not sending');
    }
    if (!constantTimeEqual(trusted, bundles.identityKey)) {
      const changed = await recordIdentityChange(
        state,
        bundles.accountId,
        bundles.accountId,
        bundles.identityKey,
        ctx.clock.now(),
      );
      await state.commit();
      if (changed) onIdentityChanged(bundles.accountId);
      throw new MessengerError(
        'IdentityChanged',
        'the relay served a different identity key for this contact',
      );
    }
    const stores = protocolStores(state, account);
    const local = ProtocolAddress.new(account.accountId, account.deviceId);
    const started: number[] = [];
    for (const d of bundles.devices) {
      if (self && d.deviceId === account.deviceId) continue;
      try {
        const address = ProtocolAddress.new(bundles.accountId, d.deviceId);
        await processPreKeyBundle(
          toProtocolBundle(bundles.identityKey, d),
          address,
          local,
          stores.session,
          stores.identity,
          ctx.clock.now(),
          ctx.crypto,
        );
        started.push(d.deviceId);
      } catch (e) {
        if (isProtocolError(e)) {
          throw new MessengerError('BadBundle', `the relay served an unusable bundle (${e.code})`, {
            cause: e,
          });
        }
        throw e;
      }
    }
    await state.commit();
    return started;
  });
}
