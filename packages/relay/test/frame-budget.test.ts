// The budget of WebSocket frame bytes in progress across connections: who is cut when it is exceeded.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameBudget } from '../src/ws/frame-budget.js';

void describe('FrameBudget', () => {
  void it('cuts the connections holding the most until a quarter of the budget is free, and no others', () => {
    const b = new FrameBudget(1000);
    const cut: string[] = [];
    const big1 = b.meter(() => cut.push('big1'));
    const big2 = b.meter(() => cut.push('big2'));
    const small = b.meter(() => cut.push('small'));
    small.received(50);
    big1.received(450);
    big2.received(400);
    assert.deepEqual(cut, []);
    assert.equal(b.inProgress, 900);
    big2.received(200); // 1100 > 1000: cut big2 (600), leaving 500 ≤ 750
    assert.deepEqual(cut, ['big2']);
    assert.equal(b.inProgress, 500);
    assert.equal(big2.pending, 0);
  });

  void it('frees a connection share when its frame completes', () => {
    const b = new FrameBudget(1000);
    const m = b.meter(() => assert.fail('not cut'));
    for (let i = 0; i < 100; i++) {
      m.received(900);
      m.complete();
    }
    assert.equal(b.inProgress, 0);
  });

  void it('never holds more than the budget after any sequence of reads and completions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(7), fc.oneof(fc.nat(500), fc.constant(-1))), { maxLength: 200 }),
        (steps) => {
          const b = new FrameBudget(1000);
          const cut = new Set<number>();
          const meters = Array.from({ length: 8 }, (_, i) => b.meter(() => cut.add(i)));
          for (const [i, n] of steps) {
            if (n < 0) meters[i]!.complete();
            else meters[i]!.received(n);
            assert.ok(b.inProgress <= 1000, `in progress ${b.inProgress}`);
            assert.equal(
              b.inProgress,
              meters.reduce((s, m) => s + m.pending, 0),
            );
          }
        },
      ),
    );
  });
});
