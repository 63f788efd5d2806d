// The proxy's config layer: received xDS resources → validated, frozen runtime objects, or a
// ConfigError whose message is the NACK's error_detail.

export {
  buildCircuitBreakers,
  DEFAULT_CIRCUIT_BREAKERS,
  type RuntimeCircuitBreakers,
} from "./circuit-breakers.js";
export { buildCluster, DEFAULT_CONNECT_TIMEOUT_MS, type RuntimeCluster } from "./cluster.js";
export {
  buildConfigSet,
  type ConfigSet,
  type ConfigSetResult,
  type ReceivedResource,
  type RuntimeOf,
} from "./config-set.js";
export { DEFAULT_DNS_REFRESH_RATE_MS, type DnsLookupFamily, type RuntimeDns } from "./dns.js";
export {
  buildEndpoints,
  DEFAULT_OVERPROVISIONING_FACTOR,
  type EndpointHealth,
  type RuntimeEndpoint,
  type RuntimeEndpoints,
  type RuntimeLocality,
} from "./endpoints.js";
export { ConfigError, ConfigErrorCode, type ResourceKind } from "./errors.js";
export {
  buildHealthChecks,
  type RuntimeHealthCheck,
  type RuntimeHttpHealthCheck,
  type StatusRange,
  statusIn,
} from "./health-check.js";
export {
  buildListener,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  DEFAULT_TCP_IDLE_TIMEOUT_MS,
  type RuntimeDownstreamTransport,
  type RuntimeHttp,
  type RuntimeListener,
  type RuntimeTcp,
  type RuntimeWeightedCluster,
} from "./listener.js";
export {
  DEFAULT_LOAD_BALANCING,
  type LbPolicyName,
  MAX_RING_SIZE,
  type RuntimeLoadBalancing,
} from "./load-balancing.js";
export {
  buildOutlierDetection,
  type ConsecutiveDetection,
  OUTLIER_DEFAULTS,
  type RuntimeOutlierDetection,
} from "./outlier-detection.js";
export { buildRouteConfig, type RuntimeRouteConfig } from "./route-config.js";
export {
  buildSecret,
  buildTransportSocket,
  type RuntimeCertificate,
  type RuntimeDataSource,
  type RuntimeSanMatcher,
  type RuntimeSecret,
  type RuntimeTls,
  type RuntimeValidation,
  type SanType,
  secretNamesOf,
  TLS_TRANSPORT_SOCKET,
} from "./tls.js";
