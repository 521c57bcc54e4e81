/**
 * EncryptedStore specifics beyond the conformance suite: header tampering, KDF parameters, the
 * injectable key wrapper (WebCrypto non-extractable KEK), key encoding order, and zeroisation.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compareBytes,
  decodeHeader,
  DEFAULT_KDF_COST,
  EncryptedStore,
  encodeHeader,
  MemoryBackend,
  StorageError,
  TEST_KDF_COST,
  WebCryptoKeyWrapper,
  webCryptoKeyWrapper,
  type KeyWrapperFactory,
} from '@sotto/client';

const opts = { kdfCost: TEST_KDF_COST };
const code = (c: string) => (e: unknown) => StorageError.is(e, c as never);
const HEADER = ['_store', new TextEncoder().encode('header')] as const;
const t = (s: string) => new TextEncoder().encode(s);

void describe('EncryptedStore header', () => {
  void it('defaults to 64 MiB scrypt (N=2^16, r=8, p=1)', () => {
    assert.deepEqual(DEFAULT_KDF_COST, { alg: 'scrypt', log2N: 16, r: 8, p: 1 });
    assert.equal(128 * 2 ** DEFAULT_KDF_COST.log2N * DEFAULT_KDF_COST.r, 64 * 1024 * 1024);
  });

  void it('stores the KDF parameters and salt, and can raise them on passphrase change', async () => {
    const db = new MemoryBackend();
    const s = await EncryptedStore.create(db, 'pw', opts);
    const before = await s.kdfParams();
    assert.equal(before.log2N, TEST_KDF_COST.log2N);
    assert.equal(before.salt.length, 16);
    await s.put('t', ['k'], t('v'));
    await s.changePassphrase('pw2', { ...TEST_KDF_COST, log2N: 6 });
    const after = await s.kdfParams();
    assert.equal(after.log2N, 6);
    assert.notDeepEqual(after.salt, before.salt);
    const s2 = await EncryptedStore.open(db, 'pw2');
    assert.deepEqual(await s2.get('t', ['k']), t('v'));
  });

  void it('fails closed when the KDF parameters in the header are lowered by an attacker', async () => {
    const db = new MemoryBackend();
    await EncryptedStore.create(db, 'pw', { kdfCost: { ...TEST_KDF_COST, log2N: 6 } });
    const raw = (await db.get(...HEADER))!;
    const h = decodeHeader(raw);
    await db.put(...HEADER, encodeHeader({ ...h, kdf: { ...h.kdf, log2N: 5 } }));
    await assert.rejects(EncryptedStore.open(db, 'pw'), code('WrongPassphrase'));
  });

  void it('reports a damaged header as CorruptHeader and a missing one as NotInitialized', async () => {
    await assert.rejects(EncryptedStore.open(new MemoryBackend(), 'pw'), code('NotInitialized'));
    const db = new MemoryBackend();
    await EncryptedStore.create(db, 'pw', opts);
    const raw = (await db.get(...HEADER))!;
    for (const bad of [raw.subarray(0, 10), Uint8Array.of(...raw, 0), Uint8Array.of(0, ...raw.subarray(1))]) {
      await db.put(...HEADER, bad);
      await assert.rejects(EncryptedStore.open(db, 'pw'), code('CorruptHeader'));
    }
  });

  void it('only ever fails with typed errors on a random header (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), async (bytes) => {
        const db = new MemoryBackend();
        await db.put(...HEADER, bytes);
        await assert.rejects(EncryptedStore.open(db, 'pw'), (e) => StorageError.is(e));
      }),
      { numRuns: 200 },
    );
  });
});

void describe('KeyWrapper injection', () => {
  void it('holds the KEK as a non-extractable WebCrypto key, interoperable with the default wrapper', async () => {
    const db = new MemoryBackend();
    const s = await EncryptedStore.create(db, 'pw', { ...opts, keyWrapper: webCryptoKeyWrapper });
    await s.put('t', ['k'], t('v'));
    const viaDefault = await EncryptedStore.open(db, 'pw');
    assert.deepEqual(await viaDefault.get('t', ['k']), t('v'));
    await assert.rejects(
      EncryptedStore.open(db, 'nope', { keyWrapper: webCryptoKeyWrapper }),
      code('WrongPassphrase'),
    );
    const w = await WebCryptoKeyWrapper.fromKek(new Uint8Array(32).fill(1));
    assert.equal(w.cryptoKey?.extractable, false);
    w.destroy();
    assert.equal(w.cryptoKey, undefined);
  });

  void it('passes the passphrase and header parameters to an injected factory', async () => {
    const seen: string[] = [];
    const spy: KeyWrapperFactory = async (pass, params) => {
      seen.push(`${pass}:${params.log2N}`);
      return webCryptoKeyWrapper(pass, params);
    };
    const db = new MemoryBackend();
    await EncryptedStore.create(db, 'secret', { ...opts, keyWrapper: spy });
    await EncryptedStore.open(db, 'secret', { keyWrapper: spy });
    assert.deepEqual(seen, [`secret:${TEST_KDF_COST.log2N}`, `secret:${TEST_KDF_COST.log2N}`]);
  });
});

void describe('EncryptedStore keys', () => {
  void it('preserves numeric order within a blinded prefix (property)', async () => {
    const s = await EncryptedStore.create(new MemoryBackend(), 'pw', opts);
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.nat(), (conv, a, b) => {
        const ka = s.encodeKey('history', [conv, a]);
        const kb = s.encodeKey('history', [conv, b]);
        assert.equal(Math.sign(compareBytes(ka, kb)), Math.sign(a - b));
      }),
    );
  });

  void it('blinds the same id differently per table and per position', async () => {
    const s = await EncryptedStore.create(new MemoryBackend(), 'pw', opts);
    assert.notDeepEqual(s.encodeKey('a', ['x']), s.encodeKey('b', ['x']));
    assert.notDeepEqual(
      s.encodeKey('a', ['x', 'x']).subarray(0, 16),
      s.encodeKey('a', ['x', 'x']).subarray(16),
    );
    assert.notDeepEqual(s.encodeKey('a', ['x']), s.encodeKey('a', [t('x')]));
  });

  void it('uses a different blinding key per store (no cross-store linking)', async () => {
    const a = await EncryptedStore.create(new MemoryBackend(), 'pw', opts);
    const b = await EncryptedStore.create(new MemoryBackend(), 'pw', opts);
    assert.notDeepEqual(a.encodeKey('contacts', ['alice']), b.encodeKey('contacts', ['alice']));
  });

  void it('rejects reserved tables, negative numbers and odd parts', async () => {
    const s = await EncryptedStore.create(new MemoryBackend(), 'pw', opts);
    await assert.rejects(s.put('_store', ['x'], t('v')), code('InvalidArgument'));
    await assert.rejects(s.put('t', [1.5], t('v')), code('InvalidArgument'));
    await assert.rejects(s.put('t', [{} as never], t('v')), code('InvalidArgument'));
  });

  void it('zeroises the data key and subkeys on lock', async () => {
    const s = await EncryptedStore.create(new MemoryBackend(), 'pw', opts);
    const keys = [
      (s as never as Record<string, Uint8Array>).dataKey!,
      (s as never as Record<string, Uint8Array>).recordKey!,
    ];
    assert.ok(keys.every((k) => k.some((x) => x !== 0)));
    s.lock();
    assert.ok(s.locked);
    assert.ok(keys.every((k) => k.every((x) => x === 0)));
  });
});
