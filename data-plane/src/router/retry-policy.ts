// A route's retry_policy compiled once into a frozen policy, and the decisions the forwarding path
// asks of it: is this response, this failure, this per-try timeout worth another attempt, and how
// long to wait first. Semantics follow Envoy's router documentation (x-envoy-retry-on and
// x-envoy-retry-grpc-on describe the conditions). The request headers x-envoy-retry-on and
// x-envoy-max-retries are not honoured: only the route configuration decides.
import type { RetryPolicy as RetryPolicyConfig } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";

/** One bit per retry_on condition the proxy acts on. */
export const RetryOn = {
  /** Any 5xx response, and any failure without a response (reset, connect failure, per-try timeout). */
  fiveXx: 1 << 0,
  /** 502, 503 or 504, and any failure without a response, as 5xx. */
  gatewayError: 1 << 1,
  /** The upstream did not respond at all: reset, disconnect, connect failure or per-try timeout. */
  reset: 1 << 2,
  /** The connection could not be made. */
  connectFailure: 1 << 3,
  /** 409 Conflict. */
  retriable4xx: 1 << 4,
  /** An HTTP/2 upstream refused the stream (REFUSED_STREAM). */
  refusedStream: 1 << 5,
  /** A status listed in retriable_status_codes. */
  retriableStatusCodes: 1 << 6,
  /** gRPC requests: grpc-status in the response headers is CANCELLED (1)… */
  grpcCancelled: 1 << 7,
  /** …DEADLINE_EXCEEDED (4)… */
  grpcDeadlineExceeded: 1 << 8,
  /** …INTERNAL (13)… */
  grpcInternal: 1 << 9,
  /** …RESOURCE_EXHAUSTED (8)… */
  grpcResourceExhausted: 1 << 10,
  /** …or UNAVAILABLE (14). */
  grpcUnavailable: 1 << 11,
} as const;

const TOKENS: Readonly<Record<string, number>> = {
  "5xx": RetryOn.fiveXx,
  "gateway-error": RetryOn.gatewayError,
  reset: RetryOn.reset,
  "connect-failure": RetryOn.connectFailure,
  "retriable-4xx": RetryOn.retriable4xx,
  "refused-stream": RetryOn.refusedStream,
  "retriable-status-codes": RetryOn.retriableStatusCodes,
  cancelled: RetryOn.grpcCancelled,
  "deadline-exceeded": RetryOn.grpcDeadlineExceeded,
  internal: RetryOn.grpcInternal,
  "resource-exhausted": RetryOn.grpcResourceExhausted,
  unavailable: RetryOn.grpcUnavailable,
};

/** Envoy's default retry_back_off.base_interval. */
export const DEFAULT_RETRY_BASE_INTERVAL_MS = 25;

/** How a failed attempt ended, as the retry conditions tell failures apart. */
export type AttemptFailure = "connectFailure" | "refusedStream" | "reset" | "perTryTimeout";

const ANY_FAILURE = RetryOn.fiveXx | RetryOn.gatewayError | RetryOn.reset;

export interface RetryPolicy {
  /** The retry_on conditions as RetryOn bits; tokens the proxy does not act on are left out. */
  readonly retryOn: number;
  /** Retries after the first attempt (num_retries; 1 when unset). */
  readonly numRetries: number;
  /** Each attempt's own timeout in milliseconds, within the route timeout; 0 for none. */
  readonly perTryTimeoutMs: number;
  readonly baseIntervalMs: number;
  /** At least baseIntervalMs; 10 × base when unset. */
  readonly maxIntervalMs: number;
  readonly retriableStatusCodes: ReadonlySet<number>;
}

/**
 * The route's retry_policy, else its virtual host's (Envoy uses the virtual host's only when the
 * route has none; the two are not merged). undefined when neither sets one, or when retry_on
 * names nothing the proxy acts on. Unknown retry_on tokens are ignored: the control plane refuses
 * them already, and an older proxy should not fail a newer configuration over one.
 * retriable_headers, retriable_request_headers, per_try_idle_timeout, retry_priority and
 * retry_host_predicate are not acted on (a retry avoids the endpoints already tried regardless).
 */
export function compileRetryPolicy(
  route: RetryPolicyConfig | undefined,
  vhost: RetryPolicyConfig | undefined,
): RetryPolicy | undefined {
  const config = route ?? vhost;
  if (config === undefined) return undefined;
  let retryOn = 0;
  for (const token of config.retryOn.split(",")) retryOn |= TOKENS[token.trim()] ?? 0;
  if (retryOn === 0) return undefined;
  const baseIntervalMs = Math.max(1, durationMs(config.retryBackOff?.baseInterval) ?? DEFAULT_RETRY_BASE_INTERVAL_MS);
  const maxIntervalMs = Math.max(baseIntervalMs, durationMs(config.retryBackOff?.maxInterval) ?? 10 * baseIntervalMs);
  return Object.freeze({
    retryOn,
    numRetries: config.numRetries ?? 1,
    perTryTimeoutMs: durationMs(config.perTryTimeout) ?? 0,
    baseIntervalMs,
    maxIntervalMs,
    retriableStatusCodes: new Set(config.retriableStatusCodes),
  });
}

/**
 * Whether response headers ask for another attempt. `grpcStatus` is the grpc-status carried in
 * the headers of a gRPC request's response (the trailers-only form), else undefined: a status in
 * trailers comes after the headers went downstream, too late to retry.
 */
export function retriableResponse(policy: RetryPolicy, status: number, grpcStatus: number | undefined): boolean {
  const on = policy.retryOn;
  if (status >= 500 && (on & RetryOn.fiveXx) !== 0) return true;
  if ((status === 502 || status === 503 || status === 504) && (on & RetryOn.gatewayError) !== 0) return true;
  if (status === 409 && (on & RetryOn.retriable4xx) !== 0) return true;
  if ((on & RetryOn.retriableStatusCodes) !== 0 && policy.retriableStatusCodes.has(status)) return true;
  switch (grpcStatus) {
    case 1:
      return (on & RetryOn.grpcCancelled) !== 0;
    case 4:
      return (on & RetryOn.grpcDeadlineExceeded) !== 0;
    case 8:
      return (on & RetryOn.grpcResourceExhausted) !== 0;
    case 13:
      return (on & RetryOn.grpcInternal) !== 0;
    case 14:
      return (on & RetryOn.grpcUnavailable) !== 0;
    default:
      return false;
  }
}

/**
 * Whether an attempt that ended without a response asks for another. 5xx, gateway-error and
 * reset take every such failure, a per-try timeout included (Envoy counts it as the upstream not
 * responding); connect-failure and refused-stream take only their own.
 */
export function retriableFailure(policy: RetryPolicy, failure: AttemptFailure): boolean {
  const on = policy.retryOn;
  if ((on & ANY_FAILURE) !== 0) return true;
  if (failure === "connectFailure") return (on & RetryOn.connectFailure) !== 0;
  if (failure === "refusedStream") return (on & RetryOn.refusedStream) !== 0;
  return false;
}

/**
 * The wait before retry number `retry` (1 for the first), Envoy's fully jittered exponential
 * back-off: uniform in [0, min((2^retry − 1) × base, max)), so with a 25 ms base the first retry
 * waits 0–24 ms, the second 0–74 ms, the third 0–174 ms. `random` is uniform in [0, 1).
 */
export function retryBackoffMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min((2 ** Math.min(retry, 30) - 1) * policy.baseIntervalMs, policy.maxIntervalMs);
  return Math.floor(random() * ceiling);
}

function durationMs(value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value.seconds * 1000 + Math.floor(value.nanos / 1_000_000);
}
