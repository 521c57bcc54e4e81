/**
 * Exponential backoff with jitter for resubmitting outbox entries: delay = min(max, base·2^n) scaled
 * by a random factor in [0.5, 1) ("equal jitter"), so many clients that lost the relay at once do not
 * come back in lock-step.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000 };

/** Delay before attempt number `attempt` (1 = the first retry). `unit` is uniform in [0, 1). */
export function backoffDelay(attempt: number, unit: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** n);
  const u = Math.min(Math.max(unit, 0), 0.999999);
  return Math.round(ceiling * (0.5 + u / 2));
}
