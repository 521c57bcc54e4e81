// Small statistics helpers for the benchmark (medians, percentiles, spread per ../../shared/BENCH.md).

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100) of an unsorted sample; NaN for an empty one. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  if (p === 50 && sorted.length % 2 === 0) {
    return (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  }
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** (max - min) / median: how noisy the rounds were. */
export function spread(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return (Math.max(...xs) - Math.min(...xs)) / median(xs);
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
