// What `weft top` and `weft graph` show of a window: series grouped by destination service, or by
// edge, into rates, success rates and latency quantiles. Pure: it is handed the window's series and
// the span of time they were collected over.
import { type EdgeKey, edgeId, edgeKey } from "./edge-key.js";
import { EdgeStats, type Series } from "./edge-stats.js";

export interface TrafficSummary {
  readonly requests: number;
  readonly failures: number;
  /** Requests divided by the collected span in seconds; 0 when nothing of the window was collected. */
  readonly requestsPerSecond: number;
  /** 1 - failures / requests; null without requests. */
  readonly successRate: number | null;
  /** Quantiles in ms, within the histogram's error (latency-histogram.ts); null without observations. */
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
}

/** One destination service, over every caller and workload. */
export interface ServiceSummary extends TrafficSummary {
  readonly service: string;
}

/** One edge: source and destination service, and the workload when asked per workload. */
export interface EdgeSummary extends TrafficSummary {
  readonly edge: EdgeKey;
}

function summary(stats: EdgeStats, spanMs: number): TrafficSummary {
  const quantile = (q: number) => stats.latency.quantile(q) ?? null;
  return {
    requests: stats.requests,
    failures: stats.failures,
    requestsPerSecond: spanMs > 0 ? stats.requests / (spanMs / 1000) : 0,
    successRate: stats.requests > 0 ? 1 - stats.failures / stats.requests : null,
    latencyMs: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) },
  };
}

function grouped<K>(series: Iterable<Series>, keyOf: (edge: EdgeKey) => K, idOf: (key: K) => string) {
  const groups = new Map<string, { key: K; stats: EdgeStats }>();
  for (const { edge, stats } of series) {
    const key = keyOf(edge);
    const id = idOf(key);
    let group = groups.get(id);
    if (group === undefined) {
      group = { key, stats: new EdgeStats() };
      groups.set(id, group);
    }
    group.stats.merge(stats);
  }
  return [...groups.values()];
}

/** Most requests first; ties by `name` so the order is stable. */
function byTraffic<T extends TrafficSummary>(rows: T[], name: (row: T) => string): T[] {
  return rows.sort((a, b) => b.requests - a.requests || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}

/** Per destination service, most traffic first. */
export function summariseServices(series: Iterable<Series>, spanMs: number): ServiceSummary[] {
  const rows = grouped(
    series,
    (edge) => edge.destinationService,
    (service) => service,
  ).map(({ key, stats }) => ({ service: key, ...summary(stats, spanMs) }));
  return byTraffic(rows, (row) => row.service);
}

/** Per edge (source -> destination service, and workload if `perWorkload`), most traffic first. */
export function summariseEdges(series: Iterable<Series>, spanMs: number, perWorkload = false): EdgeSummary[] {
  const rows = grouped(
    series,
    (edge) => (perWorkload ? edge : edgeKey(edge.sourceService, edge.destinationService)),
    edgeId,
  ).map(({ key, stats }) => ({ edge: key, ...summary(stats, spanMs) }));
  return byTraffic(rows, (row) => edgeId(row.edge));
}
