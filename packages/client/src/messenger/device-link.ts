/**
 * Linking another device to an account. Every device of an account holds the account's identity
 * key pair (libsignal's model: one identity per account, one registration id and session set per
 * device), so the link data carries the identity PRIVATE key. It must travel only over a channel
 * the user controls (e.g. a QR code shown on one screen and scanned by the other); it never goes
 * through the relay. The new device proves the key to the relay by signing `addDeviceMessage`.
 *
 * Not done (yet): Signal's encrypted provisioning envelope and contact/history sync to the new
 * device; a linked device starts with an empty contact list and receives messages from then on.
 */
import { addDeviceMessage, type RelayClient } from '@sotto/wire';
import type { CryptoProvider } from '@sotto/protocol';
import type { AccountRecord } from './account-record.js';
import { relayFailure } from './account-setup.js';
import type { Clock, Randomness } from './environment.js';
import { MessengerError } from './errors.js';
import { storeAndPublishFirstKeys } from './first-keys.js';
import { generateRegistrationId, signWithIdentity } from './key-material.js';
import type { KvStore } from './kv.js';
import { LocalState } from './local-state.js';
import type { PreKeyPolicy } from './prekey-policy.js';
import { RecordReader, bytesToHex, encodeRecord } from './record-codec.js';

export interface DeviceLink {
  relayUrl: string;
  accountId: string;
  identityPublic: Uint8Array;
  identityPrivate: Uint8Array;
}

export function encodeDeviceLink(l: DeviceLink): Uint8Array {
  return encodeRecord({
    v: 1,
    relayUrl: l.relayUrl,
    accountId: l.accountId,
    identityPublic: bytesToHex(l.identityPublic),
    identityPrivate: bytesToHex(l.identityPrivate),
  });
}

export function decodeDeviceLink(bytes: Uint8Array): DeviceLink {
  try {
    const r = RecordReader.parse(bytes, 'device link');
    return {
      relayUrl: r.str('relayUrl'),
      accountId: r.str('accountId'),
      identityPublic: r.bytes('identityPublic', 33),
      identityPrivate: r.bytes('identityPrivate', 32),
    };
  } catch (e) {
    throw new MessengerError('InvalidArgument', 'malformed device link', { cause: e });
  }
}

export interface LinkDeviceInput {
  store: KvStore;
  relay: RelayClient;
  link: DeviceLink;
  clock: Clock;
  random: Randomness;
  crypto: CryptoProvider | undefined;
  policy: PreKeyPolicy;
}

/** Registers this device under the linked account and publishes its prekeys. */
export async function linkDevice(input: LinkDeviceInput): Promise<AccountRecord> {
  const { store, relay, link, clock, random, crypto } = input;
  if (await new LocalState(store).account())
    throw new MessengerError('AccountExists', 'an account already exists here');
  const registrationId = generateRegistrationId((n) => random.bytes(n));
  const deviceSecret = random.bytes(32);
  const signature = signWithIdentity(
    link.identityPrivate,
    addDeviceMessage(link.accountId, registrationId, deviceSecret),
    crypto,
  );
  let created;
  try {
    created = await relay.addDevice(link.accountId, { registrationId, deviceSecret, signature });
  } catch (e) {
    throw relayFailure(e);
  }
  return storeAndPublishFirstKeys({
    store,
    relay,
    crypto,
    policy: input.policy,
    now: clock.now(),
    created,
    identity: { publicKey: link.identityPublic.slice(), privateKey: link.identityPrivate.slice() },
    registrationId,
    deviceSecret,
  });
}
