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
import { storeAndPublishFirstKeys } from './first-keys.js';
import { generateIdentity, generateRegistrationId, signWithIdentity } from './key-material.js';
import type { KvStore } from './kv.js';
import { LocalState } from './local-state.js';
import type { PreKeyPolicy } from './prekey-policy.js';

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
  return storeAndPublishFirstKeys({
    store,
    relay,
    crypto,
    policy: input.policy,
    now: clock.now(),
    created,
    identity,
    registrationId,
    deviceSecret,
  });
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
    if (e.code === 'RateLimited') {
      return new MessengerError(
        'RelayRejected',
        'the relay refused for now (RateLimited): try again in a minute',
        {
          cause: e,
        },
      );
    }
    return new MessengerError('RelayRejected', `the relay refused: ${e.code}`, { cause: e });
  }
  throw e;
}
