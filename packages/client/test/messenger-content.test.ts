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
  fc.record({
    kind: fc.constant('contacts' as const),
    messageId: id,
    sentAt,
    requestId: id,
    contacts: fc.array(
      fc.record(
        {
          accountId: id,
          identityKey: fc.uint8Array({ minLength: 33, maxLength: 33 }),
          verified: fc.boolean(),
          // Up to 64 characters of up to 4 bytes each (a name's limit in contacts.ts).
          name: fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
          username: fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{2,31}$/), { nil: null }),
        },
        { noNullPrototype: true },
      ),
      { minLength: 0, maxLength: 50 },
    ),
  }),
  fc.record({
    kind: fc.constant('syncRequest' as const),
    messageId: id,
    sentAt,
    what: fc.constant('contacts' as const),
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

  void it('refuses a contacts sync with too many contacts, and strict-decodes its fields', () => {
    const one = {
      accountId: new Uint8Array(16),
      identityKey: new Uint8Array(33),
      verified: true,
      name: 'bob',
      username: null,
    };
    const base = {
      kind: 'contacts' as const,
      messageId: new Uint8Array(16),
      sentAt: 1,
      requestId: new Uint8Array(16).fill(3),
    };
    for (const contacts of [Array.from({ length: 51 }, () => one)])
      assert.throws(
        () => encodeContent({ ...base, contacts }),
        (e: unknown) => MessengerError.is(e, 'InvalidArgument'),
      );
    // 64 four-byte characters: the longest name a contact can have (256 bytes of UTF-8).
    const longest = { ...one, name: '\u{1F600}'.repeat(64) };
    assert.deepEqual(decodeContent(encodeContent({ ...base, contacts: [longest] })), {
      ...base,
      contacts: [longest],
    });
    const good = encodeContent({ ...base, contacts: [one] });
    const countAt = 2 + 16 + 8 + 16;
    const flagsAt = countAt + 1 + 16 + 33;
    const bad = [
      Uint8Array.of(...good.subarray(0, flagsAt), 2, ...good.subarray(flagsAt + 1)), // unknown flag
      Uint8Array.of(...good.subarray(0, flagsAt + 1), 0, 0, ...good.subarray(flagsAt + 3)), // empty name
      Uint8Array.of(...good, 0), // trailing byte
      good.subarray(0, good.length - 1),
      Uint8Array.of(...good.subarray(0, countAt), 0, ...good.subarray(countAt + 1)), // count 0, one contact follows
      Uint8Array.of(...good.subarray(0, countAt), 51, ...good.subarray(countAt + 1)), // count 51
      good.subarray(0, countAt - 1), // cut inside the request id
      Uint8Array.of(1, 5, ...new Uint8Array(24), 2), // a sync request for something unknown
    ];
    for (const b of bad)
      assert.throws(
        () => decodeContent(b),
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
