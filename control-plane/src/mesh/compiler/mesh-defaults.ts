// The mesh's defaults (docs/mesh.md, "Mesh defaults"): what every compiled cluster and route gets
// unless a DestinationRule or a route rule says otherwise.
import type { EnvoyJson } from "./compiled-resource.js";

/** A connection to an endpoint that takes longer has failed, and the retry tries another. */
export const DEFAULT_CONNECT_TIMEOUT = "2s";

/** Istio's default balancer. */
export const DEFAULT_LB_POLICY = "LEAST_REQUEST";

/**
 * Istio's default retries: the request never reached the app (connect failure, refused stream)
 * or gRPC said UNAVAILABLE; 2 retries after the first attempt.
 */
export const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable";
export const DEFAULT_RETRIES = 2;

/**
 * What a rule that asks for retries (`retry`, Gateway API's GEP-1731) retries besides its
 * `codes`: the defaults plus connection errors, a connection dropped or reset before the answer
 * (Gateway API's HTTPRouteRetryConnectionError), as when an instance is killed with requests in
 * flight. Not in the default: the app may have received such a request, and only the rule's
 * author knows it is safe to send again.
 */
export const RULE_RETRY_ON = `${DEFAULT_RETRY_ON},reset`;

/**
 * A route's timeout when its rule sets none: none at all, as in Istio, so long streams (gRPC
 * server streams, downloads) are not cut at Envoy's 15 s.
 */
export const DEFAULT_ROUTE_TIMEOUT = "0s";

/**
 * Outlier detection on: an endpoint that fails 5 times in a row at the gateway level (502, 503,
 * 504, connection failures) leaves the balancer for 15 s (times its ejections), at most half of a
 * Service's endpoints at once and always at least one. Application 5xx do not eject, and
 * neither does a low success rate: `enforcing_success_rate` is 0 in so many words, because
 * Envoy and gRPC clients turn success-rate ejection on when it is absent (and grpc-js 1.14, given
 * it without its minimum hosts, fails its first check while no endpoint has seen enough requests).
 */
export function defaultOutlierDetection(): EnvoyJson {
  return {
    consecutiveGatewayFailure: 5,
    enforcingConsecutiveGatewayFailure: 100,
    enforcingConsecutive5xx: 0,
    enforcingSuccessRate: 0,
    interval: "5s",
    baseEjectionTime: "15s",
    maxEjectionPercent: 50,
    alwaysEjectOneHost: true,
  };
}

/**
 * Circuit breaker thresholds when a DestinationRule sets none: none in effect (2^32-1 each), as
 * Istio generates them. Envoy's own defaults (1024 connections, pending and active requests, 3
 * retries in flight) would fail requests of a busy Service, and with 3 retries in flight per
 * cluster a crashed instance failing several requests at once leaves one unretried.
 */
export const DEFAULT_CIRCUIT_BREAKER_THRESHOLDS: Readonly<EnvoyJson> = {
  maxConnections: 4294967295,
  maxPendingRequests: 4294967295,
  maxRequests: 4294967295,
  maxRetries: 4294967295,
};

/** The default retry policy of a route. */
export function defaultRetryPolicy(): EnvoyJson {
  return { retryOn: DEFAULT_RETRY_ON, numRetries: DEFAULT_RETRIES };
}
