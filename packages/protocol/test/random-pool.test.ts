import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { RandomPool } from '../src/node/random-pool.js';

/** A deterministic "random" source: a running counter, so every byte handed out is traceable. */
function counterSource(): { fill: (t: Uint8Array) => void; fills: Uint8Array[]; stream: () => number[] } {
  let next = 1;
  const fills: Uint8Array[] = [];
  const produced: number[] = [];
  return {
    fills,
    fill(t) {
      fills.push(t);
      for (let i = 0; i < t.length; i++) {
        t[i] = next & 0xff;
        produced.push(next & 0xff);
        next++;
      }
    },
    stream: () => produced,
  };
}

void describe('RandomPool (node provider randomness)', () => {
  void it('hands out each filled byte at most once, in pool order, with the requested lengths', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 60 }), (lengths) => {
        const src = counterSource();
        const pool = new RandomPool(src.fill, 256, 64);
        // What the pool buffer held right after each of its fills (it is zeroed as it is used).
        const poolFills: Uint8Array[] = [];
        let at = 256;
        for (const n of lengths) {
          const before = src.fills.length;
          const out = pool.take(n);
          assert.equal(out.length, n);
          assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
          if (n > 64) {
            assert.equal(src.fills.length, before + 1);
            assert.equal(src.fills.at(-1), out, 'a large request is filled directly');
            continue;
          }
          if (src.fills.length > before) {
            assert.ok(256 - at < n, 'refilled although the rest was long enough');
            assert.equal(src.fills.length, before + 1);
            poolFills.push(
              src
                .stream()
                .slice(-256)
                .reduce((a, b, i) => ((a[i] = b), a), new Uint8Array(256)),
            );
            at = 0;
          }
          // The next unused bytes of the current fill: none skipped, none repeated.
          assert.deepEqual(out, poolFills.at(-1)?.subarray(at, at + n) ?? new Uint8Array(0));
          at += n;
        }
      }),
      { numRuns: 200 },
    );
  });

  void it('zeroes the consumed part of the pool at once and returns copies, not views', () => {
    const src = counterSource();
    const pool = new RandomPool(src.fill, 64, 32);
    const a = pool.take(32);
    const buffer = src.fills[0]!;
    assert.equal(buffer.length, 64);
    assert.ok(a.some((b) => b !== 0));
    assert.deepEqual(
      buffer.subarray(0, 32),
      new Uint8Array(32),
      'handed-out bytes must not stay in the pool',
    );
    assert.notEqual(a.buffer, buffer.buffer);
    const b = pool.take(16);
    assert.deepEqual(buffer.subarray(0, 48), new Uint8Array(48));
    a.fill(0xee);
    assert.ok(b.every((x) => x !== 0xee));
  });

  void it('refills when the rest is too short and never fills for an empty request', () => {
    const src = counterSource();
    const pool = new RandomPool(src.fill, 64, 48);
    pool.take(0);
    assert.equal(src.fills.length, 0);
    pool.take(40);
    pool.take(24);
    assert.equal(src.fills.length, 1);
    const c = pool.take(1);
    assert.equal(src.fills.length, 2);
    assert.equal(c[0], 65);
  });

  void it('refuses a maximum request larger than the pool', () => {
    assert.throws(() => new RandomPool(() => undefined, 16, 32), RangeError);
  });
});
