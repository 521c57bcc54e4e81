import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as SignalClient from '@signalapp/libsignal-client';
import { KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from '../src/prekey-records.js';
import { PreKeyBundle } from '../src/prekey-bundle.js';
import { isProtocolError } from '../src/errors.js';

const b = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const pub = b(32).map((k) => Uint8Array.of(5, ...k));
const u32 = fc.nat({ max: 0xffffffff });
const hex = (x: Uint8Array) => Buffer.from(x).toString('hex');

void describe('prekey records', () => {
  void it('round-trip and serialise byte-identically to libsignal', () => {
    const priv = SignalClient.PrivateKey.generate();
    const ls = SignalClient.PreKeyRecord.new(7, priv.getPublicKey(), priv);
    const ours = PreKeyRecord.deserialize(ls.serialize());
    assert.equal(ours.id, 7);
    assert.equal(hex(ours.serialize()), hex(ls.serialize()));

    const sig = priv.sign(priv.getPublicKey().serialize());
    const lsSigned = SignalClient.SignedPreKeyRecord.new(
      9,
      1_700_000_000_123,
      priv.getPublicKey(),
      priv,
      sig,
    );
    const oursSigned = SignedPreKeyRecord.deserialize(lsSigned.serialize());
    assert.equal(oursSigned.timestamp, 1_700_000_000_123);
    assert.equal(hex(oursSigned.serialize()), hex(lsSigned.serialize()));

    const kem = SignalClient.KEMKeyPair.generate();
    const lsKyber = SignalClient.KyberPreKeyRecord.new(11, 42, kem, sig);
    const oursKyber = KyberPreKeyRecord.deserialize(lsKyber.serialize());
    assert.equal(hex(oursKyber.serialize()), hex(lsKyber.serialize()));
    assert.equal(
      hex(
        SignalClient.KyberPreKeyRecord.deserialize(
          oursKyber.serialize() as Uint8Array<ArrayBuffer>,
        ).serialize(),
      ),
      hex(lsKyber.serialize()),
    );
  });

  void it('round-trip any valid record', () => {
    fc.assert(
      fc.property(u32, fc.nat({ max: 2 ** 52 }), pub, b(32), b(64), (id, ts, p, k, s) => {
        const r = SignedPreKeyRecord.new(id, ts, p, k, s);
        const d = SignedPreKeyRecord.deserialize(r.serialize());
        assert.deepEqual(
          [d.id, d.timestamp, hex(d.publicKey), hex(d.privateKey), hex(d.signature)],
          [id, ts, hex(p), hex(k), hex(s)],
        );
        const one = PreKeyRecord.deserialize(PreKeyRecord.new(id, p, k).serialize());
        assert.deepEqual([one.id, hex(one.publicKey)], [id, hex(p)]);
      }),
      { numRuns: 100 },
    );
  });

  void it('random bytes only ever produce typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const dec of [
          (x: Uint8Array) => PreKeyRecord.deserialize(x),
          (x: Uint8Array) => SignedPreKeyRecord.deserialize(x),
          (x: Uint8Array) => KyberPreKeyRecord.deserialize(x),
        ]) {
          try {
            dec(bytes);
          } catch (e) {
            assert.ok(isProtocolError(e, 'InvalidMessage'), String(e));
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

void describe('PreKeyBundle', () => {
  const good = () => ({
    registrationId: 1,
    deviceId: 1,
    preKeyId: 3,
    preKey: Uint8Array.of(5, ...new Uint8Array(32)),
    signedPreKeyId: 4,
    signedPreKey: Uint8Array.of(5, ...new Uint8Array(32)),
    signedPreKeySignature: new Uint8Array(64),
    identityKey: Uint8Array.of(5, ...new Uint8Array(32)),
    kyberPreKeyId: 5,
    kyberPreKey: Uint8Array.of(8, ...new Uint8Array(1568)),
    kyberPreKeySignature: new Uint8Array(64),
  });

  void it('accepts a well-formed bundle, with or without a one-time prekey', () => {
    assert.ok(PreKeyBundle.new(good()));
    assert.ok(PreKeyBundle.new({ ...good(), preKeyId: undefined, preKey: undefined }));
  });

  void it('rejects wrong shapes with typed errors', () => {
    const bad: Record<string, unknown>[] = [
      { preKey: undefined },
      { signedPreKey: new Uint8Array(33) },
      { identityKey: new Uint8Array(32) },
      { kyberPreKey: Uint8Array.of(7, ...new Uint8Array(1568)) },
      { kyberPreKey: new Uint8Array(1568) },
      { signedPreKeySignature: new Uint8Array(63) },
      { registrationId: -1 },
    ];
    for (const patch of bad) {
      assert.throws(
        () => PreKeyBundle.new({ ...good(), ...patch }),
        (e) => isProtocolError(e),
        JSON.stringify(Object.keys(patch)),
      );
    }
  });
});
