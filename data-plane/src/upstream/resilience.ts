// The contracts between the request paths (HTTP forwarding, TCP proxy) and the upstream layer's
// resilience features: how a request asks for an endpoint (a hash for ring hash, endpoints to avoid
// on a retry), how it reports what happened (for outlier detection), and the circuit breakers it
// must pass. The request paths depend only on these types; the upstream layer implements them.

/** What a request tells the load balancer when it asks for an endpoint. */
export interface PickContext {
  /**
   * The request's hash from the route's hash_policy (ring hash); undefined when the route has
   * none or no policy applied, in which case ring hash picks at random.
   */
  readonly hash?: bigint | undefined;
  /**
   * Addresses (`host:port`) a retry should avoid: the load balancer picks another endpoint when
   * one exists, and one of these only when nothing else is available.
   */
  readonly avoid?: ReadonlySet<string> | undefined;
}

/** How one upstream attempt ended, as outlier detection counts it. */
export type AttemptOutcome =
  /** Response headers arrived, with this status (5xx included: outlier detection counts those). */
  | { readonly kind: "response"; readonly status: number }
  /** The connection could not be made (refused, unreachable, connect timeout). */
  | { readonly kind: "connectFailure" }
  /** The upstream reset the stream or closed the connection before the response ended. */
  | { readonly kind: "reset" }
  /** The attempt's timeout passed (route timeout or per_try_timeout). */
  | { readonly kind: "timeout" }
  /** The downstream went away, or the proxy gave up for its own reasons: not the upstream's fault. */
  | { readonly kind: "cancelled" };

/** The resources circuit breakers count per cluster (Envoy's thresholds at DEFAULT priority). */
export type BreakerResource = "connections" | "pendingRequests" | "requests" | "retries";

/** A slot held against one circuit-breaker resource; release it exactly once. */
export interface BreakerTicket {
  release(): void;
}
