// KeyStore behaviour every adapter must show, including exactly-once claims under concurrency.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ClaimedBundle, RelayStores } from '@sotto/relay/store';
import { ecKey, kyberKey, newAccountId, rejectionCode, seedAccount, signedEc } from './fixtures.js';
import type { HarnessCapabilities, MakeHarness } from './fixtures.js';
import { useHarness } from './harness-hooks.js';

const LIMITS = { maxOneTimeKeys: 100 };
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

async function fullDevice(s: RelayStores, ec: number, kyber: number): Promise<string> {
  const id = await seedAccount(s);
  const out = await s.keys.putKeys(
    id,
    1,
    {
      signedPreKey: signedEc(1),
      kyberLastResort: kyberKey(999),
      preKeys: range(1, ec).map((k) => ecKey(k)),
      kyberPreKeys: range(1, kyber).map((k) => kyberKey(k)),
    },
    { maxOneTimeKeys: 1000 },
  );
  assert.equal(out, 'ok');
  return id;
}

/** Asserts each one-time key was handed out at most once and none was lost. */
function checkExactlyOnce(bundles: (ClaimedBundle | null)[], ecPool: number, kyberPool: number): void {
  const ec = bundles.flatMap((b) => (b?.preKey ? [b.preKey.keyId] : []));
  const ky = bundles.flatMap((b) => (b && !b.kyberPreKey.lastResort ? [b.kyberPreKey.keyId] : []));
  assert.equal(new Set(ec).size, ec.length, 'an EC one-time prekey was handed out twice');
  assert.equal(new Set(ky).size, ky.length, 'a Kyber one-time prekey was handed out twice');
  assert.deepEqual(
    [...ec].sort((a, b) => a - b),
    range(1, ecPool),
    'every EC one-time prekey is handed out once',
  );
  assert.deepEqual(
    [...ky].sort((a, b) => a - b),
    range(1, kyberPool),
    'every Kyber one-time prekey is handed out once',
  );
  const lastResort = bundles.filter((b) => b?.kyberPreKey.lastResort).length;
  assert.equal(lastResort, bundles.length - kyberPool);
  assert.ok(bundles.every((b) => b !== null));
}

export function keySuite(make: MakeHarness, caps: HarnessCapabilities): void {
  void describe('key directory', () => {
    const x = useHarness(make);

    void it('stores an upload and reports counts for refills', async () => {
      const id = await seedAccount(x.s);
      assert.equal(
        await x.s.keys.putKeys(
          id,
          1,
          {
            signedPreKey: signedEc(7),
            preKeys: [ecKey(1), ecKey(2), ecKey(3)],
            kyberPreKeys: [kyberKey(10), kyberKey(11)],
            kyberLastResort: kyberKey(50),
          },
          LIMITS,
        ),
        'ok',
      );
      assert.deepEqual(await x.s.keys.keyCounts(id, 1), {
        preKeys: 3,
        kyberPreKeys: 2,
        signedPreKeyId: 7,
        kyberLastResortId: 50,
      });
      await x.s.keys.putKeys(id, 1, { signedPreKey: signedEc(8), preKeys: [ecKey(4)] }, LIMITS);
      assert.deepEqual(await x.s.keys.keyCounts(id, 1), {
        preKeys: 4,
        kyberPreKeys: 2,
        signedPreKeyId: 8,
        kyberLastResortId: 50,
      });
    });

    void it('answers DeviceNotFound for an upload to an unknown device, and zero counts', async () => {
      const id = await seedAccount(x.s);
      assert.equal(await x.s.keys.putKeys(id, 3, { preKeys: [ecKey(1)] }, LIMITS), 'DeviceNotFound');
      assert.equal(
        await x.s.keys.putKeys(newAccountId(), 1, { preKeys: [ecKey(1)] }, LIMITS),
        'DeviceNotFound',
      );
      assert.deepEqual(await x.s.keys.keyCounts(id, 3), {
        preKeys: 0,
        kyberPreKeys: 0,
        signedPreKeyId: null,
        kyberLastResortId: null,
      });
    });

    void it('replaces a one-time key uploaded again under the same id', async () => {
      const id = await seedAccount(x.s);
      await x.s.keys.putKeys(
        id,
        1,
        { signedPreKey: signedEc(1), kyberLastResort: kyberKey(9), preKeys: [ecKey(5, 1)] },
        LIMITS,
      );
      await x.s.keys.putKeys(id, 1, { preKeys: [ecKey(5, 2)] }, LIMITS);
      assert.equal((await x.s.keys.keyCounts(id, 1)).preKeys, 1);
      const b = await x.s.keys.claimBundle(id, 1);
      assert.deepEqual(b?.preKey, ecKey(5, 2));
    });

    void it('rejects an upload over the limit and writes none of it', async () => {
      const id = await seedAccount(x.s);
      await x.s.keys.putKeys(id, 1, { preKeys: range(1, 3).map((k) => ecKey(k)) }, { maxOneTimeKeys: 4 });
      const out = await x.s.keys.putKeys(
        id,
        1,
        { signedPreKey: signedEc(2), preKeys: range(10, 2).map((k) => ecKey(k)) },
        { maxOneTimeKeys: 4 },
      );
      assert.equal(out, 'KeyLimitExceeded');
      assert.deepEqual(await x.s.keys.keyCounts(id, 1), {
        preKeys: 3,
        kyberPreKeys: 0,
        signedPreKeyId: null,
        kyberLastResortId: null,
      });
      const kyberOver = await x.s.keys.putKeys(
        id,
        1,
        { kyberPreKeys: range(1, 5).map((k) => kyberKey(k)) },
        { maxOneTimeKeys: 4 },
      );
      assert.equal(kyberOver, 'KeyLimitExceeded');
      assert.equal((await x.s.keys.keyCounts(id, 1)).kyberPreKeys, 0);
    });

    void it('rejects keys of the wrong length with InvalidArgument', async () => {
      const id = await seedAccount(x.s);
      const short = { keyId: 1, publicKey: new Uint8Array(32) };
      assert.equal(
        await rejectionCode(x.s.keys.putKeys(id, 1, { preKeys: [short] }, LIMITS)),
        'InvalidArgument',
      );
      const badSig = { ...kyberKey(1), signature: new Uint8Array(63) };
      assert.equal(
        await rejectionCode(x.s.keys.putKeys(id, 1, { kyberPreKeys: [badSig] }, LIMITS)),
        'InvalidArgument',
      );
    });

    void it('claims the lowest one-time keys first and hands out the stored bytes', async () => {
      const id = await fullDevice(x.s, 2, 2);
      const b1 = await x.s.keys.claimBundle(id, 1);
      assert.deepEqual(b1, {
        registrationId: 1234,
        signedPreKey: signedEc(1),
        preKey: ecKey(1),
        kyberPreKey: { ...kyberKey(1), lastResort: false },
      });
      const b2 = await x.s.keys.claimBundle(id, 1);
      assert.equal(b2?.preKey?.keyId, 2);
      assert.equal(b2?.kyberPreKey.keyId, 2);
      assert.deepEqual(await x.s.keys.keyCounts(id, 1), {
        preKeys: 0,
        kyberPreKeys: 0,
        signedPreKeyId: 1,
        kyberLastResortId: 999,
      });
    });

    void it('falls back to no EC key and the last-resort Kyber key when exhausted, without consuming it', async () => {
      const id = await fullDevice(x.s, 1, 0);
      assert.equal((await x.s.keys.claimBundle(id, 1))?.preKey?.keyId, 1);
      for (let i = 0; i < 3; i++) {
        const b = await x.s.keys.claimBundle(id, 1);
        assert.equal(b?.preKey, null);
        assert.deepEqual(b?.kyberPreKey, { ...kyberKey(999), lastResort: true });
      }
      assert.equal((await x.s.keys.keyCounts(id, 1)).kyberLastResortId, 999);
    });

    void it('returns null and consumes nothing without a signed prekey or any Kyber key', async () => {
      const id = await seedAccount(x.s);
      await x.s.keys.putKeys(id, 1, { preKeys: [ecKey(1)], kyberPreKeys: [kyberKey(1)] }, LIMITS);
      assert.equal(await x.s.keys.claimBundle(id, 1), null);
      assert.deepEqual(await x.s.keys.keyCounts(id, 1), {
        preKeys: 1,
        kyberPreKeys: 1,
        signedPreKeyId: null,
        kyberLastResortId: null,
      });
      const id2 = await seedAccount(x.s);
      await x.s.keys.putKeys(id2, 1, { signedPreKey: signedEc(1), preKeys: [ecKey(1)] }, LIMITS);
      assert.equal(await x.s.keys.claimBundle(id2, 1), null);
      assert.equal((await x.s.keys.keyCounts(id2, 1)).preKeys, 1);
      assert.equal(await x.s.keys.claimBundle(newAccountId(), 1), null);
    });

    void it("never hands out one device's keys for another", async () => {
      const id = await seedAccount(x.s, 2);
      await x.s.keys.putKeys(
        id,
        1,
        { signedPreKey: signedEc(1), kyberLastResort: kyberKey(9), preKeys: [ecKey(1)] },
        LIMITS,
      );
      await x.s.keys.putKeys(
        id,
        2,
        { signedPreKey: signedEc(2), kyberLastResort: kyberKey(8), preKeys: [ecKey(2, 77)] },
        LIMITS,
      );
      const b = await x.s.keys.claimBundle(id, 2);
      assert.deepEqual(b?.preKey, ecKey(2, 77));
      assert.deepEqual(b?.signedPreKey, signedEc(2));
      assert.equal(b?.registrationId, 1002);
      assert.equal((await x.s.keys.keyCounts(id, 1)).preKeys, 1);
    });

    void it('hands out each one-time key exactly once under hundreds of concurrent claims', async () => {
      const id = await fullDevice(x.s, 60, 40);
      const bundles = await Promise.all(range(0, 300).map(() => x.s.keys.claimBundle(id, 1)));
      checkExactlyOnce(bundles, 60, 40);
    });

    if (!caps.peers) return;
    void it('hands out each one-time key exactly once when two handles on one database claim concurrently', async () => {
      const openPeer = x.h.openPeer;
      assert.ok(openPeer, 'harness declared peers but has no openPeer');
      const peer = await openPeer();
      try {
        const id = await fullDevice(x.s, 50, 30);
        const claims = range(0, 200).map((i) => (i % 2 ? peer : x.s).keys.claimBundle(id, 1));
        checkExactlyOnce(await Promise.all(claims), 50, 30);
        assert.deepEqual(await peer.keys.keyCounts(id, 1), await x.s.keys.keyCounts(id, 1));
      } finally {
        await peer.close();
      }
    });
  });
}
