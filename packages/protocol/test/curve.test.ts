import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as SignalClient from '@signalapp/libsignal-client';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import type { CryptoProvider } from '../src/crypto-provider.js';
import {
  KeyPair,
  PrivateKey,
  PublicKey,
  calculateAgreement,
  calculateSignature,
  isCanonicalPublicKey,
  verifySignature,
} from '../src/curve.js';
import { isProtocolError } from '../src/errors.js';
import { nobleCrypto } from '../src/noble-provider.js';
import { nodeCrypto } from '../src/node/node-crypto-provider.js';
import { SMALL_ORDER_U, leBytes } from './helpers/provider-conformance.js';

type AB = Uint8Array<ArrayBuffer>;
const ab = (b: Uint8Array): AB => Uint8Array.from(b);
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const message = fc.uint8Array({ minLength: 0, maxLength: 300 });
const provider = fc.constantFrom<CryptoProvider>(nobleCrypto, nodeCrypto);
const P = 2n ** 255n - 19n;
const Point = ed25519.Point;

/** Edwards → Montgomery u = (1 + y) / (1 − y). */
function montgomeryU(pt: InstanceType<typeof Point>): Uint8Array {
  const Fp = Point.Fp;
  const { y } = pt.toAffine();
  return numberToBytesLE(Fp.mul(Fp.add(Fp.ONE, y), Fp.inv(Fp.sub(Fp.ONE, y))), 32);
}
const withType = (u: Uint8Array): Uint8Array => Uint8Array.of(0x05, ...u);

/** A deterministic "random" provider: noble with a fixed random stream. */
function seededProvider(seed: number): CryptoProvider {
  let counter = seed;
  return {
    ...nobleCrypto,
    name: 'seeded',
    randomBytes: (n) => nobleCrypto.sha512(Uint8Array.of(counter++ & 0xff, counter >> 8)).slice(0, n),
  };
}

void describe('PublicKey', () => {
  void it('serialises as 0x05 || u, exactly as libsignal does', () => {
    fc.assert(
      fc.property(key32, (priv) => {
        const ours = PrivateKey.deserialize(priv).getPublicKey();
        const theirs = SignalClient.PrivateKey.deserialize(ab(priv)).getPublicKey();
        assert.deepEqual(ours.serialize(), Uint8Array.from(theirs.serialize()));
        assert.deepEqual(ours.getPublicKeyBytes(), Uint8Array.from(theirs.getPublicKeyBytes()));
        assert.ok(PublicKey.deserialize(ours.serialize()).equals(ours));
      }),
      { numRuns: 50 },
    );
  });

  void it('deserialize() takes exactly 33 bytes with type 0x05, else InvalidKey', () => {
    const good = KeyPair.generate().publicKey.serialize();
    const bad: unknown[] = [
      new Uint8Array(0),
      good.subarray(1),
      Uint8Array.of(...good, 0),
      Uint8Array.of(0x06, ...good.subarray(1)),
      Uint8Array.of(0x08, ...good.subarray(1)),
      Array.from(good),
      'key',
      undefined,
    ];
    for (const b of bad) {
      assert.throws(
        () => PublicKey.deserialize(b as Uint8Array),
        (e) => isProtocolError(e, 'InvalidKey'),
      );
    }
  });

  void it('keeps its own copy of the bytes', () => {
    const bytes = KeyPair.generate().publicKey.serialize();
    const key = PublicKey.deserialize(bytes);
    bytes[5]! ^= 1;
    assert.notDeepEqual(key.serialize(), bytes);
    key.serialize()[5]! ^= 1;
    assert.deepEqual(key.serialize(), PublicKey.deserialize(key.serialize()).serialize());
  });

  void it('compare() orders by serialised bytes and equals() matches compare() === 0', () => {
    fc.assert(
      fc.property(key32, key32, (a, b) => {
        const ka = PublicKey.fromPublicKeyBytes(a);
        const kb = PublicKey.fromPublicKeyBytes(b);
        const byBytes = Buffer.compare(Buffer.from(a), Buffer.from(b));
        assert.equal(Math.sign(ka.compare(kb)), byBytes);
        assert.equal(ka.equals(kb), byBytes === 0);
        assert.equal(ka.compare(ka), 0);
      }),
    );
  });
});

void describe('PrivateKey', () => {
  void it('generate() draws from the injected provider and clamps', () => {
    const a = PrivateKey.generate(seededProvider(1)).serialize();
    const b = PrivateKey.generate(seededProvider(1)).serialize();
    assert.deepEqual(a, b);
    assert.equal(a[0]! & 7, 0);
    assert.equal(a[31]! & 0xc0, 0x40);
    assert.notDeepEqual(PrivateKey.generate().serialize(), PrivateKey.generate().serialize());
  });

  void it('deserialize() clamps like libsignal and rejects other lengths with InvalidKey', () => {
    fc.assert(
      fc.property(key32, (raw) => {
        const ours = PrivateKey.deserialize(raw).serialize();
        assert.deepEqual(ours, Uint8Array.from(SignalClient.PrivateKey.deserialize(ab(raw)).serialize()));
      }),
      { numRuns: 50 },
    );
    for (const n of [0, 31, 33, 64]) {
      assert.throws(
        () => PrivateKey.deserialize(new Uint8Array(n)),
        (e) => isProtocolError(e, 'InvalidKey'),
      );
    }
  });

  void it('agree() matches libsignal in both directions, with either provider', () => {
    fc.assert(
      fc.property(key32, provider, (seed, crypto) => {
        const ours = PrivateKey.deserialize(seed);
        const theirs = SignalClient.PrivateKey.generate();
        const theirPub = PublicKey.deserialize(theirs.getPublicKey().serialize());
        const s1 = ours.agree(theirPub, crypto);
        const s2 = theirs.agree(
          SignalClient.PublicKey.deserialize(ab(ours.getPublicKey(crypto).serialize())),
        );
        assert.deepEqual(s1, Uint8Array.from(s2));
      }),
      { numRuns: 50 },
    );
  });

  void it('agree() refuses every small-order public key with InvalidKey', () => {
    const priv = PrivateKey.generate();
    for (const crypto of [nobleCrypto, nodeCrypto]) {
      for (const u of SMALL_ORDER_U) {
        assert.throws(
          () => priv.agree(PublicKey.fromPublicKeyBytes(u), crypto),
          (e) => isProtocolError(e, 'InvalidKey'),
        );
      }
    }
  });

  void it('zeroize() wipes the scalar', () => {
    const k = PrivateKey.generate();
    k.zeroize();
    assert.deepEqual(k.serialize(), new Uint8Array(32));
  });
});

void describe('XEdDSA signatures across implementations', () => {
  void it('Sotto signatures verify in libsignal (and in Sotto), for random keys and messages', () => {
    fc.assert(
      fc.property(key32, message, provider, (seed, msg, crypto) => {
        const pair = new KeyPair(
          PrivateKey.deserialize(seed).getPublicKey(crypto),
          PrivateKey.deserialize(seed),
        );
        const sig = pair.sign(msg, crypto);
        assert.equal(sig.length, 64);
        const theirView = SignalClient.PublicKey.deserialize(ab(pair.publicKey.serialize()));
        assert.equal(theirView.verify(ab(msg), ab(sig)), true);
        assert.equal(pair.publicKey.verify(msg, sig, crypto), true);
      }),
      { numRuns: 200 },
    );
  });

  void it('libsignal signatures verify in Sotto with either provider', () => {
    fc.assert(
      fc.property(message, provider, (msg, crypto) => {
        const theirs = SignalClient.PrivateKey.generate();
        const sig = Uint8Array.from(theirs.sign(ab(msg)));
        const pub = PublicKey.deserialize(theirs.getPublicKey().serialize());
        assert.equal(pub.verify(msg, sig, crypto), true);
        assert.equal(verifySignature(pub.serialize(), msg, sig, crypto), true);
      }),
      { numRuns: 200 },
    );
  });

  void it('a tampered message, signature or key fails in Sotto and in libsignal alike', () => {
    fc.assert(
      fc.property(
        key32,
        message,
        fc.nat(),
        fc.constantFrom('message', 'signature', 'key'),
        provider,
        (seed, msg, at, what, crypto) => {
          const priv = PrivateKey.deserialize(seed);
          const pub = priv.getPublicKey().serialize();
          let m = msg;
          let sig = calculateSignature(priv.serialize(), msg, crypto);
          let key = pub;
          if (what === 'message') {
            m = msg.length === 0 ? Uint8Array.of(0) : msg.slice();
            if (msg.length > 0) m[at % m.length]! ^= 1 << (at % 8);
          } else if (what === 'signature') {
            sig = sig.slice();
            sig[at % 64]! ^= 1 << (at % 8);
          } else {
            key = KeyPair.generate().publicKey.serialize();
          }
          assert.equal(verifySignature(key, m, sig, crypto), false);
          assert.equal(SignalClient.PublicKey.deserialize(ab(key)).verify(ab(m), ab(sig)), false);
        },
      ),
      { numRuns: 150 },
    );
  });

  void it('signatures are randomised (so tests verify them, never compare bytes)', () => {
    const priv = PrivateKey.generate();
    const m = Uint8Array.of(1, 2, 3);
    assert.notDeepEqual(priv.sign(m), priv.sign(m));
    assert.deepEqual(priv.sign(m, seededProvider(7)), priv.sign(m, seededProvider(7)));
  });

  void it('verifySignature() returns false for malformed keys and signatures', () => {
    const pair = KeyPair.generate();
    const sig = pair.sign(Uint8Array.of(1));
    const pub = pair.publicKey.serialize();
    assert.equal(verifySignature(pub.subarray(1), Uint8Array.of(1), sig), false);
    assert.equal(verifySignature(Uint8Array.of(0x06, ...pub.subarray(1)), Uint8Array.of(1), sig), false);
    assert.equal(verifySignature(pub, Uint8Array.of(1), sig.subarray(0, 63)), false);
    assert.equal(verifySignature(pub, Uint8Array.of(1), Uint8Array.of(...sig, 0)), false);
  });
});

void describe('isCanonicalPublicKey() (libsignal PublicKey::is_canonical)', () => {
  void it('accepts freshly generated keys, with or without the type byte', () => {
    fc.assert(
      fc.property(key32, (seed) => {
        const pub = PrivateKey.deserialize(seed).getPublicKey();
        assert.equal(isCanonicalPublicKey(pub.serialize()), true);
        assert.equal(isCanonicalPublicKey(pub.getPublicKeyBytes()), true);
        assert.equal(pub.isCanonical(), true);
      }),
      { numRuns: 20 },
    );
  });

  void it('rejects u >= p (non-canonical encodings, including the top bit)', () => {
    const u = bytesToNumberLE(KeyPair.generate().publicKey.getPublicKeyBytes());
    const highBit = leBytes(u);
    highBit[31]! |= 0x80;
    for (const bad of [leBytes(P), leBytes(P + 1n), leBytes(P + 9n), leBytes(2n ** 255n - 1n), highBit]) {
      assert.equal(isCanonicalPublicKey(withType(bad)), false);
    }
    // u = p - 2 is in range; whether it is canonical depends on the point, but it must not throw.
    assert.equal(typeof isCanonicalPublicKey(withType(leBytes(P - 2n))), 'boolean');
  });

  void it('rejects every small-order point', () => {
    for (const u of SMALL_ORDER_U) assert.equal(isCanonicalPublicKey(withType(u)), false);
  });

  void it('rejects a prime-order point plus a torsion component', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 250n }), fc.integer({ min: 1, max: 7 }), (k, t) => {
        const q = Point.BASE.multiply(k);
        const torsion = Point.fromHex(ED25519_TORSION_SUBGROUP[t]!);
        assert.equal(isCanonicalPublicKey(withType(montgomeryU(q))), true);
        assert.equal(isCanonicalPublicKey(withType(montgomeryU(q.add(torsion)))), false);
      }),
      { numRuns: 10 },
    );
  });

  void it('rejects points on the twist', () => {
    // u is on the curve iff u^3 + A u^2 + u is a square; find some that are not.
    const Fp = Point.Fp;
    let found = 0;
    for (let u = 2n; found < 5; u++) {
      const rhs = Fp.add(Fp.add(Fp.pow(u, 3n), Fp.mul(486662n, Fp.sqr(u))), u);
      if (Fp.pow(rhs, (P - 1n) / 2n) === Fp.ONE) continue;
      found++;
      assert.equal(isCanonicalPublicKey(withType(leBytes(u))), false, `u = ${u}`);
    }
  });

  void it('returns false, never throws, for wrong lengths and types', () => {
    for (const v of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(34), 'x', null]) {
      assert.equal(isCanonicalPublicKey(v as Uint8Array), false);
    }
  });
});

void describe('calculateAgreement()', () => {
  void it('requires a 33-byte 0x05 key', () => {
    const priv = PrivateKey.generate().serialize();
    const pub = KeyPair.generate().publicKey.serialize();
    assert.equal(calculateAgreement(priv, pub).length, 32);
    assert.throws(
      () => calculateAgreement(priv, pub.subarray(1)),
      (e) => isProtocolError(e, 'InvalidKey'),
    );
  });
});
