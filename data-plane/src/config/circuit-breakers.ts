// Cluster.circuit_breakers → the limits a cluster's circuit breaker enforces. Only the DEFAULT
// priority's thresholds are used: the proxy does not route by priority, so a HIGH entry is
// accepted and ignored, as are per_host_thresholds, track_remaining, max_connection_pools and
// retry_budget (max_retries applies instead). The first DEFAULT entry is the one used.
import type {
  CircuitBreakers,
  CircuitBreakers_Thresholds,
} from "../../../proto/gen/envoy/config/cluster/v3/circuit_breaker.js";
import { RoutingPriority } from "../../../proto/gen/envoy/config/core/v3/base.js";

export interface RuntimeCircuitBreakers {
  /** Connections open to the cluster's endpoints at once. */
  readonly maxConnections: number;
  /** Requests waiting for a connection at once. */
  readonly maxPendingRequests: number;
  /** Requests (HTTP/2 streams included) in flight at once. */
  readonly maxRequests: number;
  /** Retries in flight at once. */
  readonly maxRetries: number;
}

/** Envoy's defaults for a cluster, or a priority, that sets no thresholds. */
export const DEFAULT_CIRCUIT_BREAKERS: RuntimeCircuitBreakers = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
});

export function buildCircuitBreakers(config: CircuitBreakers | undefined): RuntimeCircuitBreakers {
  const thresholds: CircuitBreakers_Thresholds | undefined = config?.thresholds.find(
    (t) => t.priority === RoutingPriority.DEFAULT,
  );
  if (thresholds === undefined) return DEFAULT_CIRCUIT_BREAKERS;
  const d = DEFAULT_CIRCUIT_BREAKERS;
  return Object.freeze({
    maxConnections: thresholds.maxConnections ?? d.maxConnections,
    maxPendingRequests: thresholds.maxPendingRequests ?? d.maxPendingRequests,
    maxRequests: thresholds.maxRequests ?? d.maxRequests,
    maxRetries: thresholds.maxRetries ?? d.maxRetries,
  });
}
