// One conformance suite for every adapter of the rate-limit port (rate-limit-port.ts): the in-memory
// one and the PostgreSQL one must refuse at the same counts under the same clock, and the shared one
// must hold its limit across "nodes" (separate store instances on one database).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { RateLimitStore } from '../../src/rate-limit-port.js';

export interface RateLimitHarness {
  /** This node's store. */
  readonly store: RateLimitStore;
  /** Another node's store sharing the buckets (the in-memory adapter: the same store). */
  readonly peer: RateLimitStore;
  cleanup(): Promise<void>;
}

/** A clock tests move by hand. */
function manualClock(start = 1_800_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) };
}

async function takeN(take: () => Promise<boolean>, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(await take());
  return out;
}

const granted = (xs: boolean[]) => xs.filter(Boolean).length;

export function runRateLimitConformance(name: string, open: () => Promise<RateLimitHarness>): void {
  const withHarness = (fn: (h: RateLimitHarness) => Promise<void>) => async () => {
    const h = await open();
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  };

  void describe(`rate-limit port conformance: ${name}`, () => {
    void it(
      'grants a full burst of perMinute, then refuses',
      withHarness(async ({ store }) => {
        const clock = manualClock();
        const l = store.limiter('claims-target', 5, clock.now);
        assert.deepEqual(await takeN(() => l.take('acct-a'), 7), [
          true,
          true,
          true,
          true,
          true,
          false,
          false,
        ]);
      }),
    );

    void it(
      'refills at perMinute/60 s: one token after 12.5 s at 5/min, none after 11.5 s, never above the burst',
      withHarness(async ({ store }) => {
        const clock = manualClock();
        const l = store.limiter('claims-target', 5, clock.now);
        assert.equal(granted(await takeN(() => l.take('k'), 5)), 5);
        clock.advance(11_500);
        assert.equal(await l.take('k'), false, '0.96 of a token is not a token');
        clock.advance(1_000); // 12.5 s since empty: 1.04 tokens, the refused hit took nothing
        assert.deepEqual(await takeN(() => l.take('k'), 2), [true, false]);
        clock.advance(10 * 60_000);
        assert.equal(granted(await takeN(() => l.take('k'), 8)), 5, 'capped at the burst size');
      }),
    );

    void it(
      'keeps keys and scopes apart',
      withHarness(async ({ store }) => {
        const clock = manualClock();
        const target = store.limiter('claims-target', 3, clock.now);
        const requester = store.limiter('claims-requester', 2, clock.now);
        assert.equal(granted(await takeN(() => target.take('x'), 5)), 3);
        assert.equal(granted(await takeN(() => target.take('y'), 5)), 3);
        assert.equal(granted(await takeN(() => requester.take('x'), 5)), 2);
      }),
    );

    void it(
      'does not refill, or fail, when the clock steps backwards',
      withHarness(async ({ store }) => {
        const clock = manualClock();
        const l = store.limiter('claims-target', 2, clock.now);
        assert.equal(granted(await takeN(() => l.take('k'), 3)), 2);
        clock.advance(-3_600_000);
        assert.equal(await l.take('k'), false);
      }),
    );

    void it(
      'grants exactly perMinute of many concurrent hits spread over two nodes',
      withHarness(async ({ store, peer }) => {
        const clock = manualClock();
        const a = store.limiter('claims-target', 7, clock.now);
        const b = peer.limiter('claims-target', 7, clock.now);
        const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take('victim')));
        assert.equal(granted(hits), 7);
        assert.equal(await b.take('victim'), false);
        assert.equal(await a.take('victim'), false);
      }),
    );

    void it(
      'sweeps only buckets that have refilled completely, and a swept key starts full',
      withHarness(async ({ store }) => {
        const clock = manualClock();
        const l = store.limiter('claims-target', 4, clock.now);
        await takeN(() => l.take('p'), 4);
        await takeN(() => l.take('q'), 1);
        assert.equal(await store.sweep(clock.now()), 0, 'nothing has refilled yet');
        clock.advance(15_000); // q is full again (1 token in 15 s at 4/min), p is not
        assert.equal(await store.sweep(clock.now()), 1);
        clock.advance(45_000);
        assert.equal(await store.sweep(clock.now()), 1);
        assert.equal(await store.sweep(clock.now()), 0);
        assert.equal(granted(await takeN(() => l.take('p'), 6)), 4);
      }),
    );
  });
}
