// Circuit breakers on the HTTP path: the slots one upstream attempt holds, and the answer to a
// request a breaker refused: 503 at once, flagged UO, with Envoy's `x-envoy-overloaded: true`,
// and the overflow reported to the observer for the metrics.
import { type RequestObserver, ResponseFlag } from "../observer/request-observer.js";
import type { CircuitBreaker } from "../upstream/circuit-breaker.js";
import type { BreakerResource, BreakerTicket } from "../upstream/resilience.js";
import type { Exchange } from "./exchange.js";

export function overflowReply(
  exchange: Exchange,
  observer: RequestObserver,
  cluster: string,
  resource: BreakerResource,
): void {
  observer.overflowed?.(cluster, resource);
  exchange.localReply(
    503,
    "upstream connect error or disconnect/reset before headers. reset reason: overflow",
    ResponseFlag.upstreamOverflow,
    undefined,
    ["x-envoy-overloaded", "true"],
  );
}

/** The slots an upstream attempt holds until it ends: a request, pending until it is connected. */
export interface AttemptSlots {
  readonly request: BreakerTicket | undefined;
  readonly pending: BreakerTicket | undefined;
}

const NO_SLOTS: AttemptSlots = { request: undefined, pending: undefined };

/**
 * Takes a `requests` and a `pendingRequests` slot for one attempt (none without a breaker), or
 * names the resource that overflowed, holding nothing then.
 */
export function takeAttemptSlots(breaker: CircuitBreaker | undefined): AttemptSlots | BreakerResource {
  if (breaker === undefined) return NO_SLOTS;
  const request = breaker.tryAcquire("requests");
  if (request === undefined) return "requests";
  const pending = breaker.tryAcquire("pendingRequests");
  if (pending === undefined) {
    request.release();
    return "pendingRequests";
  }
  return { request, pending };
}
