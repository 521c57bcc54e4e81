import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame } from '../src/frame-codec.js';
import { WireError } from '../src/errors.js';
import { frameArb } from './arbitraries.js';

const SEED = 0x5077;

function decodesOrWireError(bytes: Uint8Array): void {
  try {
    const f = decodeFrame(bytes);
    // Anything that decodes must re-encode to the same bytes (the encoding is canonical).
    assert.deepEqual(encodeFrame(f), bytes);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
  }
}

void describe('frame codec', () => {
  void it('decode(encode(x)) equals x for every frame kind', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        assert.deepEqual(decodeFrame(encodeFrame(f)), structuredClone(f));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  void it('decodes a Node Buffer view at a non-zero offset into plain Uint8Arrays', () => {
    const bytes = encodeFrame({
      type: 'deliver',
      seq: 7,
      envelopeId: new Uint8Array(16).fill(1),
      senderAccountId: '00000000-0000-4000-8000-000000000001',
      senderDeviceId: 2,
      serverTimestamp: 1234,
      envelopeType: 1,
      content: new Uint8Array([9, 8, 7]),
    });
    const padded = Buffer.concat([Buffer.from([0xaa, 0xbb]), Buffer.from(bytes)]).subarray(2);
    const f = decodeFrame(padded);
    assert.equal(f.type, 'deliver');
    if (f.type === 'deliver') {
      assert.equal(Object.getPrototypeOf(f.content), Uint8Array.prototype);
      assert.deepEqual(f.content, new Uint8Array([9, 8, 7]));
    }
  });

  void it('returns a fresh array per encode although the encoder reuses one buffer', () => {
    fc.assert(
      fc.property(frameArb, frameArb, (a, b) => {
        const first = encodeFrame(a);
        const copy = first.slice();
        const second = encodeFrame(b);
        assert.deepEqual(first, copy, 'encoding another frame must not change an earlier result');
        assert.notEqual(first.buffer, second.buffer);
        assert.deepEqual(decodeFrame(second), structuredClone(b));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  void it('decodes byte fields as copies by default and as views into the input with { views: true }', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const bytes = encodeFrame(f);
        const copied = decodeFrame(bytes);
        const viewed = decodeFrame(bytes, undefined, { views: true });
        assert.deepEqual(viewed, copied, 'the same frame either way');
        const fields = (x: unknown): Uint8Array[] =>
          x instanceof Uint8Array
            ? [x]
            : typeof x === 'object' && x !== null
              ? Object.values(x).flatMap(fields)
              : [];
        for (const b of fields(copied)) if (b.length > 0) assert.notEqual(b.buffer, bytes.buffer);
        for (const b of fields(viewed)) {
          assert.equal(Object.getPrototypeOf(b), Uint8Array.prototype);
          if (b.length > 0) assert.equal(b.buffer, bytes.buffer, 'a view shares the input');
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  void it('rejects every strict prefix of a valid frame as Truncated', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const bytes = encodeFrame(f);
        for (let n = 0; n < bytes.length; n++) {
          assert.throws(
            () => decodeFrame(bytes.subarray(0, n)),
            (e: unknown) => WireError.is(e),
          );
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  void it('rejects trailing bytes', () => {
    fc.assert(
      fc.property(frameArb, fc.uint8Array({ minLength: 1, maxLength: 8 }), (f, extra) => {
        const bytes = encodeFrame(f);
        const longer = new Uint8Array(bytes.length + extra.length);
        longer.set(bytes);
        longer.set(extra, bytes.length);
        assert.throws(
          () => decodeFrame(longer),
          (e: unknown) => WireError.is(e, 'TrailingBytes'),
        );
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  void it('rejects unknown frame types', () => {
    for (const t of [0x00, 0x04, 0x12, 0x23, 0x32, 0xff]) {
      assert.throws(
        () => decodeFrame(new Uint8Array([t, 0, 0, 0, 0])),
        (e: unknown) => WireError.is(e, 'UnknownFrameType'),
      );
    }
  });

  void it('rejects frames larger than the limit before parsing', () => {
    const f = encodeFrame({ type: 'ping', nonce: 1 });
    assert.throws(
      () => decodeFrame(f, 4),
      (e: unknown) => WireError.is(e, 'FrameTooLarge'),
    );
  });

  void it('rejects out-of-range fields: device 0 and 128, seq 0, unknown error code, 2^53 u64', () => {
    const auth = encodeFrame({
      type: 'auth',
      version: 1,
      accountId: '00000000-0000-4000-8000-000000000001',
      deviceId: 1,
      secret: new Uint8Array(32),
    });
    for (const bad of [0, 128, 255]) {
      const b = auth.slice();
      b[18] = bad;
      assert.throws(
        () => decodeFrame(b),
        (e: unknown) => WireError.is(e, 'FieldOutOfRange'),
      );
    }
    const ack = encodeFrame({ type: 'ack', upTo: 0, seqs: [5] });
    const zeroSeq = ack.slice();
    zeroSeq.fill(0, 11, 19);
    assert.throws(
      () => decodeFrame(zeroSeq),
      (e: unknown) => WireError.is(e, 'FieldOutOfRange'),
    );
    const big = encodeFrame({ type: 'authOk', serverTime: 0 });
    big[1] = 0x00;
    big[2] = 0x20; // 2^53
    assert.throws(
      () => decodeFrame(big),
      (e: unknown) => WireError.is(e, 'FieldOutOfRange'),
    );
    const err = encodeFrame({ type: 'error', requestId: 1, code: 'Internal' });
    err[err.length - 1] = 0x78; // "Internax"
    assert.throws(
      () => decodeFrame(err),
      (e: unknown) => WireError.is(e, 'InvalidField'),
    );
  });

  void it('rejects an empty ACK and duplicate devices in SUBMIT', () => {
    assert.throws(
      () => decodeFrame(new Uint8Array([0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
      (e: unknown) => WireError.is(e),
    );
    assert.throws(
      () =>
        encodeFrame({
          type: 'submit',
          requestId: 1,
          recipient: '00000000-0000-4000-8000-000000000001',
          envelopes: [1, 1].map((deviceId) => ({
            deviceId,
            registrationId: 1,
            envelopeId: new Uint8Array(16),
            envelopeType: 0,
            content: new Uint8Array(0),
          })),
        }),
      (e: unknown) => WireError.is(e, 'InvalidField'),
    );
  });

  void it('refuses to encode invalid frames (wrong secret length, bad uuid, oversize content)', () => {
    const base = { type: 'auth' as const, version: 1, deviceId: 1 };
    assert.throws(
      () =>
        encodeFrame({
          ...base,
          accountId: '00000000-0000-4000-8000-000000000001',
          secret: new Uint8Array(31),
        }),
      (e: unknown) => WireError.is(e, 'InvalidLength'),
    );
    assert.throws(
      () => encodeFrame({ ...base, accountId: 'ABC', secret: new Uint8Array(32) }),
      (e: unknown) => WireError.is(e, 'InvalidField'),
    );
    assert.throws(
      () =>
        encodeFrame({
          type: 'deliver',
          seq: 1,
          envelopeId: new Uint8Array(16),
          senderAccountId: '00000000-0000-4000-8000-000000000001',
          senderDeviceId: 1,
          serverTimestamp: 0,
          envelopeType: 0,
          content: new Uint8Array(64 * 1024 + 1),
        }),
      (e: unknown) => WireError.is(e, 'InvalidLength'),
    );
  });
});

void describe('frame codec fuzz', () => {
  void it('random bytes only ever produce WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrWireError(bytes)),
      { seed: SEED, numRuns: 20_000 },
    );
  });

  void it('random bytes behind each valid type byte only ever produce WireError', () => {
    const types = [0x01, 0x02, 0x03, 0x10, 0x11, 0x20, 0x21, 0x22, 0x30, 0x31];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 120 }), (t, rest) => {
        const b = new Uint8Array(rest.length + 1);
        b[0] = t;
        b.set(rest, 1);
        decodesOrWireError(b);
      }),
      { seed: SEED, numRuns: 20_000 },
    );
  });

  void it('bit flips, truncations and splices of valid frames only ever produce WireError', () => {
    fc.assert(
      fc.property(
        frameArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (f, flips, cut) => {
          const b = encodeFrame(f).slice();
          for (const [pos, bit] of flips) b[pos % b.length]! ^= 1 << bit;
          decodesOrWireError(b);
          decodesOrWireError(b.subarray(0, cut % (b.length + 1)));
        },
      ),
      { seed: SEED, numRuns: 5000 },
    );
  });

  void it('length fields claiming huge sizes are rejected without allocating', () => {
    const f = encodeFrame({
      type: 'deliver',
      seq: 1,
      envelopeId: new Uint8Array(16),
      senderAccountId: '00000000-0000-4000-8000-000000000001',
      senderDeviceId: 1,
      serverTimestamp: 0,
      envelopeType: 0,
      content: new Uint8Array(4),
    });
    const b = f.slice();
    b.set([0xff, 0xff, 0xff, 0xff], b.length - 8);
    assert.throws(
      () => decodeFrame(b),
      (e: unknown) => WireError.is(e, 'InvalidLength'),
    );
  });
});
