import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PrivateKey } from '@signalapp/libsignal-client';
import { RelayError } from '@sotto/wire';
import { makeKeys, registerUser, sign, startTestRelay } from './helpers/harness.js';
import type { TestRelay } from './helpers/harness.js';

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e: unknown) => RelayError.is(e) && e.code === code);

void describe('key directory', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({
      bundleClaimsPerRequesterPerMinute: 1000,
      bundleClaimsPerTargetPerMinute: 1000,
    });
  });
  after(async () => {
    await t.close();
  });

  void it('stores signed keys, counts them, and hands out one-time keys then the last-resort key', async () => {
    const bob = await registerUser(t);
    const alice = await registerUser(t);
    await rejectsWith(alice.client.getBundles(bob.accountId, 1), 'NoSignedPreKey');
    const keys = makeKeys(bob, 2);
    await bob.client.uploadKeys(keys);
    assert.deepEqual(await bob.client.keyCounts(), {
      preKeys: 2,
      kyberPreKeys: 2,
      signedPreKeyId: 1,
      kyberLastResortId: 10_001,
    });
    const b1 = await alice.client.getBundles(bob.accountId, 1);
    assert.deepEqual(b1.identityKey, bob.identityKey);
    const d = b1.devices[0]!;
    assert.equal(d.registrationId, bob.registrationId);
    assert.deepEqual(d.signedPreKey, keys.signedPreKey);
    assert.deepEqual(d.preKey, keys.preKeys![0]);
    assert.deepEqual(d.kyberPreKey, { ...keys.kyberPreKeys![0]!, lastResort: false });
    const b2 = await alice.client.getBundles(bob.accountId);
    assert.equal(b2.devices[0]!.preKey!.keyId, 2);
    const b3 = await alice.client.getBundles(bob.accountId);
    assert.equal(b3.devices[0]!.preKey, null);
    assert.equal(b3.devices[0]!.kyberPreKey.lastResort, true);
    assert.deepEqual(b3.devices[0]!.kyberPreKey.publicKey, keys.kyberLastResort!.publicKey);
    assert.deepEqual(await bob.client.keyCounts(), {
      preKeys: 0,
      kyberPreKeys: 0,
      signedPreKeyId: 1,
      kyberLastResortId: 10_001,
    });
  });

  void it('rejects keys signed by anything but the account identity key, storing nothing', async () => {
    const bob = await registerUser(t);
    const mallory = { identity: PrivateKey.generate() };
    await rejectsWith(bob.client.uploadKeys(makeKeys(mallory, 1)), 'InvalidSignature');
    const good = makeKeys(bob, 1);
    const tampered = { ...good.signedPreKey!, signature: sign(bob.identity, new Uint8Array([1, 2, 3])) };
    await rejectsWith(bob.client.uploadKeys({ ...good, signedPreKey: tampered }), 'InvalidSignature');
    assert.deepEqual(await bob.client.keyCounts(), {
      preKeys: 0,
      kyberPreKeys: 0,
      signedPreKeyId: null,
      kyberLastResortId: null,
    });
  });

  void it('hands every one-time key out exactly once under many parallel claims', async () => {
    const bob = await registerUser(t);
    const pool = 20;
    await bob.client.uploadKeys(makeKeys(bob, pool));
    const claimers = await Promise.all(Array.from({ length: 5 }, () => registerUser(t)));
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        claimers[i % claimers.length]!.client.getBundles(bob.accountId, 1),
      ),
    );
    const ec = results.map((r) => r.devices[0]!.preKey?.keyId).filter((x) => x !== undefined);
    const ky = results.map((r) => r.devices[0]!.kyberPreKey).filter((k) => !k.lastResort);
    assert.equal(ec.length, pool, 'every EC one-time key handed out');
    assert.equal(new Set(ec).size, pool, 'no EC key twice');
    assert.equal(ky.length, pool);
    assert.equal(new Set(ky.map((k) => k.keyId)).size, pool, 'no Kyber key twice');
    assert.equal(results.filter((r) => r.devices[0]!.kyberPreKey.lastResort).length, 60 - pool);
  });

  void it('returns bundles for all devices with *, and DeviceNotFound for a missing one', async () => {
    const bob = await registerUser(t);
    await bob.client.uploadKeys(makeKeys(bob, 1));
    const alice = await registerUser(t);
    assert.deepEqual(
      (await alice.client.getBundles(bob.accountId)).devices.map((d) => d.deviceId),
      [1],
    );
    await rejectsWith(alice.client.getBundles(bob.accountId, 9), 'DeviceNotFound');
    await rejectsWith(alice.client.getBundles('00000000-0000-4000-8000-000000000000'), 'AccountNotFound');
  });
});

void describe('bundle claim rate limits', () => {
  let t: TestRelay;
  before(async () => {
    t = await startTestRelay({ bundleClaimsPerRequesterPerMinute: 3, bundleClaimsPerTargetPerMinute: 5 });
  });
  after(async () => {
    await t.close();
  });

  void it('limits claims per requester and per target, refilling with (injected) time', async () => {
    const bob = await registerUser(t);
    await bob.client.uploadKeys(makeKeys(bob, 1));
    const a = await registerUser(t);
    const c = await registerUser(t);
    for (let i = 0; i < 3; i++) await a.client.getBundles(bob.accountId);
    await rejectsWith(a.client.getBundles(bob.accountId), 'RateLimited');
    // c is a different requester, but bob's target bucket (5) has 2 left.
    await c.client.getBundles(bob.accountId);
    await c.client.getBundles(bob.accountId);
    await rejectsWith(c.client.getBundles(bob.accountId), 'RateLimited');
    t.clock.advance(60_000);
    await a.client.getBundles(bob.accountId);
  });

  void it('takes nothing from the per-target limit for an account that does not exist', async () => {
    // Claims for made-up ids would otherwise fill the target limiter with buckets (one each).
    const ghost = randomUUID();
    const claimers = [await registerUser(t), await registerUser(t), await registerUser(t)];
    for (const c of claimers)
      for (let i = 0; i < 2; i++) await rejectsWith(c.client.getBundles(ghost), 'AccountNotFound');
    // Six misses for one id: over its target limit (5), yet each is still answered 404, not 429.
  });
});
