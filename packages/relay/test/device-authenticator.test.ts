import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CredentialCache } from '../src/auth/credential-cache.js';
import { DeviceAuthenticator, MAX_PENDING_VERIFICATIONS } from '../src/auth/device-authenticator.js';
import { createScryptHasher } from '../src/auth/secret-hash.js';
import type { SecretHasher } from '../src/auth/secret-hash.js';
import { MemoryRelayStore } from './helpers/memory-relay-store.js';

const A = '00000000-0000-4000-8000-000000000001';

/** A cheap real scrypt hasher that counts its verifications (each one a slow check in production). */
function countingHasher(): { hasher: SecretHasher; verifies: () => number } {
  const real = createScryptHasher({ N: 1024, r: 8, p: 1 });
  let n = 0;
  return {
    hasher: { hash: (s) => real.hash(s), verify: (s, h) => (n++, real.verify(s, h)) },
    verifies: () => n,
  };
}

void describe('DeviceAuthenticator', () => {
  void it('verifies against the stored scrypt hash, then answers from the keyed cache', async () => {
    const store = new MemoryRelayStore();
    const { hasher, verifies } = countingHasher();
    const secret = new Uint8Array(32).fill(7);
    await store.createAccount(A, new Uint8Array(33), {
      registrationId: 1,
      secretHash: await hasher.hash(secret),
    });
    const auth = new DeviceAuthenticator(store, hasher, new CredentialCache(10, 60_000, Date.now));
    assert.equal(await auth.check(A, 1, secret), 'ok');
    assert.equal(await auth.check(A, 1, secret), 'ok');
    assert.equal(verifies(), 1, 'second check came from the cache');
    assert.equal(await auth.check(A, 1, new Uint8Array(32)), 'denied');
    assert.equal(await auth.check(A, 2, secret), 'denied');
    const stored = (await store.getDevice(A, 1))!.secretHash;
    assert.match(stored, /^scrypt\$1024\$8\$1\$/);
    assert.ok(!stored.includes(Buffer.from(secret).toString('base64')));
  });

  void it('forgets only the removed device or deleted account, so nobody else pays a new scrypt', async () => {
    const store = new MemoryRelayStore();
    const { hasher, verifies } = countingHasher();
    const B = '00000000-0000-4000-8000-000000000002';
    const secret = new Uint8Array(32).fill(9);
    const secretHash = await hasher.hash(secret);
    await store.createAccount(A, new Uint8Array(33), { registrationId: 1, secretHash });
    await store.addDevice(A, { registrationId: 2, secretHash }, 127);
    await store.createAccount(B, new Uint8Array(33), { registrationId: 3, secretHash });
    const auth = new DeviceAuthenticator(store, hasher, new CredentialCache(10, 60_000, Date.now));
    const checkAll = async () => {
      for (const [acc, dev] of [
        [A, 1],
        [A, 2],
        [B, 1],
      ] as const)
        assert.equal(await auth.check(acc, dev, secret), 'ok');
    };
    await checkAll();
    assert.equal(verifies(), 3);
    auth.forgetDevice(A, 2);
    await checkAll();
    assert.equal(verifies(), 4, 'only device A.2 was verified again');
    auth.forgetAccount(A);
    await checkAll();
    assert.equal(verifies(), 6, 'both devices of A, not B');
    // Removed behind this authenticator's back (by another node), and a new device given its id with
    // another secret: the old secret's cached entry lets nobody in; the new secret works.
    await store.removeDevice(A, 2);
    assert.equal(await auth.check(A, 2, secret), 'denied');
    const newSecret = new Uint8Array(32).fill(10);
    assert.equal(
      await store.addDevice(A, { registrationId: 4, secretHash: await hasher.hash(newSecret) }, 127),
      2,
    );
    auth.remember(A, 2, secret, secretHash); // a stale entry for the old device, put back meanwhile
    assert.equal(await auth.check(A, 2, secret), 'denied');
    assert.equal(await auth.check(A, 2, newSecret), 'ok');
    const v = verifies();
    // A wrong secret for a cached device is checked the slow way and denied; the entry stays good.
    assert.equal(await auth.check(B, 1, new Uint8Array(32)), 'denied');
    assert.equal(verifies(), v + 1);
    assert.equal(await auth.check(B, 1, secret), 'ok');
    assert.equal(await auth.check(A, 1, secret), 'ok');
    assert.equal(verifies(), v + 1, 'still from the cache');
  });

  void it('refuses new slow-hash checks beyond the concurrency cap, but lets cached devices in', async () => {
    const store = new MemoryRelayStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hasher: SecretHasher = {
      hash: () => Promise.resolve('x'),
      verify: async (s, h) => {
        await gate;
        return h === 'x' && s[0] === 1;
      },
    };
    const secret = new Uint8Array(32).fill(1);
    await store.createAccount(A, new Uint8Array(33), { registrationId: 1, secretHash: 'x' });
    const auth = new DeviceAuthenticator(store, hasher, new CredentialCache(10, 60_000, Date.now));
    auth.remember(A, 1, secret, 'x');
    const flood = Array.from({ length: MAX_PENDING_VERIFICATIONS + 10 }, () =>
      auth.check(A, 1, new Uint8Array(32)),
    );
    assert.equal(await auth.check(A, 1, secret), 'ok');
    release();
    const outcomes = await Promise.all(flood);
    assert.equal(outcomes.filter((o) => o === 'busy').length, 10);
    assert.equal(outcomes.filter((o) => o === 'denied').length, MAX_PENDING_VERIFICATIONS);
  });
});
