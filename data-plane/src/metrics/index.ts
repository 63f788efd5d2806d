// The proxy's metrics: what the admin server's /stats/prometheus serves.
export { ProxyMetrics, type ProxyMetricsOptions } from "./proxy-metrics.js";
export { STATUS_CLASSES, type StatusClass, statusClassIndex } from "./status-class.js";
export {
  type BreakerOpenCounts,
  TrafficResilienceMetrics,
  type TrafficResilienceMetricsOptions,
} from "./traffic-resilience-metrics.js";
export { xdsTypeName } from "./xds-type.js";
