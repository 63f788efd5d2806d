// The answer to a request a circuit breaker refused: 503 at once, flagged UO, with Envoy's
// `x-envoy-overloaded: true`, and the overflow reported to the observer for the metrics.
import { type RequestObserver, ResponseFlag } from "../proxy/observer.js";
import type { BreakerResource } from "../upstream/resilience.js";
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
