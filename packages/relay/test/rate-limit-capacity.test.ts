// A keyed rate limiter at its key capacity (claims per target / per requester, lookups, registrations
// per address): a client who makes up keys must not get every other client's new key refused, nor be
// able to have his own empty bucket forgotten while he keeps hitting it.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { KeyedRateLimiter, memoryRateLimits } from '../src/rate-limit.js';
import { TestClock } from './helpers/harness.js';

void describe('KeyedRateLimiter at capacity', () => {
  void it('grants a new key when every slot is taken by an empty bucket (evicting one)', () => {
    const clock = new TestClock();
    const l = new KeyedRateLimiter(1, clock.now, 3);
    for (const k of ['a', 'b', 'c']) assert.equal(l.take(k), true);
    assert.equal(l.take('d'), true, 'a new key is not refused for lack of room');
    assert.equal(l.size, 3, 'still at most maxKeys buckets');
  });

  void it('forgets the least recently used bucket, not the one its client keeps hitting', () => {
    const clock = new TestClock();
    const l = new KeyedRateLimiter(1, clock.now, 3);
    assert.equal(l.take('x'), true); // x's bucket is empty from here on (frozen clock)
    assert.equal(l.take('a'), true);
    assert.equal(l.take('b'), true);
    assert.equal(l.take('x'), false); // x keeps trying: the most recently used now
    assert.equal(l.take('c'), true); // makes room: 'a' goes
    assert.equal(l.take('x'), false, "x's empty bucket was kept");
    assert.equal(l.take('d'), true); // 'b' goes
    assert.equal(l.take('x'), false, "x's empty bucket was kept again");
    assert.equal(l.take('a'), true, "'a' was forgotten: a fresh bucket");
  });

  void it('drops refilled buckets first, even before the least recently used one', () => {
    const clock = new TestClock();
    const l = new KeyedRateLimiter(2, clock.now, 3);
    assert.equal(l.take('busy'), true);
    assert.equal(l.take('busy'), true); // empty: a minute to refill
    assert.equal(l.take('old'), true); // one of two tokens: refilled after 30 s
    clock.advance(30_000); // old is full again, busy has one token
    assert.equal(l.take('late'), true);
    assert.equal(l.take('new'), true); // at capacity: 'old' (refilled) goes, not 'busy' (least recently used)
    assert.equal(l.size, 3);
    assert.equal(l.take('busy'), true);
    assert.equal(l.take('busy'), false, "busy's bucket was kept (a fresh one would hold two tokens)");
  });

  void it('looks through all buckets at most once a second under a flood of new keys', () => {
    const clock = new TestClock();
    const l = new KeyedRateLimiter(60, clock.now, 100);
    let passes = 0;
    const dropFull = l.dropFull.bind(l);
    l.dropFull = () => {
      passes++;
      return dropFull();
    };
    for (let i = 0; i < 5000; i++) assert.equal(l.take(`k${i}`), true);
    assert.equal(passes, 1, 'one pass for 4900 evictions in the same second');
    clock.advance(1000);
    for (let i = 0; i < 100; i++) assert.equal(l.take(`j${i}`), true);
    assert.equal(passes, 2);
    assert.equal(l.size, 100);
  });

  void it('through the in-memory port: 100,000 made-up keys leave a new target claimable', async () => {
    // The relay's claims-per-target limiter as startRelay makes it (default capacity, 600/min).
    const clock = new TestClock();
    const claims = memoryRateLimits().limiter('claims-target', 600, clock.now);
    for (let i = 0; i < 100_000; i++) await claims.take(`made-up-${i}`);
    assert.equal(await claims.take('a-real-new-target'), true);
  });
});
