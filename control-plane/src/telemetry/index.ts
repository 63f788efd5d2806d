// Mesh telemetry's pure core: what reporters send (edge stats with a mergeable latency histogram) and
// the in-memory rolling windows the control plane reads rates, success and latency from. Nothing here
// does I/O; the load-reporting server, `weft top`, `weft graph` and `/metrics` are built on it.
export {
  type EdgeKey,
  edgeKey,
  isFailureClass,
  RESPONSE_CLASSES,
  type ResponseClass,
  UNKNOWN_SERVICE,
} from "./edge-key.js";
export { EdgeStats, type EdgeStatsRecord, fromRecord, type Series, toRecord } from "./edge-stats.js";
export {
  ALPHA as LATENCY_RELATIVE_ERROR,
  LATENCY_LAYOUT,
  LatencyHistogram,
  type SparseLatencyHistogram,
} from "./latency-histogram.js";
export {
  DEFAULT_MAX_EDGES,
  type DroppedCounts,
  type EntryOutcome,
  type RestoreOutcome,
  SLOT_MS,
  TelemetryAggregator,
  type TelemetryAggregatorOptions,
  type TelemetrySnapshot,
  WINDOWS,
  type WindowName,
} from "./rolling-windows.js";
export type { EdgeSummary, ServiceSummary, TrafficSummary } from "./window-summary.js";
