/**
 * Decoder fuzz for the primitives: random (and random-but-plausible) bytes into every decoder
 * that reads keys, KEM material, signatures and fingerprints. The only allowed failure is a
 * ProtocolError (verifiers return false); anything else — a TypeError, a RangeError from noble, a
 * hang — fails the test. Each test has a timeout so a hang cannot pass silently.
 */
import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { xeddsaVerify, xeddsaVerifySignalKey } from '@sotto/xeddsa';
import { nodeEd25519Verify } from '@sotto/xeddsa/node';
import { KeyPair, PrivateKey, PublicKey, isCanonicalPublicKey, verifySignature } from '../src/curve.js';
import { ProtocolError } from '../src/errors.js';
import { ScannableFingerprint } from '../src/fingerprint.js';
import {
  KEMKeyPair,
  KEMPublicKey,
  KEMSecretKey,
  checkKemCiphertext,
  kemDecapsulate,
  kemEncapsulate,
} from '../src/kyber.js';
import { nobleCrypto } from '../src/noble-provider.js';
import { nodeCrypto } from '../src/node/node-crypto-provider.js';
import { unpadMessage } from '../src/padding.js';

const TIMEOUT = { timeout: 45_000 };

/** Runs `f`; a ProtocolError is fine, any other exception is rethrown. */
function onlyProtocolErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
  }
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });
/** Bytes that start with one of the given type bytes and have roughly the right length. */
const typed = (types: number[], length: number) =>
  fc
    .tuple(fc.constantFrom(...types), fc.integer({ min: length - 3, max: length + 2 }), fc.nat())
    .chain(([t, n, seed]) =>
      fc.uint8Array({ minLength: Math.max(0, n - 1), maxLength: Math.max(0, n - 1) }).map((rest) => {
        const out = new Uint8Array(rest.length + 1);
        out[0] = seed % 7 === 0 ? t ^ 1 : t;
        out.set(rest, 1);
        return out;
      }),
    );

/** Protobuf-shaped noise: tags with plausible field numbers and wire types, random payloads. */
const protobufish = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 7 }), bytes(40), fc.boolean()), {
    maxLength: 6,
  })
  .map((fields) => {
    const out: number[] = [];
    for (const [field, wt, payload, nest] of fields) {
      out.push((field << 3) | wt);
      if (wt === 2) {
        const inner = nest ? [0x0a, payload.length, ...payload] : [...payload];
        out.push(inner.length, ...inner);
      } else out.push(...payload.subarray(0, 9));
    }
    return Uint8Array.from(out);
  });

void describe('primitive decoders under random input', () => {
  void it('PublicKey / PrivateKey deserialize only throw ProtocolError', TIMEOUT, () => {
    fc.assert(
      fc.property(fc.oneof(bytes(70), typed([0x05], 33)), (b) => {
        onlyProtocolErrors(() => PublicKey.deserialize(b).serialize());
        onlyProtocolErrors(() => PrivateKey.deserialize(b).getPublicKey().serialize());
        assert.equal(typeof isCanonicalPublicKey(b), 'boolean');
      }),
      { numRuns: 500 },
    );
  });

  void it(
    'agreement with random 33-byte 0x05 keys only throws ProtocolError (both providers)',
    TIMEOUT,
    () => {
      const mine = PrivateKey.generate();
      fc.assert(
        fc.property(typed([0x05], 33), fc.constantFrom(nobleCrypto, nodeCrypto), (b, crypto) => {
          onlyProtocolErrors(() => mine.agree(PublicKey.deserialize(b), crypto));
        }),
        { numRuns: 150 },
      );
    },
  );

  void it(
    'signature verification returns a boolean for random keys and signatures, never throws',
    TIMEOUT,
    () => {
      const key = KeyPair.generate().publicKey.serialize();
      fc.assert(
        fc.property(
          fc.oneof(bytes(40), typed([0x05], 33), fc.constant(key)),
          bytes(100),
          fc.oneof(bytes(70), fc.uint8Array({ minLength: 64, maxLength: 64 })),
          (k, m, s) => {
            assert.equal(verifySignature(k, m, s, nobleCrypto), false);
            assert.equal(verifySignature(k, m, s, nodeCrypto), false);
            assert.equal(xeddsaVerifySignalKey(k, m, s), false);
            assert.equal(xeddsaVerify(k.subarray(1), m, s, { ed25519Verify: nodeEd25519Verify }), false);
          },
        ),
        { numRuns: 200 },
      );
    },
  );

  void it('KEM public/secret keys and ciphertexts only throw ProtocolError', TIMEOUT, () => {
    const pair = KEMKeyPair.generate();
    const sk = pair.secretKey.serialize();
    fc.assert(
      fc.property(fc.oneof(bytes(64), typed([0x08, 0x0a], 1569), typed([0x08, 0x0a], 3169)), (b) => {
        onlyProtocolErrors(() => KEMPublicKey.deserialize(b).encapsulate());
        onlyProtocolErrors(() => kemEncapsulate(b));
        onlyProtocolErrors(() =>
          KEMSecretKey.deserialize(b).decapsulate(pair.publicKey.encapsulate().ciphertext),
        );
        onlyProtocolErrors(() => checkKemCiphertext(b));
        onlyProtocolErrors(() => kemDecapsulate(sk, b));
      }),
      { numRuns: 60 },
    );
  });

  void it(
    'random ciphertexts of the right shape decapsulate to some secret (implicit rejection)',
    TIMEOUT,
    () => {
      const pair = KEMKeyPair.generate();
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1568, maxLength: 1568 }), (raw) => {
          const ss = pair.secretKey.decapsulate(Uint8Array.of(0x08, ...raw));
          assert.equal(ss.length, 32);
        }),
        { numRuns: 20 },
      );
    },
  );

  void it('scannable fingerprint decode and compare only throw ProtocolError', TIMEOUT, () => {
    const kp = KeyPair.generate().publicKey;
    fc.assert(
      fc.property(fc.oneof(bytes(120), protobufish), fc.nat(3), (b, version) => {
        onlyProtocolErrors(() => ScannableFingerprint.deserialize(b).serialize());
        const ours = ScannableFingerprint.fromFingerprints(version, kp.serialize(), kp.serialize());
        onlyProtocolErrors(() => ours.compare(b));
      }),
      { numRuns: 1000 },
    );
  });

  void it('unpadding and AES-CBC decryption only throw ProtocolError', TIMEOUT, () => {
    fc.assert(
      fc.property(bytes(400), fc.uint8Array({ minLength: 32, maxLength: 32 }), (b, key) => {
        onlyProtocolErrors(() => unpadMessage(b));
        for (const p of [nobleCrypto, nodeCrypto]) {
          onlyProtocolErrors(() => p.aes256CbcDecrypt(key, key.subarray(0, 16), b));
        }
      }),
      { numRuns: 300 },
    );
  });
});
