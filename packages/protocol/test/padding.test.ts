import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isProtocolError } from '../src/errors.js';
import { PADDING_BLOCK_SIZE, padMessage, paddedLength, unpadMessage } from '../src/padding.js';

const message = fc.uint8Array({ minLength: 0, maxLength: 1000 });
const isInvalidPadding = (e: unknown) => isProtocolError(e, 'InvalidPadding');

void describe('padMessage()', () => {
  void it('appends 0x80 and zero-fills to the next multiple of 160 bytes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const p = padMessage(m);
        assert.equal(p.length % PADDING_BLOCK_SIZE, 0);
        assert.ok(p.length > m.length);
        assert.ok(p.length - m.length <= PADDING_BLOCK_SIZE);
        assert.deepEqual(p.subarray(0, m.length), m);
        assert.equal(p[m.length], 0x80);
        assert.ok(p.subarray(m.length + 1).every((b) => b === 0));
        assert.equal(p.length, paddedLength(m.length));
      }),
    );
  });

  void it('puts the bucket boundaries where the terminator no longer fits', () => {
    assert.equal(padMessage(new Uint8Array(0)).length, 160);
    assert.equal(padMessage(new Uint8Array(159)).length, 160);
    assert.equal(padMessage(new Uint8Array(160)).length, 320);
    assert.equal(padMessage(new Uint8Array(319)).length, 320);
  });
});

void describe('unpadMessage()', () => {
  void it('inverts padMessage for any message, including ones ending in 0x80 or zeros', () => {
    fc.assert(
      fc.property(message, fc.constantFrom(0x00, 0x80, 0xff), (m, last) => {
        const withTail = Uint8Array.of(...m, last);
        assert.deepEqual(unpadMessage(padMessage(m)), m);
        assert.deepEqual(unpadMessage(padMessage(withTail)), withTail);
      }),
    );
  });

  void it('accepts a terminator followed by any number of zeros (other clients bucket differently)', () => {
    assert.deepEqual(unpadMessage(Uint8Array.of(1, 2, 0x80)), Uint8Array.of(1, 2));
    assert.deepEqual(unpadMessage(Uint8Array.of(1, 2, 0x80, 0, 0, 0)), Uint8Array.of(1, 2));
  });

  void it('rejects input whose last non-zero byte is not 0x80', () => {
    fc.assert(
      fc.property(
        message,
        fc.integer({ min: 1, max: 255 }).filter((b) => b !== 0x80),
        fc.nat(200),
        (m, b, zeros) => {
          const bad = Uint8Array.of(...m, b, ...new Uint8Array(zeros));
          assert.throws(() => unpadMessage(bad), isInvalidPadding);
        },
      ),
    );
  });

  void it('rejects empty and all-zero input', () => {
    assert.throws(() => unpadMessage(new Uint8Array(0)), isInvalidPadding);
    assert.throws(() => unpadMessage(new Uint8Array(160)), isInvalidPadding);
  });

  void it('never throws anything but InvalidPadding for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        try {
          const m = unpadMessage(b);
          assert.ok(m.length < b.length);
        } catch (e) {
          assert.ok(isInvalidPadding(e));
        }
      }),
    );
  });
});
