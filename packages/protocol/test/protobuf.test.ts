import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ProtoReader, ProtoWriter, SeenFields, varint32Size } from '../src/protobuf.js';
import { isProtocolError } from '../src/errors.js';

type Field =
  | { kind: 'u32'; field: number; value: number }
  | { kind: 'u64'; field: number; value: bigint }
  | { kind: 'bytes'; field: number; value: Uint8Array }
  | { kind: 'f64'; field: number; value: bigint }
  | { kind: 'f32'; field: number; value: number };

const fieldNumber = fc.integer({ min: 1, max: 0x1fffffff });
const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ kind: fc.constant('u32' as const), field: fieldNumber, value: fc.nat({ max: 0xffffffff }) }),
  fc.record({
    kind: fc.constant('u64' as const),
    field: fieldNumber,
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
  fc.record({
    kind: fc.constant('bytes' as const),
    field: fieldNumber,
    value: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    kind: fc.constant('f64' as const),
    field: fieldNumber,
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
  fc.record({ kind: fc.constant('f32' as const), field: fieldNumber, value: fc.nat({ max: 0xffffffff }) }),
);

function encode(fields: Field[]): Uint8Array {
  const w = new ProtoWriter(1);
  for (const f of fields) {
    if (f.kind === 'u32') w.uint32(f.field, f.value);
    else if (f.kind === 'u64') w.uint64(f.field, f.value);
    else if (f.kind === 'bytes') w.bytes(f.field, f.value);
    else if (f.kind === 'f64') w.fixed64(f.field, f.value);
    else w.fixed32(f.field, f.value);
  }
  return w.finish();
}

function expectInvalid(bytes: number[], read: (r: ProtoReader) => void = (r) => r.skip()): void {
  assert.throws(
    () => {
      const r = new ProtoReader(Uint8Array.from(bytes));
      while (r.next()) read(r);
    },
    (e: unknown) => isProtocolError(e, 'InvalidMessage'),
  );
}

void describe('ProtoWriter / ProtoReader', () => {
  void it('round-trips any sequence of fields', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 20 }), (fields) => {
        const r = new ProtoReader(encode(fields));
        const out: Field[] = [];
        for (const f of fields) {
          assert.ok(r.next());
          assert.equal(r.field, f.field);
          if (f.kind === 'u32') out.push({ ...f, value: r.uint32() });
          else if (f.kind === 'u64') out.push({ ...f, value: r.uint64() });
          else if (f.kind === 'bytes') out.push({ ...f, value: Uint8Array.from(r.bytes()) });
          else if (f.kind === 'f64') out.push({ ...f, value: r.fixed64() });
          else out.push({ ...f, value: r.fixed32() });
        }
        assert.equal(r.next(), false);
        assert.deepEqual(
          out,
          fields.map((f) => ({ ...f })),
        );
      }),
    );
  });

  void it('skips every field it does not know', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 20 }), (fields) => {
        const r = new ProtoReader(encode(fields));
        let n = 0;
        while (r.next()) {
          r.skip();
          n++;
        }
        assert.equal(n, fields.length);
      }),
    );
  });

  void it('encodes varints minimally and matches known vectors', () => {
    assert.deepEqual([...new ProtoWriter().uint32(1, 300).finish()], [0x08, 0xac, 0x02]);
    assert.deepEqual([...new ProtoWriter().bytes(2, Uint8Array.of(1, 2)).finish()], [0x12, 2, 1, 2]);
    assert.deepEqual(
      [...new ProtoWriter().uint64(1, 2n ** 64n - 1n).finish()],
      [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    );
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (v) => {
        assert.equal(new ProtoWriter().uint32(1, v).finish().length, 1 + varint32Size(v));
      }),
    );
  });

  void it('rejects a truncated varint', () => expectInvalid([0x08, 0x80]));
  void it('rejects an overlong (non-minimal) varint', () =>
    expectInvalid([0x08, 0x81, 0x00], (r) => r.uint32()));
  void it('rejects a varint longer than 10 bytes', () =>
    expectInvalid([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
  void it('rejects a 64-bit overflow in the tenth byte', () =>
    expectInvalid([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]));
  void it('rejects a uint32 field above 2^32-1', () =>
    expectInvalid([0x08, 0x80, 0x80, 0x80, 0x80, 0x10], (r) => r.uint32()));
  void it('rejects a length past the end', () => expectInvalid([0x12, 0x05, 1, 2]));
  void it('rejects a huge length without allocating', () =>
    expectInvalid([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  void it('rejects truncated fixed fields', () => {
    expectInvalid([0x09, 1, 2, 3]);
    expectInvalid([0x0d, 1, 2]);
  });
  void it('rejects groups and reserved wire types', () => {
    for (const wt of [3, 4, 6, 7]) expectInvalid([(1 << 3) | wt, 0]);
  });
  void it('rejects field number 0', () => expectInvalid([0x00, 0x01]));
  void it('rejects a field read with the wrong wire type', () =>
    expectInvalid([0x0a, 0x00], (r) => r.uint32()));
  void it('rejects a bool other than 0 or 1', () => expectInvalid([0x08, 0x02], (r) => r.bool()));
  void it('SeenFields rejects duplicates', () => {
    const s = new SeenFields('X');
    s.mark(3);
    assert.ok(s.has(3));
    assert.throws(
      () => s.mark(3),
      (e: unknown) => isProtocolError(e, 'InvalidMessage'),
    );
  });
  void it('writer rejects out-of-range values', () => {
    assert.throws(
      () => new ProtoWriter().uint32(1, -1),
      (e: unknown) => isProtocolError(e, 'InvalidArgument'),
    );
    assert.throws(
      () => new ProtoWriter().uint32(0, 1),
      (e: unknown) => isProtocolError(e, 'InvalidArgument'),
    );
    assert.throws(
      () => new ProtoWriter().uint64(1, 2n ** 64n),
      (e: unknown) => isProtocolError(e, 'InvalidArgument'),
    );
  });

  void it('random bytes only ever produce InvalidMessage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 5 }), (bytes, how) => {
        try {
          const r = new ProtoReader(bytes);
          while (r.next()) {
            if (how === 0 && r.wireType === 0) r.uint64();
            else if (how === 1 && r.wireType === 0) r.uint32();
            else if (how === 2 && r.wireType === 2) r.bytes();
            else r.skip();
          }
        } catch (e) {
          assert.ok(isProtocolError(e, 'InvalidMessage'), String(e));
        }
      }),
      { numRuns: 5000 },
    );
  });
});
