import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as SignalClient from '@signalapp/libsignal-client';
import type { CryptoProvider } from '../src/crypto-provider.js';
import { SignalMessage } from '../src/signal-message.js';
import { PreKeySignalMessage } from '../src/prekey-signal-message.js';
import { ProtoWriter } from '../src/protobuf.js';
import { isProtocolError } from '../src/errors.js';
import { LibsignalPeer } from './helpers/libsignal-peer.js';

// Only the MAC is needed here; the full providers have their own conformance test.
const crypto = {
  hmacSha256: (k: Uint8Array, d: Uint8Array) => hmac(sha256, k, d),
} as unknown as CryptoProvider;

const pubKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Uint8Array.of(5, ...b));
const kemCt = fc.uint8Array({ minLength: 1568, maxLength: 1568 }).map((b) => Uint8Array.of(8, ...b));
const u32 = fc.nat({ max: 0xffffffff });
const partsArb = fc.record({
  senderRatchetKey: pubKey,
  counter: u32,
  previousCounter: u32,
  ciphertext: fc
    .integer({ min: 1, max: 20 })
    .chain((n) => fc.uint8Array({ minLength: n * 16, maxLength: n * 16 })),
  pqRatchet: fc.uint8Array({ maxLength: 40 }),
  addresses: fc.option(fc.uint8Array({ minLength: 36, maxLength: 36 }), { nil: undefined }),
});
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

const invalid = (e: unknown) =>
  isProtocolError(e) &&
  ['InvalidMessage', 'InvalidKey', 'LegacyCiphertextVersion', 'UnsupportedVersion'].includes(e.code);

void describe('SignalMessage', () => {
  void it('round-trips every field and verifies its own MAC', () => {
    fc.assert(
      fc.property(partsArb, key32, pubKey, pubKey, (parts, macKey, a, b) => {
        const m = SignalMessage.create(crypto, parts, macKey, a, b);
        assert.equal(m.serialize()[0], 0x44);
        const d = SignalMessage.deserialize(m.serialize());
        assert.deepEqual(Buffer.from(d.senderRatchetKey), Buffer.from(parts.senderRatchetKey));
        assert.equal(d.counter, parts.counter);
        assert.equal(d.previousCounter, parts.previousCounter);
        assert.deepEqual(Buffer.from(d.ciphertext), Buffer.from(parts.ciphertext));
        assert.deepEqual(Buffer.from(d.pqRatchet), Buffer.from(parts.pqRatchet));
        assert.deepEqual(
          d.addresses && Buffer.from(d.addresses),
          parts.addresses && Buffer.from(parts.addresses),
        );
        assert.ok(d.verifyMac(crypto, a, b, macKey));
        assert.equal(
          d.verifyMac(crypto, b, a, macKey),
          a.every((x, i) => x === b[i]),
        );
      }),
      { numRuns: 200 },
    );
  });

  void it('encodes exactly what a ProtoWriter encoding with a MAC over the concatenation gives', () => {
    // The reference is the straightforward encoder (ProtoWriter, then HMAC over a fresh
    // senderIdentity || receiverIdentity || content), which create() replaced by an exact-size
    // write and a reused MAC input array. Varied lengths cross the multi-byte varint boundaries.
    const edges = [0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000, 0xfffffff, 0x10000000, 0xffffffff];
    const varintEdge = fc.constantFrom(...edges);
    const longParts = fc.record({
      senderRatchetKey: pubKey,
      counter: fc.oneof(u32, fc.nat({ max: 300 }), varintEdge),
      previousCounter: fc.oneof(u32, fc.nat({ max: 300 }), varintEdge),
      ciphertext: fc
        .integer({ min: 1, max: 1100 })
        .chain((n) => fc.uint8Array({ minLength: n * 16, maxLength: n * 16 })),
      pqRatchet: fc.uint8Array({ maxLength: 200 }),
      addresses: fc.option(fc.uint8Array({ minLength: 36, maxLength: 36 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(longParts, key32, pubKey, pubKey, fc.constantFrom(3, 4), (parts, macKey, a, b, version) => {
        const w = new ProtoWriter();
        w.raw(Uint8Array.of((version << 4) | 4));
        w.bytes(1, parts.senderRatchetKey).uint32(2, parts.counter).uint32(3, parts.previousCounter);
        w.bytes(4, parts.ciphertext);
        if (parts.pqRatchet.length > 0) w.bytes(5, parts.pqRatchet);
        if (parts.addresses !== undefined) w.bytes(6, parts.addresses);
        const content = w.finish();
        const mac = hmac(sha256, macKey, Uint8Array.of(...a, ...b, ...content)).subarray(0, 8);
        const expected = Uint8Array.of(...content, ...mac);
        const m = SignalMessage.create(crypto, parts, macKey, a, b, version);
        assert.deepEqual(Buffer.from(m.serialize()), Buffer.from(expected));
        assert.equal(m.serialize().byteLength, m.serialize().buffer.byteLength);
        assert.ok(SignalMessage.deserialize(expected).verifyMac(crypto, a, b, macKey));
      }),
      { numRuns: 200 },
    );
  });

  void it('refuses counters that are not uint32 when encoding', () => {
    for (const counter of [-1, 0x100000000, 1.5, Number.NaN]) {
      const parts = {
        senderRatchetKey: Uint8Array.of(5, ...new Uint8Array(32)),
        counter,
        previousCounter: 0,
        ciphertext: new Uint8Array(16),
        pqRatchet: new Uint8Array(0),
      };
      const k = new Uint8Array(32);
      const id = new Uint8Array(33);
      assert.throws(
        () => SignalMessage.create(crypto, parts, k, id, id),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
      assert.throws(
        () => SignalMessage.create(crypto, { ...parts, counter: 0, previousCounter: counter }, k, id, id),
        (e) => isProtocolError(e, 'InvalidArgument'),
      );
    }
  });

  void it('rejects any flipped bit through the MAC', () => {
    fc.assert(
      fc.property(
        partsArb,
        key32,
        pubKey,
        pubKey,
        fc.nat(),
        fc.nat({ max: 7 }),
        (parts, macKey, a, b, pos, bit) => {
          const bytes = SignalMessage.create(crypto, parts, macKey, a, b).serialize().slice();
          bytes[pos % bytes.length]! ^= 1 << bit;
          try {
            assert.equal(SignalMessage.deserialize(bytes).verifyMac(crypto, a, b, macKey), false);
          } catch (e) {
            assert.ok(invalid(e), String(e));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  void it('interprets the version nibble as libsignal does', () => {
    const m = SignalMessage.create(
      crypto,
      {
        senderRatchetKey: Uint8Array.of(5, ...new Uint8Array(32)),
        counter: 1,
        previousCounter: 0,
        ciphertext: new Uint8Array(16),
        pqRatchet: new Uint8Array(0),
      },
      new Uint8Array(32),
      new Uint8Array(33),
      new Uint8Array(33),
    ).serialize();
    const withVersion = (v: number) => Uint8Array.of(v, ...m.subarray(1));
    assert.equal(SignalMessage.deserialize(withVersion(0x33)).messageVersion, 3);
    assert.throws(
      () => SignalMessage.deserialize(withVersion(0x22)),
      (e) => isProtocolError(e, 'LegacyCiphertextVersion'),
    );
    assert.throws(
      () => SignalMessage.deserialize(withVersion(0x54)),
      (e) => isProtocolError(e, 'UnsupportedVersion'),
    );
  });

  void it('rejects missing fields, bad keys, duplicate fields and short input', () => {
    const body = (w: ProtoWriter) => Uint8Array.of(0x44, ...w.finish(), 1, 2, 3, 4, 5, 6, 7, 8);
    const key = Uint8Array.of(5, ...new Uint8Array(32));
    const ok = () => new ProtoWriter().bytes(1, key).uint32(2, 0).bytes(4, new Uint8Array(16));
    assert.ok(SignalMessage.deserialize(body(ok())));
    for (const bad of [
      new ProtoWriter().uint32(2, 0).bytes(4, new Uint8Array(16)),
      new ProtoWriter().bytes(1, key).bytes(4, new Uint8Array(16)),
      new ProtoWriter().bytes(1, key).uint32(2, 0),
      new ProtoWriter().bytes(1, key.subarray(1)).uint32(2, 0).bytes(4, new Uint8Array(16)),
      new ProtoWriter()
        .bytes(1, Uint8Array.of(6, ...key.subarray(1)))
        .uint32(2, 0)
        .bytes(4, new Uint8Array(16)),
      ok().uint32(2, 1),
      ok().bytes(6, new Uint8Array(35)),
      new ProtoWriter().bytes(1, key).uint32(2, 0).bytes(4, new Uint8Array(15)),
    ]) {
      assert.throws(() => SignalMessage.deserialize(body(bad)), invalid);
    }
    assert.throws(() => SignalMessage.deserialize(Uint8Array.of(0x44, 1, 2)), invalid);
  });

  void it('random bytes only ever produce typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, fixVersion) => {
        if (fixVersion && bytes.length > 0) bytes[0] = 0x44;
        try {
          SignalMessage.deserialize(bytes);
        } catch (e) {
          assert.ok(invalid(e), String(e));
        }
      }),
      { numRuns: 5000 },
    );
  });
});

void describe('PreKeySignalMessage', () => {
  void it('round-trips every field', () => {
    fc.assert(
      fc.property(
        partsArb,
        key32,
        fc.record({
          registrationId: u32,
          preKeyId: fc.option(u32, { nil: undefined }),
          signedPreKeyId: u32,
          kyberPreKeyId: u32,
          kyberCiphertext: kemCt,
          baseKey: pubKey,
          identityKey: pubKey,
        }),
        (parts, macKey, outer) => {
          const inner = SignalMessage.create(crypto, parts, macKey, outer.identityKey, outer.baseKey);
          const m = PreKeySignalMessage.create({ ...outer, message: inner });
          const d = PreKeySignalMessage.deserialize(m.serialize());
          assert.equal(d.registrationId, outer.registrationId);
          assert.equal(d.preKeyId, outer.preKeyId);
          assert.equal(d.signedPreKeyId, outer.signedPreKeyId);
          assert.equal(d.kyberPreKeyId, outer.kyberPreKeyId);
          assert.deepEqual(Buffer.from(d.kyberCiphertext), Buffer.from(outer.kyberCiphertext));
          assert.deepEqual(Buffer.from(d.baseKey), Buffer.from(outer.baseKey));
          assert.deepEqual(Buffer.from(d.identityKey), Buffer.from(outer.identityKey));
          assert.deepEqual(Buffer.from(d.message.serialize()), Buffer.from(inner.serialize()));
        },
      ),
      { numRuns: 50 },
    );
  });

  void it('rejects version-3 (X3DH) prekey messages and a missing Kyber payload', () => {
    const key = Uint8Array.of(5, ...new Uint8Array(32));
    const inner = SignalMessage.create(
      crypto,
      {
        senderRatchetKey: key,
        counter: 0,
        previousCounter: 0,
        ciphertext: new Uint8Array(16),
        pqRatchet: new Uint8Array(0),
      },
      new Uint8Array(32),
      key,
      key,
    ).serialize();
    const base = () => new ProtoWriter().bytes(2, key).bytes(3, key).bytes(4, inner).uint32(6, 1);
    assert.throws(
      () => PreKeySignalMessage.deserialize(Uint8Array.of(0x33, ...base().finish())),
      (e) => isProtocolError(e, 'UnsupportedVersion'),
    );
    assert.throws(() => PreKeySignalMessage.deserialize(Uint8Array.of(0x44, ...base().finish())), invalid);
    assert.throws(
      () => PreKeySignalMessage.deserialize(Uint8Array.of(0x44, ...base().uint32(7, 1).finish())),
      invalid,
    );
    const ct = Uint8Array.of(8, ...new Uint8Array(1568));
    assert.ok(
      PreKeySignalMessage.deserialize(Uint8Array.of(0x44, ...base().uint32(7, 1).bytes(8, ct).finish())),
    );
    const badCt = Uint8Array.of(7, ...new Uint8Array(1568));
    assert.throws(
      () =>
        PreKeySignalMessage.deserialize(Uint8Array.of(0x44, ...base().uint32(7, 1).bytes(8, badCt).finish())),
      invalid,
    );
  });

  void it('random bytes only ever produce typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, fixVersion) => {
        if (fixVersion && bytes.length > 0) bytes[0] = 0x44;
        try {
          PreKeySignalMessage.deserialize(bytes);
        } catch (e) {
          assert.ok(invalid(e), String(e));
        }
      }),
      { numRuns: 5000 },
    );
  });
});

void describe('codecs against libsignal-client 0.103.0 bytes', () => {
  void it('parse libsignal messages and re-encode them byte for byte (MAC aside)', async () => {
    const alice = new LibsignalPeer('7a1c5a84-56b7-4f1b-9a5b-6a0e0a2b1c01', 1);
    const bob = new LibsignalPeer('bob', 2);
    const { bundle } = await bob.makeBundle(true);
    await alice.processBundle(bundle, bob.address);
    const first = await alice.encrypt(new TextEncoder().encode('hello'), bob.address);
    assert.equal(first.type, 3);
    const pk = PreKeySignalMessage.deserialize(first.body);
    const ls = SignalClient.PreKeySignalMessage.deserialize(first.body as Uint8Array<ArrayBuffer>);
    assert.equal(pk.registrationId, ls.registrationId());
    assert.equal(pk.preKeyId, ls.preKeyId());
    assert.equal(pk.signedPreKeyId, ls.signedPreKeyId());
    const again = PreKeySignalMessage.create(pk);
    assert.deepEqual(Buffer.from(again.serialize()), Buffer.from(first.body));
    // libsignal binds addresses only when both names are service ids: bob is not, so none here.
    assert.equal(pk.message.addresses, undefined);
    assert.equal(pk.message.pqRatchet[0], 1, 'SPQR v1 payload present');

    await bob.decrypt(first.type, first.body, alice.address);
    const reply = await bob.encrypt(new TextEncoder().encode('hi'), alice.address);
    assert.equal(reply.type, 2);
    const sm = SignalMessage.deserialize(reply.body);
    const lsm = SignalClient.SignalMessage.deserialize(reply.body as Uint8Array<ArrayBuffer>);
    assert.equal(sm.counter, lsm.counter());
    assert.deepEqual(Buffer.from(sm.ciphertext), Buffer.from(lsm.body()));
    assert.deepEqual(Buffer.from(sm.pqRatchet), Buffer.from(lsm.pqRatchet()));
    const rebuilt = SignalMessage.create(
      crypto,
      sm,
      new Uint8Array(32),
      new Uint8Array(33),
      new Uint8Array(33),
    );
    assert.deepEqual(
      Buffer.from(rebuilt.serialize().subarray(0, -8)),
      Buffer.from(reply.body.subarray(0, -8)),
    );
  });

  void it('carries the 36-byte addresses field when both names are service ids', async () => {
    const alice = new LibsignalPeer('7a1c5a84-56b7-4f1b-9a5b-6a0e0a2b1c01', 3);
    const bob = new LibsignalPeer('PNI:1b9a1f0e-3c2d-4e5f-8a7b-6c5d4e3f2a10', 4);
    const { bundle } = await bob.makeBundle(false);
    await alice.processBundle(bundle, bob.address);
    const first = await alice.encrypt(new Uint8Array(3), bob.address);
    const pk = PreKeySignalMessage.deserialize(first.body);
    assert.equal(pk.preKeyId, undefined);
    const { serializeAddresses, ProtocolAddress } = await import('../src/protocol-address.js');
    const expected = serializeAddresses(
      ProtocolAddress.new(alice.address.name(), 3),
      ProtocolAddress.new(bob.address.name(), 4),
    );
    assert.ok(expected);
    assert.deepEqual(Buffer.from(pk.message.addresses!), Buffer.from(expected));
  });
});
