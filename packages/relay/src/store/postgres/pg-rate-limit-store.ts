// The rate-limit port on PostgreSQL: token buckets in rate_limit_bucket (migration 002), shared by every
// relay node on the database, so N nodes refuse at the same total as one (issue 8). Each hit is ONE
// statement — INSERT … ON CONFLICT DO UPDATE … RETURNING — which PostgreSQL runs under the row lock,
// so concurrent hits from any node serialise on the bucket and never both take the last token. The
// arithmetic is the in-memory TokenBucket's (refill since the last hit, capped; take 1 if ≥ 1), with
// the caller's clock, so the two adapters pass one conformance suite.
import type { RateLimitStore, RateLimiter } from '../../rate-limit-port.js';
import type { PgHandle } from './pg-handle.js';

/** Rows deleted per sweep statement (the sweep repeats until fewer come back). */
const SWEEP_BATCH = 1000;
/** How often each node sweeps refilled buckets. */
const SWEEP_EVERY_MS = 60_000;

// $1 scope, $2 key, $3 capacity, $4 now (ms), $5 refill per ms. `b` is the row before this hit.
const REFILLED = 'least($3::float8, b.tokens + greatest(0, $4::bigint - b.updated_at)::float8 * $5::float8)';
const GRANTED = `(${REFILLED} >= 1)`;
const AFTER = `(${REFILLED} - CASE WHEN ${GRANTED} THEN 1 ELSE 0 END)`;
const STAMP = 'greatest(b.updated_at, $4::bigint)';
const HIT_SQL = `
INSERT INTO rate_limit_bucket AS b (scope, key, tokens, updated_at, full_at, granted)
VALUES ($1, $2, $3::float8 - 1, $4::bigint, $4::bigint + ceil(1 / $5::float8)::bigint, true)
ON CONFLICT (scope, key) DO UPDATE SET
  tokens     = ${AFTER},
  granted    = ${GRANTED},
  updated_at = ${STAMP},
  full_at    = ${STAMP} + ceil(($3::float8 - ${AFTER}) / $5::float8)::bigint
RETURNING granted`;

const SWEEP_SQL = `
DELETE FROM rate_limit_bucket WHERE ctid = ANY (ARRAY(
  SELECT ctid FROM rate_limit_bucket WHERE full_at <= $1 LIMIT ${SWEEP_BATCH}))
RETURNING 1 AS gone`;

/** The port, plus `stop()` for the store's close (ends the sweep timer). */
export interface PgRateLimitStore extends RateLimitStore {
  stop(): void;
}

export function pgRateLimitStore(h: PgHandle, sweepEveryMs = SWEEP_EVERY_MS): PgRateLimitStore {
  let clock: () => number = Date.now;
  const sweep = async (now: number): Promise<number> => {
    let total = 0;
    for (;;) {
      const gone = (await h.query(SWEEP_SQL, [now])).length;
      total += gone;
      if (gone < SWEEP_BATCH) return total;
    }
  };
  // Rows of refilled buckets go within a minute whether or not claims keep coming (they name who
  // claimed recently; keep them no longer than the limit needs). A failed sweep is retried next time.
  const timer = setInterval(() => {
    if (!h.isClosed) sweep(clock()).catch(() => undefined);
  }, sweepEveryMs);
  timer.unref();
  return {
    limiter(scope: string, perMinute: number, now: () => number): RateLimiter {
      clock = now;
      const refillPerMs = perMinute / 60_000;
      return {
        async take(key) {
          const rows = await h.query<{ granted: boolean }>(HIT_SQL, [
            scope,
            key,
            perMinute,
            now(),
            refillPerMs,
          ]);
          return rows[0]?.granted === true;
        },
      };
    },
    sweep,
    stop: () => clearInterval(timer),
  };
}
