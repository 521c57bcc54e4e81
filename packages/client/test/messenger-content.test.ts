import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodeContent, encodeContent, MAX_TEXT_BYTES, type Content } from '../src/messenger/content.js';
import { MessengerError } from '../src/messenger/errors.js';

const id = fc.uint8Array({ minLength: 16, maxLength: 16 });
const sentAt = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const content: fc.Arbitrary<Content> = fc.oneof(
  fc.record({
    kind: fc.constant('text' as const),
    messageId: id,
    sentAt,
    text: fc.string({ unit: 'grapheme', maxLength: 200 }),
  }),
  fc.record({
    kind: fc.constant('receipt' as const),
    messageId: id,
    sentAt,
    targetIds: fc.array(id, { minLength: 1, maxLength: 100 }),
  }),
  fc.record({
    kind: fc.constant('sent' as const),
    messageId: id,
    sentAt,
    destination: id,
    text: fc.string({ maxLength: 200 }),
  }),
);

void describe('content codec', () => {
  void it('decodes what it encodes (property)', () => {
    fc.assert(
      fc.property(content, (c) => {
        assert.deepStrictEqual(decodeContent(encodeContent(c)), { ...c });
      }),
    );
  });

  void it('only ever throws InvalidContent on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeContent(bytes);
        } catch (e) {
          assert.ok(MessengerError.is(e, 'InvalidContent'), String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  void it('only ever throws InvalidContent on mutated valid encodings', () => {
    fc.assert(
      fc.property(content, fc.nat(), fc.integer({ min: 1, max: 255 }), (c, pos, x) => {
        const b = encodeContent(c);
        b[pos % b.length]! ^= x;
        try {
          decodeContent(b);
        } catch (e) {
          assert.ok(MessengerError.is(e, 'InvalidContent'), String(e));
        }
      }),
    );
  });

  void it('rejects trailing bytes, truncation, unknown versions and kinds', () => {
    const good = encodeContent({ kind: 'text', messageId: new Uint8Array(16), sentAt: 1, text: 'hi' });
    const cases = [
      Uint8Array.of(...good, 0),
      good.subarray(0, good.length - 1),
      Uint8Array.of(2, ...good.subarray(1)),
      Uint8Array.of(1, 9, ...good.subarray(2)),
      new Uint8Array(0),
    ];
    for (const c of cases)
      assert.throws(
        () => decodeContent(c),
        (e: unknown) => MessengerError.is(e, 'InvalidContent'),
      );
  });

  void it('rejects malformed UTF-8 text', () => {
    const b = encodeContent({ kind: 'text', messageId: new Uint8Array(16), sentAt: 1, text: 'ab' });
    b[b.length - 1] = 0xff;
    assert.throws(
      () => decodeContent(b),
      (e: unknown) => MessengerError.is(e, 'InvalidContent'),
    );
  });

  void it('refuses to encode an over-long text with MessageTooLong', () => {
    assert.throws(
      () =>
        encodeContent({
          kind: 'text',
          messageId: new Uint8Array(16),
          sentAt: 1,
          text: 'x'.repeat(MAX_TEXT_BYTES + 1),
        }),
      (e: unknown) => MessengerError.is(e, 'MessageTooLong'),
    );
  });

  void it('refuses a receipt with no ids or a bad id length', () => {
    assert.throws(
      () => encodeContent({ kind: 'receipt', messageId: new Uint8Array(16), sentAt: 1, targetIds: [] }),
      (e: unknown) => MessengerError.is(e, 'InvalidArgument'),
    );
    assert.throws(
      () =>
        encodeContent({
          kind: 'receipt',
          messageId: new Uint8Array(16),
          sentAt: 1,
          targetIds: [new Uint8Array(3)],
        }),
      (e: unknown) => MessengerError.is(e, 'InvalidArgument'),
    );
  });
});
