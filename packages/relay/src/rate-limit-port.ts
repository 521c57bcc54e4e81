// The rate-limit port: named token buckets ("N per minute, bursts up to N") keyed by a string. One
// node keeps them in memory (rate-limit.ts); several nodes on one PostgreSQL share them in a table
// (store/postgres/pg-rate-limit-store.ts), so a limit holds for the cluster, not per node (issue 8).

/** One limit, e.g. bundle claims per target account. */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket; false when it is empty (the caller refuses the request). */
  take(key: string): Promise<boolean>;
}

/** Where buckets live. */
export interface RateLimitStore {
  /**
   * The limiter for `scope` (a stable name, unique per limit) allowing `perMinute` hits per key per
   * minute, bursts up to `perMinute`; `now` is the clock in ms (injectable for tests).
   */
  limiter(scope: string, perMinute: number, now: () => number): RateLimiter;
  /** Forgets buckets that have refilled completely (they say nothing an absent bucket does not). */
  sweep(now: number): Promise<number>;
}
