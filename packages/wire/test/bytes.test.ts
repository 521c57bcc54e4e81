import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToUuid, fromBase64, fromHex, toBase64, toHex, uuidToBytes } from '../src/bytes.js';

void describe('base64', () => {
  void it('matches Node Buffer for every input and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = toBase64(b);
        assert.equal(s, Buffer.from(b).toString('base64'));
        assert.deepEqual(fromBase64(s), b);
      }),
      { seed: 1, numRuns: 2000 },
    );
  });

  void it('rejects non-canonical, unpadded, or foreign-alphabet input', () => {
    for (const bad of [
      'A',
      'AB',
      'ABC',
      'AB=C',
      'AB==A===',
      'QR==',
      'QUJ=',
      'ab-_',
      'ab c',
      '====',
      'é===',
    ]) {
      assert.equal(fromBase64(bad), undefined, bad);
    }
    assert.deepEqual(fromBase64(''), new Uint8Array(0));
  });

  void it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const b = fromBase64(s);
        if (b) assert.equal(toBase64(b), s);
      }),
      { seed: 2, numRuns: 5000 },
    );
  });
});

/** A string from `valid` with one character replaced by one that is often (not always) invalid. */
const oneCharReplaced = (valid: fc.Arbitrary<string>) =>
  fc
    .tuple(valid, fc.nat(), fc.constantFrom('A', 'F', 'g', '-', '0', 'f', 'é', '\u0660', ' ', '\u0000'))
    .map(([v, at, c]) => {
      const i = at % v.length;
      return v.slice(0, i) + c + v.slice(i + 1);
    });

void describe('uuid and hex', () => {
  void it('round-trips 16 bytes through the lower-case UUID form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        assert.deepEqual(uuidToBytes(bytesToUuid(b)), b);
        assert.deepEqual(fromHex(toHex(b), 16), b);
      }),
      { seed: 3 },
    );
  });

  void it('accepts exactly the strings the lower-case UUID pattern matches, with the same bytes', () => {
    const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const reference = (s: string) =>
      pattern.test(s)
        ? Uint8Array.from(s.replaceAll('-', '').match(/../g)!, (h) => parseInt(h, 16))
        : undefined;
    // Valid UUIDs with one character replaced (upper case, other hex, hyphen, non-ASCII, anything).
    const nearUuid = oneCharReplaced(fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToUuid));
    fc.assert(
      fc.property(
        fc.oneof(nearUuid, fc.string({ maxLength: 40 }), fc.string({ minLength: 36, maxLength: 36 })),
        (s) => {
          assert.deepEqual(uuidToBytes(s), reference(s));
        },
      ),
      { seed: 4, numRuns: 20_000 },
    );
  });

  void it('parses exactly the lower-case hex strings of the asked length, with the same bytes', () => {
    const reference = (s: string, n: number) =>
      s.length === 2 * n && /^[0-9a-f]*$/.test(s)
        ? Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16))
        : undefined;
    // Valid hex with one character replaced (upper case, non-hex, non-ASCII), or anything at all.
    const nearHex = fc.nat({ max: 19 }).chain((k) =>
      oneCharReplaced(fc.uint8Array({ minLength: k + 1, maxLength: k + 1 }).map(toHex)).map((s) => ({
        s,
        n: k + 1,
      })),
    );
    const anything = fc.record({ s: fc.string({ maxLength: 42 }), n: fc.nat(21) });
    fc.assert(
      fc.property(fc.oneof(nearHex, anything), ({ s, n }) => {
        assert.deepEqual(fromHex(s, n), reference(s, n));
      }),
      { seed: 5, numRuns: 20_000 },
    );
  });

  void it('rejects upper-case or malformed UUIDs', () => {
    assert.equal(uuidToBytes('0000000A-0000-4000-8000-000000000001'), undefined);
    assert.equal(uuidToBytes('00000000000040008000000000000001'), undefined);
    assert.equal(fromHex('zz', 1), undefined);
    assert.throws(() => bytesToUuid(new Uint8Array(15)), RangeError);
  });
});
