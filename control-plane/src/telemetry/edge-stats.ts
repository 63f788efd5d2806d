// The counts of one series (an edge and a response class) over some span of time, and the plain
// record they travel as: in a reporter's report, in a snapshot. Stats merge by adding, so merging is
// associative and commutative and any grouping of reports or slots gives the same totals.
import { type EdgeKey, edgeKey, isFailureClass, isResponseClass, type ResponseClass } from "./edge-key.js";
import { LatencyHistogram, type SparseLatencyHistogram } from "./latency-histogram.js";

/** One series' counts as plain JSON. Bytes are seen from the source: sent in requests, received in responses. */
export interface EdgeStatsRecord {
  readonly edge: EdgeKey;
  readonly responseClass: ResponseClass;
  readonly requests: number;
  /** At most `requests`; equal to it for the failure classes (edge-key.ts, isFailureClass). */
  readonly failures: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly latency: SparseLatencyHistogram;
}

export class EdgeStats {
  requests = 0;
  failures = 0;
  bytesSent = 0;
  bytesReceived = 0;
  readonly latency = new LatencyHistogram();

  /** Adds `other` into this; `other` is unchanged. */
  merge(other: EdgeStats): void {
    this.requests += other.requests;
    this.failures += other.failures;
    this.bytesSent += other.bytesSent;
    this.bytesReceived += other.bytesReceived;
    this.latency.merge(other.latency);
  }

  clone(): EdgeStats {
    const copy = new EdgeStats();
    copy.merge(this);
    return copy;
  }
}

/** One series: what it counts and its stats. The aggregator owns the stats; readers get clones. */
export interface Series {
  readonly edge: EdgeKey;
  readonly responseClass: ResponseClass;
  readonly stats: EdgeStats;
}

export function toRecord(series: Series): EdgeStatsRecord {
  const { edge, responseClass, stats } = series;
  return {
    edge,
    responseClass,
    requests: stats.requests,
    failures: stats.failures,
    bytesSent: stats.bytesSent,
    bytesReceived: stats.bytesReceived,
    latency: stats.latency.toSparse(),
  };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/**
 * Reads a record into a series, or undefined if it is not one: names missing or empty, an unknown
 * class, counts that are not non-negative safe integers, more failures than requests, a histogram
 * that does not decode (latency-histogram.ts). A failure class has its failures set to its requests.
 */
export function fromRecord(record: EdgeStatsRecord): Series | undefined {
  const { edge, responseClass, requests, failures, bytesSent, bytesReceived } = record;
  if (typeof edge !== "object" || edge === null) return undefined;
  if (!isName(edge.sourceService) || !isName(edge.destinationService)) return undefined;
  if (edge.destinationWorkload !== undefined && !isName(edge.destinationWorkload)) return undefined;
  if (!isResponseClass(responseClass)) return undefined;
  if (![requests, failures, bytesSent, bytesReceived].every(isCount) || failures > requests) return undefined;
  if (typeof record.latency !== "object" || record.latency === null) return undefined;
  const latency = LatencyHistogram.fromSparse(record.latency);
  if (latency === undefined) return undefined;
  const stats = new EdgeStats();
  stats.requests = requests;
  stats.failures = isFailureClass(responseClass) ? requests : failures;
  stats.bytesSent = bytesSent;
  stats.bytesReceived = bytesReceived;
  stats.latency.merge(latency);
  return {
    edge: edgeKey(edge.sourceService, edge.destinationService, edge.destinationWorkload),
    responseClass,
    stats,
  };
}
