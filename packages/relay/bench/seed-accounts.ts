// Creates many accounts straight through the SQLite store ports before the relay starts, for the
// idle-connection benchmark: registering 10,000 devices over HTTP costs minutes (a signature check
// and a synced commit each) and is not what that benchmark measures. The devices share one device
// secret and a cheap scrypt hash (the relay child runs with --cheap-hash to match).
import { randomBytes, randomUUID } from 'node:crypto';
import { createScryptHasher } from '../src/index.js';
import { openSqliteStore } from '../src/store/index.js';
import type { TestDevice } from '../test/fixtures/accounts.js';
import { identityKeyPair } from '../test/fixtures/identity.js';

export const CHEAP_SCRYPT = { N: 16, r: 1, p: 1 } as const;

export async function seedAccounts(dataDir: string, count: number): Promise<TestDevice[]> {
  const stores = await openSqliteStore(dataDir);
  try {
    const secret = new Uint8Array(randomBytes(32));
    const secretHash = await createScryptHasher(CHEAP_SCRYPT).hash(secret);
    const identityKey = identityKeyPair().publicKey;
    const registrationId = 4242;
    const devices: TestDevice[] = [];
    for (let i = 0; i < count; i++) {
      const accountId = randomUUID();
      await stores.accounts.createAccount(accountId, identityKey, { registrationId, secretHash }, Date.now());
      devices.push({ accountId, deviceId: 1, registrationId, secret });
    }
    return devices;
  } finally {
    await stores.close();
  }
}
