// One LRS report (a LoadStatsRequest's cluster_stats) read as telemetry records: who called (the
// reporting node's service), which service (the cluster), which workload (the endpoint), how many
// calls finished and how many failed, and their latency when the Weft extension carries it. What
// each LRS field means here is written in docs/telemetry.md, "What the control plane reads".
import type { Address } from "../../../proto/gen/envoy/config/core/v3/address.js";
import type {
  ClusterStats,
  EndpointLoadMetricStats,
  UpstreamEndpointStats,
  UpstreamLocalityStats,
} from "../../../proto/gen/envoy/config/endpoint/v3/load_report.js";
import { serviceOfClusterName } from "../mesh/compiler/names.js";
import { edgeKey } from "./edge-key.js";
import type { EdgeStatsRecord } from "./edge-stats.js";
import { LATENCY_LAYOUT, type SparseLatencyHistogram } from "./latency-histogram.js";
import { readLatency } from "./latency-metrics.js";

/** How often LRS clients are asked to report when no interval is given (`--telemetry-interval`). */
export const DEFAULT_REPORTING_INTERVAL_MS = 5_000;

/** At most this many clusters of one report are read; the rest are counted, not read. */
export const MAX_CLUSTERS_PER_REPORT = 1_000;
/** At most this many locality and endpoint entries of one cluster are read; a cluster with more is malformed. */
export const MAX_ENTRIES_PER_CLUSTER = 1_000;

export interface LoadReportLimits {
  readonly maxClusters: number;
  readonly maxEntriesPerCluster: number;
}

export const DEFAULT_LOAD_REPORT_LIMITS: LoadReportLimits = {
  maxClusters: MAX_CLUSTERS_PER_REPORT,
  maxEntriesPerCluster: MAX_ENTRIES_PER_CLUSTER,
};

/** A report read into records, and what was left out. */
export interface ReadLoadReport {
  readonly records: EdgeStatsRecord[];
  /** Clusters read. */
  readonly clusters: number;
  /** Clusters not read because they are malformed (see readLoadReport). */
  readonly malformedClusters: number;
  /** Clusters beyond `maxClusters`. */
  readonly clustersOverCap: number;
  /** total_dropped_requests summed: calls the reporter dropped by policy before sending; not telemetry. */
  readonly droppedRequests: number;
}

const EMPTY_HISTOGRAM: SparseLatencyHistogram = { layout: LATENCY_LAYOUT, indices: [], counts: [], sumMs: 0 };

/** One locality or endpoint entry's counts, before they become records. */
interface Counted {
  readonly successful: number;
  readonly errors: number;
  readonly latency: SparseLatencyHistogram | undefined;
  readonly workload: string | undefined;
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** The `HOST:PORT` of an endpoint's socket address (IPv6 in brackets), or undefined without one. */
function workloadOf(address: Address | undefined): string | undefined {
  const socket = address?.socketAddress;
  if (socket === undefined || socket.address === "") return undefined;
  const host = socket.address.includes(":") ? `[${socket.address}]` : socket.address;
  return socket.portValue === undefined || socket.portValue === 0 ? host : `${host}:${socket.portValue}`;
}

/** An entry's counts, or undefined when a count is not a safe integer or its latency is malformed. */
function counted(
  entry: {
    readonly totalSuccessfulRequests: number;
    readonly totalErrorRequests: number;
    readonly loadMetricStats: readonly EndpointLoadMetricStats[];
  },
  workload: string | undefined,
): Counted | undefined {
  const { totalSuccessfulRequests: successful, totalErrorRequests: errors } = entry;
  if (!isCount(successful) || !isCount(errors) || !isCount(successful + errors)) return undefined;
  const latency = readLatency(entry.loadMetricStats);
  if (latency.kind === "malformed") return undefined;
  return { successful, errors, latency: latency.kind === "histogram" ? latency.histogram : undefined, workload };
}

interface Entry {
  readonly stats: UpstreamLocalityStats | UpstreamEndpointStats;
  readonly workload: string | undefined;
}

/**
 * The entries to count for one locality: its endpoints when it reports per endpoint (the locality's
 * own totals are their sum, so counting both would count every call twice), else the locality.
 */
function entriesOf(locality: UpstreamLocalityStats): Entry[] {
  if (locality.upstreamEndpointStats.length === 0) return [{ stats: locality, workload: undefined }];
  return locality.upstreamEndpointStats.map((endpoint) => ({
    stats: endpoint,
    workload: workloadOf(endpoint.address),
  }));
}

/** The records of one cluster, or undefined when any of its entries is malformed (the cluster is not read). */
function clusterRecords(source: string, stats: ClusterStats, limits: LoadReportLimits): EdgeStatsRecord[] | undefined {
  if (stats.clusterName === "" || !isCount(stats.totalDroppedRequests)) return undefined;
  const destination = serviceOfClusterName(stats.clusterName)?.service ?? stats.clusterName;
  const entries = stats.upstreamLocalityStats.flatMap(entriesOf);
  if (entries.length > limits.maxEntriesPerCluster) return undefined;
  const records: EdgeStatsRecord[] = [];
  for (const entry of entries) {
    const counts = counted(entry.stats, entry.workload);
    if (counts === undefined) return undefined;
    const edge = edgeKey(source, destination, counts.workload);
    // LRS tells only finished-without-error from error: the first is counted as 2xx, the second as
    // 5xx (a failure class). The latency histogram covers both, so it goes on the first record.
    let latency = counts.latency;
    if (counts.successful > 0 || (latency !== undefined && counts.errors === 0)) {
      records.push(record(edge, "2xx", counts.successful, latency ?? EMPTY_HISTOGRAM));
      latency = undefined;
    }
    if (counts.errors > 0) records.push(record(edge, "5xx", counts.errors, latency ?? EMPTY_HISTOGRAM));
  }
  return records;
}

function record(
  edge: EdgeStatsRecord["edge"],
  responseClass: "2xx" | "5xx",
  requests: number,
  latency: SparseLatencyHistogram,
): EdgeStatsRecord {
  return {
    edge,
    responseClass,
    requests,
    failures: responseClass === "5xx" ? requests : 0,
    bytesSent: 0,
    bytesReceived: 0,
    latency,
  };
}

/**
 * Reads a report sent by a node of service `source`. A cluster is malformed, and none of it is
 * read, when its name is empty, a count is not a non-negative safe integer, it has more than
 * `maxEntriesPerCluster` locality and endpoint entries, or an entry's latency extension is
 * malformed (latency-metrics.ts). Never throws.
 */
export function readLoadReport(
  source: string,
  clusterStats: readonly ClusterStats[],
  limits: LoadReportLimits = DEFAULT_LOAD_REPORT_LIMITS,
): ReadLoadReport {
  const records: EdgeStatsRecord[] = [];
  let clusters = 0;
  let malformedClusters = 0;
  let droppedRequests = 0;
  const read = clusterStats.slice(0, limits.maxClusters);
  for (const stats of read) {
    const clusterRecordsRead = clusterRecords(source, stats, limits);
    if (clusterRecordsRead === undefined) {
      malformedClusters += 1;
      continue;
    }
    clusters += 1;
    droppedRequests += stats.totalDroppedRequests;
    records.push(...clusterRecordsRead);
  }
  return {
    records,
    clusters,
    malformedClusters,
    clustersOverCap: clusterStats.length - read.length,
    droppedRequests,
  };
}
