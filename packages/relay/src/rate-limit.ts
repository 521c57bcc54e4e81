// Token buckets: a single bucket (per connection) and a keyed set (per requester / per target) whose
// idle entries are dropped so an attacker cannot grow memory by using many keys; and the in-memory
// adapter of the rate-limit port (one node; the PostgreSQL adapter shares buckets between nodes).
import type { RateLimitStore, RateLimiter } from './rate-limit-port.js';

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
    private readonly now: () => number,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes n tokens if available. */
  take(n = 1): boolean {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.refillPerMs);
      this.last = t;
    }
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** True when the bucket would be full (safe to forget). */
  isFull(): boolean {
    const t = this.now();
    return this.tokens + (t - this.last) * this.refillPerMs >= this.capacity;
  }
}

/** How often, at most, a full keyed limiter looks through all its buckets for refilled ones. */
const CAPACITY_SWEEP_EVERY_MS = 1000;

/**
 * Per-key token buckets ("N per minute, bursts up to N") for at most `maxKeys` keys.
 *
 * At capacity a new key is never refused for lack of room (that would let one client who makes up
 * keys deny every other client's first request: fail closed is a denial of service). Room is made
 * instead, in this order: buckets that have refilled completely are dropped (they say nothing an
 * absent bucket does not; this full pass runs at most once a second, so a flood of new keys does
 * not cost a pass each), then the least recently used bucket goes. Least recently used, not oldest:
 * a client hitting its own empty bucket keeps it the most recent, so he can only have it forgotten
 * (and refilled) by going quiet while `maxKeys` other keys are used — each key a device, an account
 * or an address he must first have, and each use a request charged elsewhere too.
 */
export class KeyedRateLimiter {
  /** In order of last use: the first is the least recently used. */
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;
  private lastCapacitySweep = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {
    this.lastSweep = now();
  }

  take(key: string, n = 1): boolean {
    this.sweep();
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key); // to the end: most recently used
    } else {
      if (this.buckets.size >= this.maxKeys) this.makeRoom();
      b = new TokenBucket(this.perMinute, this.perMinute / 60_000, this.now);
    }
    this.buckets.set(key, b);
    return b.take(n);
  }

  /** How many keys have buckets now. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(): void {
    const t = this.now();
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    this.dropFull();
  }

  /** At capacity: refilled buckets go (at most one pass a second), else the least recently used. */
  private makeRoom(): void {
    const t = this.now();
    if (t - this.lastCapacitySweep >= CAPACITY_SWEEP_EVERY_MS) {
      this.lastCapacitySweep = t;
      if (this.dropFull() > 0) return;
    }
    const lru = this.buckets.keys().next();
    if (!lru.done) this.buckets.delete(lru.value);
  }

  /** Drops every bucket that has refilled completely; returns how many. */
  dropFull(): number {
    let dropped = 0;
    for (const [k, b] of this.buckets) {
      if (b.isFull()) {
        this.buckets.delete(k);
        dropped++;
      }
    }
    return dropped;
  }
}

/** The rate-limit port in this process's memory: right for one node (SQLite), per node otherwise. */
export function memoryRateLimits(): RateLimitStore {
  // One set of buckets per scope, as the shared adapter has: asking twice for a scope gives the same.
  const scopes = new Map<string, KeyedRateLimiter>();
  return {
    limiter(scope: string, perMinute: number, now: () => number): RateLimiter {
      let keyed = scopes.get(scope);
      if (keyed === undefined) {
        keyed = new KeyedRateLimiter(perMinute, now);
        scopes.set(scope, keyed);
      }
      const buckets = keyed;
      return { take: (key) => Promise.resolve(buckets.take(key)) };
    },
    sweep: () => Promise.resolve([...scopes.values()].reduce((n, k) => n + k.dropFull(), 0)),
  };
}
