/**
 * Creating this device's account: identity key pair, registration id and device secret; the
 * relay registration (the identity key signs `registrationMessage`, docs/relay-api.md); the first
 * signed prekey and last-resort Kyber key; then one batch of one-time keys through the normal
 * maintenance path. Everything private is persisted before anything public is uploaded.
 */
import { RelayError, registrationMessage, type RelayClient } from '@sotto/wire';
import type { CryptoProvider } from '@sotto/protocol';
import type { AccountRecord } from './account-record.js';
import type { Clock, Randomness } from './environment.js';
import { MessengerError } from './errors.js';
import {
  generateIdentity,
  generateKyberPreKey,
  generateRegistrationId,
  generateSignedPreKey,
  signWithIdentity,
} from './key-material.js';
import type { KvStore } from './kv.js';
import { LocalState } from './local-state.js';
import { applyPlan } from './prekey-maintenance.js';
import type { PreKeyPolicy } from './prekey-policy.js';
import { planMaintenance } from './prekey-policy.js';
import { protocolStores } from './protocol-stores.js';

export interface CreateAccountInput {
  store: KvStore;
  relay: RelayClient;
  clock: Clock;
  random: Randomness;
  crypto: CryptoProvider | undefined;
  policy: PreKeyPolicy;
}

export async function createAccount(input: CreateAccountInput): Promise<AccountRecord> {
  const { store, relay, clock, random, crypto } = input;
  if (await new LocalState(store).account())
    throw new MessengerError('AccountExists', 'an account already exists here');
  const identity = generateIdentity(crypto);
  const registrationId = generateRegistrationId((n) => random.bytes(n));
  const deviceSecret = random.bytes(32);
  const signature = signWithIdentity(
    identity.privateKey,
    registrationMessage(identity.publicKey, registrationId, deviceSecret),
    crypto,
  );
  let created;
  try {
    created = await relay.register({
      identityKey: identity.publicKey,
      registrationId,
      deviceSecret,
      signature,
    });
  } catch (e) {
    throw relayFailure(e);
  }
  const now = clock.now();
  const account: AccountRecord = {
    relayUrl: relay.url,
    accountId: created.accountId,
    deviceId: created.deviceId,
    registrationId,
    deviceSecret,
    identityPublic: identity.publicKey,
    identityPrivate: identity.privateKey,
    username: null,
    createdAt: now,
    nextPreKeyId: 1,
    nextSignedPreKeyId: 2,
    nextKyberPreKeyId: 2,
    signedPreKeyId: 1,
    signedPreKeyAt: now,
    lastResortKyberId: 1,
    lastResortAt: now,
    retired: [],
  };
  const state = new LocalState(store);
  const stores = protocolStores(state, account);
  const signed = generateSignedPreKey(1, identity.privateKey, now, crypto);
  await stores.signedPreKey.saveSignedPreKey(1, signed);
  const lastResort = generateKyberPreKey(1, identity.privateKey, now, crypto);
  await stores.kyberPreKey.saveKyberPreKey(1, lastResort, { lastResort: true });
  state.putAccount(account);
  await state.commit();

  // The relay holds nothing yet: the plan re-uploads both current keys and fills the pools.
  const plan = planMaintenance(
    account,
    { preKeys: 0, kyberPreKeys: 0, signedPreKeyId: null, kyberLastResortId: null },
    now,
    input.policy,
  );
  const upload = await applyPlan({ store, crypto }, plan, now);
  const authed = relay.withCredentials({
    accountId: account.accountId,
    deviceId: account.deviceId,
    secret: deviceSecret,
  });
  try {
    if (upload) await authed.uploadKeys(upload);
  } catch (e) {
    // Not fatal: connect() checks the relay's counts and uploads again.
    if (!RelayError.is(e)) throw e;
  }
  return account;
}

export function relayFailure(e: unknown): MessengerError {
  if (e instanceof MessengerError) return e;
  if (RelayError.is(e)) {
    if (e.code === 'NetworkError' || e.code === 'Timeout' || e.code === 'Closed') {
      return new MessengerError('RelayUnreachable', 'the relay is unreachable', { cause: e });
    }
    if (e.code === 'UsernameNotFound')
      return new MessengerError('UsernameNotFound', 'no such username', { cause: e });
    if (e.code === 'UsernameInvalid') {
      return new MessengerError('InvalidUsername', 'not a valid username', { cause: e });
    }
    if (e.code === 'UsernameTaken')
      return new MessengerError('UsernameTaken', 'that username is taken', { cause: e });
    return new MessengerError('RelayRejected', `the relay refused: ${e.code}`, { cause: e });
  }
  throw e;
}
