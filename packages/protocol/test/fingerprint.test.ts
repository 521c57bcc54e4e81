import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as SignalClient from '@signalapp/libsignal-client';
import type { PublicKey } from '../src/curve.js';
import { KeyPair } from '../src/curve.js';
import { isProtocolError } from '../src/errors.js';
import { Fingerprint, FingerprintVersionMismatchError, ScannableFingerprint } from '../src/fingerprint.js';
import { nobleCrypto } from '../src/noble-provider.js';
import { nodeCrypto } from '../src/node/node-crypto-provider.js';

type AB = Uint8Array<ArrayBuffer>;
const ab = (b: Uint8Array): AB => Uint8Array.from(b);
const id = fc.uint8Array({ minLength: 0, maxLength: 40 });
const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
const keyFrom = (s: Uint8Array) =>
  KeyPair.generate({ ...nobleCrypto, randomBytes: () => s.slice() }).publicKey;
const theirKey = (k: PublicKey) => SignalClient.PublicKey.deserialize(ab(k.serialize()));

function both(
  iterations: number,
  version: number,
  lid: Uint8Array,
  lk: PublicKey,
  rid: Uint8Array,
  rk: PublicKey,
) {
  const ours = Fingerprint.new(iterations, version, lid, lk, rid, rk, nodeCrypto);
  const theirs = SignalClient.Fingerprint.new(
    iterations,
    version,
    ab(lid),
    theirKey(lk),
    ab(rid),
    theirKey(rk),
  );
  return { ours, theirs };
}

void describe('Fingerprint.new()', () => {
  void it('equals libsignal (displayable digits and scannable bytes) for random keys and ids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.nat(0xffffffff),
        id,
        seed,
        id,
        seed,
        (iterations, version, lid, ls, rid, rs) => {
          const lk = keyFrom(ls);
          const rk = keyFrom(rs);
          const { ours, theirs } = both(iterations, version, lid, lk, rid, rk);
          const digits = ours.displayableFingerprint().toString();
          assert.equal(digits, theirs.displayableFingerprint().toString());
          assert.match(digits, /^\d{60}$/);
          assert.deepEqual(
            ours.scannableFingerprint().serialize(),
            Uint8Array.from(theirs.scannableFingerprint().toBuffer()),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  void it("equals libsignal with Signal's parameters (5200 iterations, version 2, 32-byte ids), either provider", () => {
    for (const crypto of [nodeCrypto, nobleCrypto]) {
      const lk = KeyPair.generate().publicKey;
      const rk = KeyPair.generate().publicKey;
      const lid = crypto.randomBytes(32);
      const rid = crypto.randomBytes(32);
      const ours = Fingerprint.new(5200, 2, lid, lk, rid, rk, crypto);
      const theirs = SignalClient.Fingerprint.new(5200, 2, ab(lid), theirKey(lk), ab(rid), theirKey(rk));
      assert.equal(ours.displayableFingerprint().toString(), theirs.displayableFingerprint().toString());
      assert.deepEqual(
        ours.scannableFingerprint().serialize(),
        Uint8Array.from(theirs.scannableFingerprint().toBuffer()),
      );
    }
  });

  void it('gives both parties the same 60 digits', () => {
    const a = KeyPair.generate().publicKey;
    const b = KeyPair.generate().publicKey;
    const ida = Uint8Array.of(1, 2);
    const idb = Uint8Array.of(3, 4);
    assert.equal(
      Fingerprint.new(10, 2, ida, a, idb, b).displayableFingerprint().toString(),
      Fingerprint.new(10, 2, idb, b, ida, a).displayableFingerprint().toString(),
    );
  });

  void it('accepts serialised keys and refuses bad iteration counts, versions and keys', () => {
    const k = KeyPair.generate().publicKey;
    const viaBytes = Fingerprint.new(3, 1, Uint8Array.of(1), k.serialize(), Uint8Array.of(2), k.serialize());
    const viaKey = Fingerprint.new(3, 1, Uint8Array.of(1), k, Uint8Array.of(2), k);
    assert.deepEqual(viaBytes.scannableFingerprint().serialize(), viaKey.scannableFingerprint().serialize());
    for (const iterations of [0, 1, 1_000_001, 2.5]) {
      assert.throws(
        () => Fingerprint.new(iterations, 1, Uint8Array.of(1), k, Uint8Array.of(2), k),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
    }
    assert.throws(
      () => Fingerprint.new(2, -1, Uint8Array.of(1), k, Uint8Array.of(2), k),
      (e) => isProtocolError(e, 'InvalidArgument'),
    );
    assert.throws(
      () => Fingerprint.new(2, 1, Uint8Array.of(1), k.serialize().subarray(1), Uint8Array.of(2), k),
      (e) => isProtocolError(e, 'InvalidKey'),
    );
  });
});

void describe('ScannableFingerprint.compare()', () => {
  const a = KeyPair.generate().publicKey;
  const b = KeyPair.generate().publicKey;
  const c = KeyPair.generate().publicKey;
  const ida = Uint8Array.of(0xa);
  const idb = Uint8Array.of(0xb);

  void it("matches each side's scannable form against the other's, as libsignal does, both ways", () => {
    const alice = both(5, 2, ida, a, idb, b);
    const bob = both(5, 2, idb, b, ida, a);
    const aliceOurs = alice.ours.scannableFingerprint();
    const bobOurs = bob.ours.scannableFingerprint();
    // Sotto vs Sotto, Sotto vs libsignal bytes, libsignal vs Sotto bytes.
    assert.equal(aliceOurs.compare(bobOurs.serialize()), true);
    assert.equal(aliceOurs.compare(bobOurs), true);
    assert.equal(aliceOurs.compare(Uint8Array.from(bob.theirs.scannableFingerprint().toBuffer())), true);
    const fromOurs = SignalClient.ScannableFingerprint._fromBuffer(ab(bobOurs.serialize()));
    assert.equal(alice.theirs.scannableFingerprint().compare(fromOurs), true);
    // Comparing with oneself is not a match (local/remote are swapped).
    assert.equal(aliceOurs.compare(aliceOurs.serialize()), false);
    assert.equal(
      alice.theirs
        .scannableFingerprint()
        .compare(SignalClient.ScannableFingerprint._fromBuffer(ab(aliceOurs.serialize()))),
      false,
    );
  });

  void it('does not match a fingerprint made with another identity key, in Sotto or libsignal', () => {
    const alice = both(5, 2, ida, a, idb, b);
    const mallory = both(5, 2, idb, c, ida, a);
    assert.equal(
      alice.ours.scannableFingerprint().compare(mallory.ours.scannableFingerprint().serialize()),
      false,
    );
    assert.equal(
      alice.theirs
        .scannableFingerprint()
        .compare(
          SignalClient.ScannableFingerprint._fromBuffer(ab(mallory.ours.scannableFingerprint().serialize())),
        ),
      false,
    );
  });

  void it('throws FingerprintVersionMismatch for another version, as libsignal does', () => {
    const alice = both(5, 1, ida, a, idb, b);
    const bob = both(5, 2, idb, b, ida, a);
    assert.throws(
      () => alice.ours.scannableFingerprint().compare(bob.ours.scannableFingerprint().serialize()),
      (e) =>
        e instanceof FingerprintVersionMismatchError &&
        e.code === 'FingerprintVersionMismatch' &&
        e.theirs === 2 &&
        e.ours === 1,
    );
    assert.throws(() =>
      alice.theirs
        .scannableFingerprint()
        .compare(
          SignalClient.ScannableFingerprint._fromBuffer(ab(bob.ours.scannableFingerprint().serialize())),
        ),
    );
  });

  void it('treats a missing version as 0 and missing fingerprints as parsing errors', () => {
    const zero = both(5, 0, ida, a, idb, b).ours.scannableFingerprint();
    const bob = both(5, 0, idb, b, ida, a).ours.scannableFingerprint().serialize();
    // Version 0 is written explicitly (proto2 optional); drop the field to test "missing".
    assert.deepEqual(bob.subarray(0, 2), Uint8Array.of(0x08, 0x00));
    assert.equal(zero.compare(bob.subarray(2)), true);
    const onlyVersion = Uint8Array.of(0x08, 0x00);
    assert.throws(
      () => zero.compare(onlyVersion),
      (e) => isProtocolError(e, 'FingerprintParsingError'),
    );
    assert.throws(
      () => zero.compare(Uint8Array.of(0xff, 0xff)),
      (e) => isProtocolError(e, 'FingerprintParsingError'),
    );
  });

  void it('deserialize(serialize(x)) keeps x, and deserialize requires every field', () => {
    const s = both(7, 3, ida, a, idb, b).ours.scannableFingerprint();
    const again = ScannableFingerprint.deserialize(s.serialize());
    assert.deepEqual(again.serialize(), s.serialize());
    assert.equal(again.version, 3);
    const bytes = s.serialize();
    for (const cut of [bytes.subarray(2), bytes.subarray(0, 2), new Uint8Array(0)]) {
      assert.throws(
        () => ScannableFingerprint.deserialize(cut),
        (e) => isProtocolError(e, 'FingerprintParsingError'),
      );
    }
  });
});
