// Weft's latency extension of an LRS load report (docs/telemetry.md, "Latency"): a latency
// histogram carried in `load_metric_stats`, the list of named metrics an LRS report already has.
// LRS metrics are (name, calls that finished with it, sum of its values), so a distribution is
// written as one metric per occupied bucket of the fixed layout plus one metric with the exact sum:
//
//   weft.latency_ms                    calls timed; total_metric_value = their latencies summed (ms)
//   weft.latency_ms.<LAYOUT>.<INDEX>   calls whose latency fell in bucket INDEX of LAYOUT; each such
//                                      call reports the value 1, so total_metric_value = the count
//
// A reader that knows nothing of Weft still reads `weft.latency_ms` as LRS means it (a mean
// latency). The layout is part of each bucket's name, so buckets of another layout are never
// mixed in: they are not read, and without buckets there is no distribution.
import { LATENCY_LAYOUT, LatencyHistogram, type SparseLatencyHistogram } from "./latency-histogram.js";

/** The metric holding the number of calls timed and the sum of their latencies in ms. */
export const LATENCY_SUM_METRIC = "weft.latency_ms";
/** The prefix of the bucket metrics of the current layout; the bucket index follows it. */
export const LATENCY_BUCKET_PREFIX = `${LATENCY_SUM_METRIC}.${LATENCY_LAYOUT}.`;

/** One LRS named metric, in the generated message's field names. */
export interface LoadMetric {
  readonly metricName: string;
  readonly numRequestsFinishedWithMetric: number;
  readonly totalMetricValue: number;
}

/** A histogram read from a report; `none` when the report carries no distribution. */
export type LatencyReading =
  | { readonly kind: "histogram"; readonly histogram: SparseLatencyHistogram }
  | { readonly kind: "none" }
  | { readonly kind: "malformed" };

/** The metrics that carry `histogram` (empty for an empty histogram). */
export function latencyMetrics(histogram: SparseLatencyHistogram): LoadMetric[] {
  if (histogram.indices.length === 0) return [];
  const metrics: LoadMetric[] = [];
  let count = 0;
  for (let i = 0; i < histogram.indices.length; i++) {
    const bucketCount = histogram.counts[i] ?? 0;
    count += bucketCount;
    metrics.push({
      metricName: `${LATENCY_BUCKET_PREFIX}${histogram.indices[i]}`,
      numRequestsFinishedWithMetric: bucketCount,
      totalMetricValue: bucketCount,
    });
  }
  metrics.unshift({
    metricName: LATENCY_SUM_METRIC,
    numRequestsFinishedWithMetric: count,
    totalMetricValue: histogram.sumMs,
  });
  return metrics;
}

/**
 * The histogram `metrics` carry. Other metrics are ignored (a reporter may send its own). None
 * without bucket metrics. Malformed: a bucket index that is not a decimal integer or appears
 * twice, a count that is not a safe integer, bucket metrics without the sum metric or with a sum
 * metric counting other calls than the buckets do, or a histogram the layout refuses
 * (latency-histogram.ts, fromSparse). Never throws: reports come from other processes.
 */
export function readLatency(metrics: readonly LoadMetric[]): LatencyReading {
  const buckets = new Map<number, number>();
  let sum: LoadMetric | undefined;
  for (const metric of metrics) {
    if (metric.metricName === LATENCY_SUM_METRIC) {
      if (sum !== undefined) return { kind: "malformed" };
      sum = metric;
      continue;
    }
    if (!metric.metricName.startsWith(LATENCY_BUCKET_PREFIX)) continue;
    const indexText = metric.metricName.slice(LATENCY_BUCKET_PREFIX.length);
    if (!/^(0|[1-9][0-9]{0,5})$/.test(indexText)) return { kind: "malformed" };
    const index = Number(indexText);
    const count = metric.numRequestsFinishedWithMetric;
    if (buckets.has(index) || !Number.isSafeInteger(count) || count < 0) return { kind: "malformed" };
    if (count > 0) buckets.set(index, count);
  }
  if (buckets.size === 0) return { kind: "none" };
  if (sum === undefined) return { kind: "malformed" };
  const indices = [...buckets.keys()].sort((a, b) => a - b);
  const counts = indices.map((index) => buckets.get(index) ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  if (sum.numRequestsFinishedWithMetric !== total) return { kind: "malformed" };
  const histogram: SparseLatencyHistogram = { layout: LATENCY_LAYOUT, indices, counts, sumMs: sum.totalMetricValue };
  return LatencyHistogram.fromSparse(histogram) === undefined
    ? { kind: "malformed" }
    : { kind: "histogram", histogram };
}
