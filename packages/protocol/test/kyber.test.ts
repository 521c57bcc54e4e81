import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as SignalClient from '@signalapp/libsignal-client';
import { ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import type { CryptoProvider } from '../src/crypto-provider.js';
import { concatBytes, utf8 } from '../src/bytes.js';
import { KeyPair, PublicKey, calculateAgreement, isCanonicalPublicKey } from '../src/curve.js';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { isProtocolError } from '../src/errors.js';
import {
  KEMKeyPair,
  KEMPublicKey,
  KEMSecretKey,
  KemKeyType,
  KemLengths,
  kemDecapsulate,
  kemEncapsulate,
} from '../src/kyber.js';
import { nobleCrypto } from '../src/noble-provider.js';
import { nodeCrypto } from '../src/node/node-crypto-provider.js';
import { PreKeySignalMessage } from '../src/prekey-signal-message.js';
import { chainMessageSeed, deriveMessageKeys, rootStep } from '../src/ratchet-keys.js';
import { SignalMessage } from '../src/signal-message.js';
import { spqrInitialState, spqrRecvPlan, spqrSend } from '../src/spqr.js';
import { LibsignalPeer } from './helpers/libsignal-peer.js';

type AB = Uint8Array<ArrayBuffer>;
const ab = (b: Uint8Array): AB => Uint8Array.from(b);
const crypto: CryptoProvider = nodeCrypto;

/** A provider whose randomness is a fixed stream, for reproducible encapsulation. */
function seeded(seed: number): CryptoProvider {
  let n = seed;
  return {
    ...nobleCrypto,
    randomBytes: (len) => shake256(Uint8Array.of(n++ & 0xff, n >> 8), { dkLen: len }),
  };
}

/** What a KEM secret would be if one (wrongly) used raw ML-KEM-1024 for a 0x08 key. */
type Decaps = (secretKey: Uint8Array, ciphertext: Uint8Array) => Uint8Array;
const rawMlKemDecaps: Decaps = (sk, ct) => ml_kem1024.decapsulate(ct.subarray(1), sk.subarray(1));
type Encaps = (publicKey: Uint8Array) => { sharedSecret: Uint8Array; ciphertext: Uint8Array };
const rawMlKemEncaps: Encaps = (pk) => {
  const { cipherText, sharedSecret } = ml_kem1024.encapsulate(pk.subarray(1));
  return { sharedSecret, ciphertext: Uint8Array.of(KemKeyType.Kyber1024, ...cipherText) };
};

// ---- a minimal PQXDH + first-message harness (PROTOCOL.md), used only as a KEM oracle ----
// libsignal 0.103.0 exposes no KEM encapsulate/decapsulate, so the KEM shared secret is checked
// through the one place libsignal uses it: the first message of a PQXDH session. A wrong secret
// changes every derived key, so the message MAC fails.

const PQXDH_INFO = utf8('WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024');
function pqxdhKeys(dh: Uint8Array[], kemSecret: Uint8Array) {
  const okm = crypto.hkdfSha256(
    concatBytes(new Uint8Array(32).fill(0xff), ...dh, kemSecret),
    undefined,
    PQXDH_INFO,
    96,
  );
  return { rootKey: okm.slice(0, 32), chainKey: okm.slice(32, 64), spqrKey: okm.slice(64, 96) };
}

/** Bob's keys, all generated and held by Sotto. */
function sottoBob() {
  const identity = KeyPair.generate(crypto);
  const signedPreKey = KeyPair.generate(crypto);
  const kyber = KEMKeyPair.generate(KemKeyType.Kyber1024, crypto);
  const spkBytes = signedPreKey.publicKey.serialize();
  const kyberBytes = kyber.publicKey.serialize();
  const bundle = SignalClient.PreKeyBundle.new(
    4321,
    1,
    null,
    null,
    7,
    SignalClient.PublicKey.deserialize(ab(spkBytes)),
    ab(identity.sign(spkBytes, crypto)),
    SignalClient.PublicKey.deserialize(ab(identity.publicKey.serialize())),
    9,
    SignalClient.KEMPublicKey.deserialize(ab(kyberBytes)),
    ab(identity.sign(kyberBytes, crypto)),
  );
  return { identity, signedPreKey, kyber, bundle, address: SignalClient.ProtocolAddress.new('bob', 1) };
}

/** Bob opens libsignal Alice's first message with Sotto primitives; returns the plaintext or throws. */
function sottoBobReceives(bob: ReturnType<typeof sottoBob>, body: Uint8Array, decaps: Decaps): Uint8Array {
  const msg = PreKeySignalMessage.deserialize(body);
  const their = (k: Uint8Array) => PublicKey.deserialize(k);
  const dh = [
    bob.signedPreKey.agree(their(msg.identityKey), crypto),
    bob.identity.agree(their(msg.baseKey), crypto),
    bob.signedPreKey.agree(their(msg.baseKey), crypto),
  ];
  const keys = pqxdhKeys(dh, decaps(bob.kyber.secretKey.serialize(), msg.kyberCiphertext));
  const inner = msg.message;
  const [, chainKey] = rootStep(
    crypto,
    keys.rootKey,
    bob.signedPreKey.agree(their(inner.senderRatchetKey), crypto),
  );
  const spqr = spqrRecvPlan(crypto, spqrInitialState(crypto, keys.spqrKey, 'B2A'), inner.pqRatchet);
  assert.equal(inner.counter, 0);
  const mk = deriveMessageKeys(crypto, chainMessageSeed(crypto, chainKey), spqr.key);
  if (!inner.verifyMac(crypto, msg.identityKey, bob.identity.publicKey.serialize(), mk.macKey)) {
    throw new Error('MAC verification failed');
  }
  return crypto.aes256CbcDecrypt(mk.cipherKey, mk.iv, inner.ciphertext);
}

/** Sotto Alice builds a first message to a libsignal Bob's bundle using `encaps` for the KEM. */
function sottoAliceSends(
  raw: Awaited<ReturnType<LibsignalPeer['makeBundle']>>['raw'],
  plaintext: Uint8Array,
  encaps: Encaps,
  tweakBaseKey: (publicKey: Uint8Array) => Uint8Array = (k) => k,
): Uint8Array {
  const identity = KeyPair.generate(crypto);
  const base = KeyPair.generate(crypto);
  const agree = (k: KeyPair, pub: Uint8Array) => calculateAgreement(k.privateKey.serialize(), pub, crypto);
  const dh = [agree(identity, raw.signedPreKey), agree(base, raw.identityKey), agree(base, raw.signedPreKey)];
  const kem = encaps(raw.kyberPreKey);
  const keys = pqxdhKeys(dh, kem.sharedSecret);
  const ratchet = KeyPair.generate(crypto);
  const [, chainKey] = rootStep(crypto, keys.rootKey, agree(ratchet, raw.signedPreKey));
  const pq = spqrSend(crypto, spqrInitialState(crypto, keys.spqrKey, 'A2B'));
  const mk = deriveMessageKeys(crypto, chainMessageSeed(crypto, chainKey), pq.key);
  const message = SignalMessage.create(
    crypto,
    {
      senderRatchetKey: ratchet.publicKey.serialize(),
      counter: 0,
      previousCounter: 0,
      ciphertext: crypto.aes256CbcEncrypt(mk.cipherKey, mk.iv, plaintext),
      pqRatchet: pq.msg,
    },
    mk.macKey,
    identity.publicKey.serialize(),
    raw.identityKey,
  );
  return PreKeySignalMessage.create({
    registrationId: 99,
    preKeyId: undefined,
    signedPreKeyId: raw.signedPreKeyId,
    kyberPreKeyId: raw.kyberPreKeyId,
    kyberCiphertext: kem.ciphertext,
    baseKey: tweakBaseKey(base.publicKey.serialize()),
    identityKey: identity.publicKey.serialize(),
    message,
  }).serialize();
}

void describe('Kyber1024 shared secrets agree with libsignal 0.103.0', () => {
  void it('libsignal encapsulates to a Sotto key; Sotto decapsulates the same secret', async () => {
    for (let i = 0; i < 5; i++) {
      const bob = sottoBob();
      const alice = new LibsignalPeer(`alice${i}`);
      await alice.processBundle(bob.bundle, bob.address);
      const plaintext = utf8(`hello ${i}`);
      const sent = await alice.encrypt(plaintext, bob.address);
      assert.equal(sent.type, 3);
      assert.deepEqual(sottoBobReceives(bob, sent.body, kemDecapsulate), plaintext);
      // Negative control: the raw ML-KEM secret is not libsignal's, so the MAC fails.
      assert.throws(() => sottoBobReceives(bob, sent.body, rawMlKemDecaps), /MAC verification failed/);
    }
  });

  void it('Sotto encapsulates to a libsignal key; libsignal decapsulates the same secret', async () => {
    for (let i = 0; i < 5; i++) {
      const bob = new LibsignalPeer(`bob${i}`);
      const { raw } = await bob.makeBundle(false);
      const plaintext = utf8(`hi ${i}`);
      const alice = SignalClient.ProtocolAddress.new(`alice${i}`, 1);
      const good = sottoAliceSends(raw, plaintext, (pk) => kemEncapsulate(pk, crypto));
      assert.deepEqual(Uint8Array.from(await bob.decrypt(3, good, alice)), plaintext);
    }
  });

  void it('negative control: libsignal rejects a message keyed with the raw ML-KEM secret', async () => {
    const bob = new LibsignalPeer('bob-negative');
    const { raw } = await bob.makeBundle(false);
    const alice = SignalClient.ProtocolAddress.new('alice-negative', 1);
    const bad = sottoAliceSends(raw, utf8('x'), rawMlKemEncaps);
    await assert.rejects(bob.decrypt(3, bad, alice));
  });
});

void describe('base key canonicity (libsignal PublicKey::is_canonical)', () => {
  /** The same X25519 key plus an 8-torsion point: identical DH results, a different encoding. */
  function addTorsion(key33: Uint8Array): Uint8Array {
    const P = ed25519.Point;
    const Fp = P.Fp;
    const u = bytesToNumberLE(key33.subarray(1));
    const y = Fp.mul(Fp.sub(u, Fp.ONE), Fp.inv(Fp.add(u, Fp.ONE)));
    const q = P.fromBytes(numberToBytesLE(y, 32)).add(P.fromHex(ED25519_TORSION_SUBGROUP[1]!));
    const y2 = q.toAffine().y;
    const u2 = Fp.mul(Fp.add(Fp.ONE, y2), Fp.inv(Fp.sub(Fp.ONE, y2)));
    return Uint8Array.of(0x05, ...numberToBytesLE(u2, 32));
  }

  void it('libsignal refuses a first message whose base key has a torsion component; so does isCanonicalPublicKey', async () => {
    const bob = new LibsignalPeer('bob-torsion');
    const { raw } = await bob.makeBundle(false);
    const alice = SignalClient.ProtocolAddress.new('alice-torsion', 1);
    let tweaked: Uint8Array | undefined;
    const bad = sottoAliceSends(
      raw,
      utf8('x'),
      (pk) => kemEncapsulate(pk, crypto),
      (k) => {
        assert.equal(isCanonicalPublicKey(k), true);
        tweaked = addTorsion(k);
        return tweaked;
      },
    );
    assert.equal(isCanonicalPublicKey(tweaked!), false);
    await assert.rejects(bob.decrypt(3, bad, alice), /base key/);
    // Control: the untweaked key from the same construction is accepted.
    const good = sottoAliceSends(raw, utf8('y'), (pk) => kemEncapsulate(pk, crypto));
    assert.deepEqual(Uint8Array.from(await bob.decrypt(3, good, alice)), utf8('y'));
  });
});

void describe('KEM keys, ciphertexts and secrets', () => {
  void it('round-trips: decapsulate(encapsulate(pk)) for both KEM types and both providers', () => {
    for (const type of [KemKeyType.Kyber1024, KemKeyType.MLKEM1024]) {
      for (const p of [nobleCrypto, nodeCrypto]) {
        const pair = KEMKeyPair.generate(type, p);
        const { sharedSecret, ciphertext } = pair.publicKey.encapsulate(p);
        assert.equal(sharedSecret.length, 32);
        assert.equal(ciphertext.length, KemLengths.ciphertext);
        assert.equal(ciphertext[0], type);
        assert.deepEqual(pair.secretKey.decapsulate(ciphertext), sharedSecret);
      }
    }
  });

  void it('Kyber1024 and ML-KEM-1024 give different secrets for the same key and randomness', () => {
    const pair = KEMKeyPair.generate(KemKeyType.Kyber1024, seeded(1));
    const asMlKem = Uint8Array.of(KemKeyType.MLKEM1024, ...pair.publicKey.serialize().subarray(1));
    const k = kemEncapsulate(pair.publicKey.serialize(), seeded(5));
    const m = kemEncapsulate(asMlKem, seeded(5));
    assert.notDeepEqual(k.sharedSecret, m.sharedSecret);
    // Same randomness r: Kyber encrypts m = SHA3-256(r), ML-KEM encrypts r itself.
    const r = seeded(5).randomBytes(32);
    assert.deepEqual(
      m.ciphertext.subarray(1),
      ml_kem1024.encapsulate(pair.publicKey.serialize().subarray(1), r).cipherText,
    );
    assert.deepEqual(
      k.ciphertext.subarray(1),
      ml_kem1024.encapsulate(pair.publicKey.serialize().subarray(1), sha3_256(r)).cipherText,
    );
  });

  void it('works with keys generated by libsignal (same serialised layout)', () => {
    const theirs = SignalClient.KEMKeyPair.generate();
    const pk = Uint8Array.from(theirs.getPublicKey().serialize());
    const sk = Uint8Array.from(theirs.getSecretKey().serialize());
    assert.equal(pk.length, KemLengths.publicKey);
    assert.equal(sk.length, KemLengths.secretKey);
    const { sharedSecret, ciphertext } = KEMPublicKey.deserialize(pk).encapsulate();
    assert.deepEqual(KEMSecretKey.deserialize(sk).decapsulate(ciphertext), sharedSecret);
    assert.deepEqual(KEMPublicKey.deserialize(pk).serialize(), pk);
  });

  void it('libsignal accepts Sotto-generated public and secret keys byte for byte', () => {
    const pair = KEMKeyPair.generate();
    const pk = pair.publicKey.serialize();
    const sk = pair.secretKey.serialize();
    assert.deepEqual(Uint8Array.from(SignalClient.KEMPublicKey.deserialize(ab(pk)).serialize()), pk);
    assert.deepEqual(Uint8Array.from(SignalClient.KEMSecretKey.deserialize(ab(sk)).serialize()), sk);
  });

  void it('implicit rejection: a corrupted ciphertext yields Kyber r3 rejection secret SHAKE256(z || H(c))', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const pair = KEMKeyPair.generate(KemKeyType.Kyber1024, seeded(at));
        const { sharedSecret, ciphertext } = pair.publicKey.encapsulate();
        const bad = ciphertext.slice();
        bad[1 + (at % (KemLengths.ciphertext - 1))]! ^= 1 << bit;
        const out = pair.secretKey.decapsulate(bad);
        const z = pair.secretKey.serialize().subarray(KemLengths.secretKey - 32);
        const expected = shake256(concatBytes(z, sha3_256(bad.subarray(1))), { dkLen: 32 });
        assert.notDeepEqual(out, sharedSecret);
        assert.deepEqual(out, expected);
      }),
      { numRuns: 10 },
    );
  });

  void it('stays correct across many keys and keys that share a seed ρ (prepared-key cache)', () => {
    const pairs = Array.from({ length: 12 }, (_, i) =>
      KEMKeyPair.generate(KemKeyType.Kyber1024, seeded(100 + i)),
    );
    for (let round = 0; round < 2; round++) {
      for (const pair of pairs) {
        const { sharedSecret, ciphertext } = pair.publicKey.encapsulate();
        assert.deepEqual(pair.secretKey.decapsulate(ciphertext), sharedSecret);
      }
    }
    // Same ρ (last 32 bytes), different t̂: must not be served from the first key's entry.
    const a = pairs[0]!.publicKey.serialize();
    const b = a.slice();
    b[1] = 0;
    b[2] = 0; // coefficients 0: still a valid key
    const r = seeded(7).randomBytes(32);
    for (const pk of [a, b, a]) {
      const ours = kemEncapsulate(pk, seeded(7));
      const direct = ml_kem1024.encapsulate(pk.subarray(1), sha3_256(r)).cipherText;
      assert.deepEqual(ours.ciphertext.subarray(1), direct);
    }
  });

  void it('generate() takes its seed from the injected provider', () => {
    assert.deepEqual(
      KEMKeyPair.generate(KemKeyType.Kyber1024, seeded(3)).publicKey.serialize(),
      KEMKeyPair.generate(KemKeyType.Kyber1024, seeded(3)).publicKey.serialize(),
    );
    assert.notDeepEqual(
      KEMKeyPair.generate().publicKey.serialize(),
      KEMKeyPair.generate().publicKey.serialize(),
    );
  });

  void it('decodes strictly: type byte 0x08 or 0x0A and the exact length, else InvalidKey', () => {
    const pk = KEMKeyPair.generate().publicKey.serialize();
    const bad: unknown[] = [
      new Uint8Array(0),
      pk.subarray(0, 1568),
      Uint8Array.of(...pk, 0),
      Uint8Array.of(0x07, ...pk.subarray(1)),
      Uint8Array.of(0x05, ...pk.subarray(1)),
      'key',
    ];
    for (const b of bad) {
      assert.throws(
        () => KEMPublicKey.deserialize(b as Uint8Array),
        (e) => isProtocolError(e, 'InvalidKey'),
      );
      assert.throws(
        () => KEMSecretKey.deserialize(b as Uint8Array),
        (e) => isProtocolError(e, 'InvalidKey'),
      );
    }
    assert.equal(
      KEMPublicKey.deserialize(Uint8Array.of(0x0a, ...pk.subarray(1))).keyType,
      KemKeyType.MLKEM1024,
    );
  });

  void it('refuses a ciphertext of the wrong length (InvalidMessage) or the wrong KEM type (InvalidKey)', () => {
    const pair = KEMKeyPair.generate();
    const { ciphertext } = pair.publicKey.encapsulate();
    const sk = pair.secretKey.serialize();
    assert.throws(
      () => kemDecapsulate(sk, ciphertext.subarray(0, 100)),
      (e) => isProtocolError(e, 'InvalidMessage'),
    );
    assert.throws(
      () => kemDecapsulate(sk, Uint8Array.of(0x0a, ...ciphertext.subarray(1))),
      (e) => isProtocolError(e, 'InvalidKey'),
    );
  });

  void it('refuses a public key that fails ML-KEM input validation with InvalidKey', () => {
    const pk = KEMKeyPair.generate().publicKey.serialize();
    pk.fill(0xff, 1, 1 + 384); // coefficients >= q
    assert.throws(
      () => kemEncapsulate(pk),
      (e) => isProtocolError(e, 'InvalidKey'),
    );
  });
});
