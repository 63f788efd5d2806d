// The upstream layer's public surface: clusters, their endpoints, and the pools that reach them.

export { BREAKER_RESOURCES, CircuitBreaker } from "./circuit-breaker.js";
export {
  ClusterManager,
  type ClusterManagerOptions,
  type ClusterView,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  type EndpointView,
} from "./cluster-manager.js";
export type { AttemptOutcome, BreakerResource, BreakerTicket, PickContext } from "./resilience.js";
export { endpointAddress, Upstream } from "./upstream.js";
