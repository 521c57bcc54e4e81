import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { x25519 } from '@noble/curves/ed25519.js';
import { XEdDSAError, xeddsaSign, xeddsaVerify, xeddsaVerifySignalKey } from '../src/index.js';
import { nodeEd25519Verify } from '../src/node/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const msg = fc.uint8Array({ minLength: 0, maxLength: 200 });

// libsignal rust/core/src/curve/curve25519.rs `test_signature`: a signature made by libsignal.
const LIBSIGNAL_VECTOR = {
  private: hex('c097248412e58bf05df487968205132794178e367637f5818f81e0e6ce73e865'),
  public: hex('ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64'),
  message: hex('05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a'),
  signature: hex(
    '5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfb' +
      'ede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88',
  ),
};

const signalKey = (u: Uint8Array): Uint8Array => Uint8Array.of(0x05, ...u);

void describe('xeddsaVerify()', () => {
  void it("accepts libsignal's own test signature", () => {
    assert.deepEqual(x25519.getPublicKey(LIBSIGNAL_VECTOR.private), LIBSIGNAL_VECTOR.public);
    assert.equal(
      xeddsaVerify(LIBSIGNAL_VECTOR.public, LIBSIGNAL_VECTOR.message, LIBSIGNAL_VECTOR.signature),
      true,
    );
  });

  void it('rejects that signature with any single bit flipped', () => {
    for (let i = 0; i < 64; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const sig = LIBSIGNAL_VECTOR.signature.slice();
        sig[i]! ^= 1 << bit;
        assert.equal(
          xeddsaVerify(LIBSIGNAL_VECTOR.public, LIBSIGNAL_VECTOR.message, sig),
          false,
          `byte ${i} bit ${bit}`,
        );
      }
    }
  });

  void it('rejects a changed message or key', () => {
    const m = LIBSIGNAL_VECTOR.message.slice();
    m[5]! ^= 0x10;
    assert.equal(xeddsaVerify(LIBSIGNAL_VECTOR.public, m, LIBSIGNAL_VECTOR.signature), false);
    const k = LIBSIGNAL_VECTOR.public.slice();
    k[0]! ^= 0x01;
    assert.equal(xeddsaVerify(k, LIBSIGNAL_VECTOR.message, LIBSIGNAL_VECTOR.signature), false);
  });

  void it('returns false, never throws, for malformed inputs', () => {
    const good = LIBSIGNAL_VECTOR;
    const p = 2n ** 255n - 19n;
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    const cases: [unknown, unknown, unknown][] = [
      [good.public.subarray(1), good.message, good.signature],
      [good.public, good.message, good.signature.subarray(1)],
      [le(p - 1n), good.message, good.signature], // u = −1 has no Edwards image
      [new Uint8Array(32), good.message, new Uint8Array(64)],
      [null, good.message, good.signature],
      [good.public, 'message', good.signature],
      [good.public, good.message, Array.from(good.signature)],
    ];
    for (const [k, m, s] of cases) {
      assert.equal(xeddsaVerify(k as Uint8Array, m as Uint8Array, s as Uint8Array), false);
    }
  });

  void it('returns false for arbitrary random keys and signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        msg,
        fc.uint8Array({ minLength: 0, maxLength: 70 }),
        (k, m, s) => {
          assert.equal(xeddsaVerify(k, m, s), false);
        },
      ),
      { numRuns: 200 },
    );
  });

  void it('rejects s with any of its top three bits set, as libsignal does', () => {
    const priv = new Uint8Array(32).fill(7);
    const sig = xeddsaSign(priv, Uint8Array.of(1, 2, 3));
    for (const bit of [0x20, 0x40]) {
      const bad = sig.slice();
      bad[63]! |= bit;
      assert.equal(xeddsaVerify(x25519.getPublicKey(priv), Uint8Array.of(1, 2, 3), bad), false);
    }
  });
});

void describe('xeddsaSign()', () => {
  void it('produces signatures that verify, for random keys and messages', () => {
    fc.assert(
      fc.property(key32, msg, (priv, m) => {
        const pub = x25519.getPublicKey(priv);
        const sig = xeddsaSign(priv, m);
        assert.equal(sig.length, 64);
        assert.equal(xeddsaVerify(pub, m, sig), true);
        assert.equal(xeddsaVerifySignalKey(signalKey(pub), m, sig), true);
      }),
      { numRuns: 100 },
    );
  });

  void it('uses both values of the folded sign bit across keys', () => {
    const seen = new Set<number>();
    for (let i = 0; seen.size < 2 && i < 64; i++) {
      seen.add(xeddsaSign(new Uint8Array(32).fill(i), new Uint8Array(0))[63]! & 0x80);
    }
    assert.equal(seen.size, 2);
  });

  void it('is randomised, and deterministic for injected randomness', () => {
    const priv = new Uint8Array(32).fill(3);
    const m = Uint8Array.of(9);
    assert.notDeepEqual(xeddsaSign(priv, m), xeddsaSign(priv, m));
    const z = new Uint8Array(64).fill(1);
    assert.deepEqual(xeddsaSign(priv, m, z), xeddsaSign(priv, m, z));
  });

  void it('signs the same with an unclamped key as with its clamped form', () => {
    const raw = new Uint8Array(32).fill(0xff);
    const clamped = raw.slice();
    clamped[0]! &= 248;
    clamped[31]! &= 127;
    clamped[31]! |= 64;
    const z = new Uint8Array(64).fill(5);
    assert.deepEqual(xeddsaSign(raw, Uint8Array.of(1), z), xeddsaSign(clamped, Uint8Array.of(1), z));
    assert.deepEqual(raw, new Uint8Array(32).fill(0xff), 'the caller’s key is not modified');
  });

  void it('throws XEdDSAError for wrong argument types and lengths', () => {
    const isArg = (e: unknown) => e instanceof XEdDSAError && e.code === 'InvalidArgument';
    assert.throws(() => xeddsaSign(new Uint8Array(31), new Uint8Array(0)), isArg);
    assert.throws(() => xeddsaSign(new Uint8Array(32), 'x' as unknown as Uint8Array), isArg);
    assert.throws(() => xeddsaSign(new Uint8Array(32), new Uint8Array(0), new Uint8Array(32)), isArg);
  });
});

void describe('xeddsaVerifySignalKey()', () => {
  void it('requires exactly 33 bytes with the 0x05 type byte', () => {
    const v = LIBSIGNAL_VECTOR;
    assert.equal(xeddsaVerifySignalKey(signalKey(v.public), v.message, v.signature), true);
    assert.equal(xeddsaVerifySignalKey(Uint8Array.of(0x06, ...v.public), v.message, v.signature), false);
    assert.equal(xeddsaVerifySignalKey(v.public, v.message, v.signature), false);
    assert.equal(xeddsaVerifySignalKey(Uint8Array.of(0x05, ...v.public, 0), v.message, v.signature), false);
  });
});

void describe('xeddsaVerify() with the node:crypto Ed25519 backend', () => {
  const fast = { ed25519Verify: nodeEd25519Verify };
  const p = 2n ** 255n - 19n;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  const fromLe = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);

  void it("accepts libsignal's test signature and rejects every single-bit flip of it", () => {
    const v = LIBSIGNAL_VECTOR;
    assert.equal(xeddsaVerify(v.public, v.message, v.signature, fast), true);
    for (let i = 0; i < 64; i++) {
      const sig = v.signature.slice();
      sig[i]! ^= 1 << (i % 8);
      assert.equal(xeddsaVerify(v.public, v.message, sig, fast), false);
    }
  });

  void it('agrees with the pure-JS path on valid, tampered and random signatures', () => {
    fc.assert(
      fc.property(key32, msg, fc.nat(), fc.boolean(), (priv, m, flip, tamper) => {
        const pub = x25519.getPublicKey(priv);
        const sig = xeddsaSign(priv, m);
        if (tamper) sig[flip % 64]! ^= 1 << (flip % 8);
        const slow = xeddsaVerify(pub, m, sig);
        assert.equal(xeddsaVerify(pub, m, sig, fast), slow);
        if (!tamper) assert.equal(slow, true);
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(key32, msg, fc.uint8Array({ minLength: 64, maxLength: 64 }), (k, m, s) => {
        assert.equal(xeddsaVerify(k, m, s, fast), xeddsaVerify(k, m, s));
      }),
      { numRuns: 100 },
    );
  });

  void it('still accepts a non-reduced s (L <= s < 2^253), as libsignal does, via the pure-JS path', () => {
    const priv = new Uint8Array(32).fill(11);
    const pub = x25519.getPublicKey(priv);
    const m = Uint8Array.of(4, 2);
    let sig = xeddsaSign(priv, m);
    // Find a signature whose s + L still fits under 2^253 (true for most s).
    while (fromLe(sig.slice(32).map((b, i) => (i === 31 ? b & 0x7f : b))) + L >= 2n ** 253n)
      sig = xeddsaSign(priv, m);
    const signBit = sig[63]! & 0x80;
    const sPlusL = le(fromLe(sig.slice(32).map((b, i) => (i === 31 ? b & 0x7f : b))) + L);
    const bumped = Uint8Array.of(...sig.subarray(0, 32), ...sPlusL);
    bumped[63]! |= signBit;
    assert.equal(xeddsaVerify(pub, m, bumped), true);
    assert.equal(xeddsaVerify(pub, m, bumped, fast), true);
  });

  void it('handles small-order and non-canonical u exactly like the pure-JS path', () => {
    const sig = xeddsaSign(new Uint8Array(32).fill(1), Uint8Array.of(7));
    const us = [0n, 1n, p - 1n, p, p + 1n, 2n ** 255n - 1n].map(le);
    for (const u of us) {
      for (const s of [sig, new Uint8Array(64)]) {
        assert.equal(xeddsaVerify(u, Uint8Array.of(7), s, fast), xeddsaVerify(u, Uint8Array.of(7), s));
      }
    }
  });
});
