// The fault filter (Envoy's envoy.filters.http.fault) on the request path: after routing, before
// the router forwards, a request may be delayed and then aborted, each with its share of
// requests. The config is the most specific typed_per_filter_config under the filter's name
// (weighted cluster, route, virtual host, route configuration), else the filter's own; an
// override replaces the filter's config whole, as in Envoy and gRPC.
import { compiledHttpFault, type FaultShare, type RuntimeFault } from "../config/http-fault.js";
import { ResponseFlag as Flag, type ResponseFlag } from "../observer/request-observer.js";
import type { RouteDecision, RouteTable } from "../router/index.js";

/** The timers a delay waits on (injected so tests advance time themselves). */
export interface FaultTimers {
  setTimeout(callback: () => void, ms: number): unknown;
}

/** What the filter needs of a request: whether it is still open, its flags, and a local reply. */
export interface FaultTarget {
  readonly done: boolean;
  flag(flag: ResponseFlag): void;
  localReply(status: number, body: string, flag: ResponseFlag, grpcStatus?: number): void;
}

export interface FaultFilterOptions {
  /** The filter's name in http_filters: the key its per-route overrides are found under. */
  readonly name: string;
  readonly config: RuntimeFault;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly timers: FaultTimers;
}

/** The body (and grpc-message) of an injected abort, as Envoy words it. */
export const FAULT_ABORT_BODY = "fault filter abort";

export class FaultFilter {
  readonly #name: string;
  readonly #config: RuntimeFault;
  readonly #random: () => number;
  readonly #timers: FaultTimers;
  /** Requests in an injected delay now; max_active_faults counts them. */
  #active = 0;

  constructor(options: FaultFilterOptions) {
    this.#name = options.name;
    this.#config = options.config;
    this.#random = options.random;
    this.#timers = options.timers;
  }

  get active(): number {
    return this.#active;
  }

  /** The fault config for a routed request. */
  configFor(table: RouteTable | undefined, decision: RouteDecision): RuntimeFault {
    const name = this.#name;
    const action = decision.action;
    if (action.type === "forward" && action.cluster !== undefined) {
      const weighted = decision.route.route?.weightedClusters?.clusters;
      if (weighted !== undefined) {
        for (const cluster of weighted) {
          if (cluster.name !== action.cluster) continue;
          const own = perFilter(cluster.typedPerFilterConfig, name);
          if (own !== undefined) return own;
          break;
        }
      }
    }
    return (
      perFilter(decision.route.typedPerFilterConfig, name) ??
      perFilter(decision.virtualHost.typedPerFilterConfig, name) ??
      (table?.perFilterConfig === undefined ? undefined : perFilter(table.perFilterConfig, name)) ??
      this.#config
    );
  }

  /**
   * Applies `fault` to a request: true when the filter took it over (an abort answered it, or a
   * delay holds it and calls `proceed(a, b)` afterwards unless it aborts or the client left),
   * false when the request goes on at once. `proceed` and its arguments are passed apart so the
   * request path allocates no closure per request; only a delay makes one, for its timer.
   */
  apply<A, B>(target: FaultTarget, fault: RuntimeFault, proceed: (a: A, b: B) => void, a: A, b: B): boolean {
    if (this.#active >= fault.maxActiveFaults) return false;
    const delay = fault.delay;
    if (delay !== undefined && this.#hits(delay.share)) {
      this.#active++;
      target.flag(Flag.delayInjected);
      this.#timers.setTimeout(() => {
        this.#active--;
        if (target.done) return;
        if (!this.#abort(target, fault)) proceed(a, b);
      }, delay.ms);
      return true;
    }
    return this.#abort(target, fault);
  }

  #abort(target: FaultTarget, fault: RuntimeFault): boolean {
    const abort = fault.abort;
    if (abort === undefined || !this.#hits(abort.share)) return false;
    // A gRPC request gets a trailers-only answer: grpc_status as given, or http_status mapped as
    // gRPC maps HTTP statuses. A request that is not gRPC aborted by grpc_status alone gets 200.
    target.localReply(abort.httpStatus ?? 200, FAULT_ABORT_BODY, Flag.faultInjected, abort.grpcStatus);
    return true;
  }

  #hits(share: FaultShare): boolean {
    return Math.floor(this.#random() * share.denominator) < share.numerator;
  }
}

function perFilter(configs: { readonly [key: string]: unknown }, name: string): RuntimeFault | undefined {
  const any = configs[name];
  return any === undefined ? undefined : compiledHttpFault(any as never);
}
