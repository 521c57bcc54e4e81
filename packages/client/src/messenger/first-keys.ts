// What a device does right after the relay accepted it (a new account or a linked device): write its
// account record with the first signed prekey and last-resort Kyber key in one commit, then publish
// those and a first batch of one-time prekeys. The upload is best effort: connect() compares the
// relay's counts with the policy and uploads again.
import { RelayError, type RelayClient } from '@sotto/wire';
import type { CryptoProvider } from '@sotto/protocol';
import type { AccountRecord } from './account-record.js';
import { generateKyberPreKey, generateSignedPreKey } from './key-material.js';
import type { KvStore } from './kv.js';
import { LocalState } from './local-state.js';
import { applyPlan } from './prekey-maintenance.js';
import { planMaintenance, type PreKeyPolicy } from './prekey-policy.js';
import { protocolStores } from './protocol-stores.js';

export interface FirstKeysInput {
  store: KvStore;
  relay: RelayClient;
  crypto: CryptoProvider | undefined;
  policy: PreKeyPolicy;
  now: number;
  created: { accountId: string; deviceId: number };
  identity: { publicKey: Uint8Array; privateKey: Uint8Array };
  registrationId: number;
  deviceSecret: Uint8Array;
}

export async function storeAndPublishFirstKeys(input: FirstKeysInput): Promise<AccountRecord> {
  const { store, relay, crypto, now, identity, deviceSecret } = input;
  const account: AccountRecord = {
    relayUrl: relay.url,
    accountId: input.created.accountId,
    deviceId: input.created.deviceId,
    registrationId: input.registrationId,
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
  await stores.signedPreKey.saveSignedPreKey(1, generateSignedPreKey(1, identity.privateKey, now, crypto));
  await stores.kyberPreKey.saveKyberPreKey(1, generateKyberPreKey(1, identity.privateKey, now, crypto), {
    lastResort: true,
  });
  state.putAccount(account);
  await state.commit();

  // The relay holds nothing for this device yet: the plan uploads both current keys and fills the pools.
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
    if (!RelayError.is(e)) throw e;
  }
  return account;
}
