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

/** Per-key token buckets ("N per minute, bursts up to N"). */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;
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
    if (!b) {
      if (this.buckets.size >= this.maxKeys) return false; // fail closed under key floods
      b = new TokenBucket(this.perMinute, this.perMinute / 60_000, this.now);
      this.buckets.set(key, b);
    }
    return b.take(n);
  }

  private sweep(): void {
    const t = this.now();
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    this.dropFull();
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
