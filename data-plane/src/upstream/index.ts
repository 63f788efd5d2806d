// The upstream layer's public surface: clusters, their endpoints, and the pools that reach them.

export { registerBuiltinLoadBalancers } from "./balancers/builtin.js";
export { BREAKER_RESOURCES, CircuitBreaker } from "./circuit-breaker.js";
export {
  ClusterManager,
  type ClusterManagerOptions,
  type ClusterView,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  type EndpointView,
} from "./cluster-manager.js";
export type { DnsLogger, DnsLookup, LookupAddress } from "./dns/dns-resolution.js";
export {
  type ClusterHosts,
  type HostChange,
  type HostCondition,
  type HostHealthFlag,
  type HostLocality,
  type HostMonitor,
  type HostMonitorFactory,
  HostState,
} from "./host.js";
export {
  createLoadBalancer,
  type LoadBalancer,
  type LoadBalancerContext,
  type LoadBalancerFactory,
  registerLoadBalancer,
} from "./load-balancer.js";
export type { HostSource, PrioritySet } from "./priority-set.js";
export type { AttemptOutcome, BreakerResource, BreakerTicket, PickContext } from "./resilience.js";
export { endpointAddress } from "./upstream.js";
