// Order statistics for benchmark samples.

/** The nearest-rank percentile `q` (0 < q <= 1) of `samples`; NaN for none. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface Summary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

export function summarize(samples: readonly number[]): Summary {
  let max = Number.NaN;
  for (const sample of samples) if (!(sample <= max)) max = sample;
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), max, count: samples.length };
}
