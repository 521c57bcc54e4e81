import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { CryptoProvider } from '../src/crypto-provider.js';
import { isProtocolError } from '../src/errors.js';
import { nobleCrypto } from '../src/noble-provider.js';
import { nodeCrypto } from '../src/node/node-crypto-provider.js';
import { defaultCrypto, setDefaultCrypto } from '../src/default-crypto.js';
import { providerConformance } from './helpers/provider-conformance.js';

providerConformance(nobleCrypto);
providerConformance(nodeCrypto);

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = bytes(32, 32);

/** Same result, or both throw a ProtocolError with the same code. */
function sameOutcome(f: (p: CryptoProvider) => Uint8Array): void {
  const run = (p: CryptoProvider): { ok: Uint8Array } | { code: string } => {
    try {
      return { ok: f(p) };
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      return { code: e.code };
    }
  };
  assert.deepEqual(run(nodeCrypto), run(nobleCrypto));
}

void describe('node and noble providers agree', () => {
  void it('on SHA-256, SHA-512 and HMAC-SHA256 of random inputs', () => {
    fc.assert(
      fc.property(bytes(0, 300), bytes(0, 200), (key, data) => {
        sameOutcome((p) => p.sha256(data));
        sameOutcome((p) => p.sha512(data));
        sameOutcome((p) => p.hmacSha256(key, data));
      }),
      { numRuns: 200 },
    );
  });

  void it('on HKDF with random salts (or none), infos and lengths', () => {
    fc.assert(
      fc.property(
        bytes(0, 100),
        fc.option(bytes(0, 80), { nil: undefined }),
        bytes(0, 1100),
        fc.integer({ min: 0, max: 400 }),
        (ikm, salt, info, len) => sameOutcome((p) => p.hkdfSha256(ikm, salt, info, len)),
      ),
      { numRuns: 200 },
    );
  });

  void it('on AES-256-CBC: each decrypts the other and both refuse the same corruptions', () => {
    fc.assert(
      fc.property(key32, bytes(16, 16), bytes(0, 200), fc.nat(), (key, iv, pt, flip) => {
        const a = nobleCrypto.aes256CbcEncrypt(key, iv, pt);
        const b = nodeCrypto.aes256CbcEncrypt(key, iv, pt);
        assert.deepEqual(a, b);
        assert.deepEqual(nodeCrypto.aes256CbcDecrypt(key, iv, a), pt);
        assert.deepEqual(nobleCrypto.aes256CbcDecrypt(key, iv, b), pt);
        const bad = a.slice();
        bad[flip % bad.length]! ^= 1 << (flip % 8);
        sameOutcome((p) => p.aes256CbcDecrypt(key, iv, bad));
      }),
      { numRuns: 200 },
    );
  });

  void it('on X25519 for arbitrary (unclamped) scalars and arbitrary 32-byte u, canonical or not', () => {
    fc.assert(
      fc.property(key32, key32, (priv, u) => {
        sameOutcome((p) => p.x25519PublicKey(priv));
        sameOutcome((p) => p.x25519(priv, u));
      }),
      { numRuns: 100 },
    );
  });

  void it('on DH symmetry: a·(b·G) = b·(a·G) across providers', () => {
    fc.assert(
      fc.property(key32, key32, (a, b) => {
        const shared1 = nodeCrypto.x25519(a, nobleCrypto.x25519PublicKey(b));
        const shared2 = nobleCrypto.x25519(b, nodeCrypto.x25519PublicKey(a));
        assert.deepEqual(shared1, shared2);
      }),
      { numRuns: 50 },
    );
  });

  void it('on X25519 when one private-key array is reused, rewritten in place, or zeroised (node key cache)', () => {
    fc.assert(
      fc.property(key32, key32, key32, fc.nat(31), (priv, u1, u2, at) => {
        // The node provider caches the imported key per array: every reuse must still see the
        // array's CURRENT bytes.
        const k = priv.slice();
        sameOutcome((p) => p.x25519PublicKey(k));
        sameOutcome((p) => p.x25519(k, u1));
        sameOutcome((p) => p.x25519(k, u2));
        k[at]! ^= 0x40;
        sameOutcome((p) => p.x25519(k, u1));
        sameOutcome((p) => p.x25519PublicKey(k));
        k.fill(0);
        sameOutcome((p) => p.x25519(k, u2));
        sameOutcome((p) => p.x25519PublicKey(k));
      }),
      { numRuns: 60 },
    );
  });
});

void describe('node provider public-key cache', () => {
  void it('agrees with noble when peer keys recur, are evicted and come back (more keys than entries)', () => {
    fc.assert(
      fc.property(
        fc.array(key32, { minLength: 1, maxLength: 4 }),
        fc.array(key32, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        (privs, pubs, picks) => {
          for (const pick of picks) {
            const priv = privs[pick % privs.length]!;
            // A fresh copy each time: the cache must work by value, not by array identity.
            const u = pubs[(pick >>> 3) % pubs.length]!.slice();
            sameOutcome((p) => p.x25519(priv, u));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

void describe('defaultCrypto()', () => {
  void it('is noble until an application installs another provider', () => {
    assert.equal(defaultCrypto(), nobleCrypto);
    const previous = setDefaultCrypto(nodeCrypto);
    try {
      assert.equal(previous, nobleCrypto);
      assert.equal(defaultCrypto(), nodeCrypto);
    } finally {
      setDefaultCrypto(previous);
    }
    assert.equal(defaultCrypto(), nobleCrypto);
  });

  void it('refuses something that is not a provider', () => {
    assert.throws(
      () => setDefaultCrypto({} as CryptoProvider),
      (e) => isProtocolError(e, 'InvalidArgument'),
    );
  });
});
