// Retry and circuit-breaker metrics (issue 6), on the registry ProxyMetrics serves. They count the
// observer's resilience hooks (retried, retriesExhausted, overflowed); what the breakers hold open
// is their own state, read through a callback when Prometheus scrapes.
import { Counter, Gauge, type Registry } from "prom-client";
import type { RequestObserver } from "../observer/request-observer.js";
import type { BreakerResource } from "../upstream/resilience.js";

/** The `resource` label's values, one per BreakerResource (the Record makes the list complete). */
const RESOURCE_LABELS: Readonly<Record<BreakerResource, string>> = {
  connections: "connections",
  pendingRequests: "pending_requests",
  requests: "requests",
  retries: "retries",
};

/** What a cluster's circuit breaker holds open now. */
export interface BreakerOpenCounts {
  readonly cluster: string;
  readonly requests: number;
  readonly pendingRequests: number;
}

export interface TrafficResilienceMetricsOptions {
  readonly registry: Registry;
  /** Each cluster's open requests and pending requests; read at each scrape. */
  readonly breakers?: () => Iterable<BreakerOpenCounts>;
}

type RetryHooks = Required<Pick<RequestObserver, "retried" | "retriesExhausted" | "overflowed">>;

export class TrafficResilienceMetrics implements RetryHooks {
  readonly #retries: Counter<"cluster">;
  readonly #exhausted: Counter<"cluster">;
  readonly #overflows: Counter<"cluster" | "resource">;
  readonly #retriesByCluster = new Map<string, Counter.Internal>();

  constructor(options: TrafficResilienceMetricsOptions) {
    const registers = [options.registry];
    this.#retries = new Counter({
      name: "weft_proxy_upstream_retries_total",
      help: "Retries of upstream requests, by cluster.",
      labelNames: ["cluster"],
      registers,
    });
    this.#exhausted = new Counter({
      name: "weft_proxy_upstream_retries_exhausted_total",
      help: "Requests whose retries ran out (num_retries) while another was wanted, by cluster.",
      labelNames: ["cluster"],
      registers,
    });
    this.#overflows = new Counter({
      name: "weft_proxy_circuit_breaker_overflows_total",
      help: "Slots a cluster's circuit breaker refused, by cluster and resource.",
      labelNames: ["cluster", "resource"],
      registers,
    });
    const breakers = options.breakers;
    if (breakers !== undefined) {
      new Gauge({
        name: "weft_proxy_circuit_breaker_open",
        help: "Slots a cluster's circuit breaker holds now, by cluster and resource (requests, pending_requests).",
        labelNames: ["cluster", "resource"],
        registers,
        collect() {
          this.reset();
          for (const { cluster, requests, pendingRequests } of breakers()) {
            this.set({ cluster, resource: RESOURCE_LABELS.requests }, requests);
            this.set({ cluster, resource: RESOURCE_LABELS.pendingRequests }, pendingRequests);
          }
        },
      });
    }
  }

  retried(cluster: string): void {
    let child = this.#retriesByCluster.get(cluster);
    if (child === undefined) {
      child = this.#retries.labels({ cluster });
      this.#retriesByCluster.set(cluster, child);
    }
    child.inc();
  }

  retriesExhausted(cluster: string): void {
    this.#exhausted.inc({ cluster });
  }

  overflowed(cluster: string, resource: BreakerResource): void {
    this.#overflows.inc({ cluster, resource: RESOURCE_LABELS[resource] });
  }
}
