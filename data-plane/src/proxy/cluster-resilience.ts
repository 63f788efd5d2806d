// Each cluster's resilience machinery, kept beside the cluster manager: the active health checker
// (health_checks), the outlier detector (outlier_detection) and the circuit breaker
// (circuit_breakers). One HostMonitor per cluster creates, reconfigures and closes them with the
// cluster; the request paths reach the breaker by cluster name, and the admin view joins their
// per-endpoint state to the cluster manager's.
import type { Logger } from "pino";
import { type Clock, systemClock } from "../../../time/index.js";
import { DEFAULT_CIRCUIT_BREAKERS, type RuntimeCluster } from "../config/index.js";
import type { ResilienceMetrics } from "../metrics/resilience-metrics.js";
import { CircuitBreaker } from "../upstream/circuit-breaker.js";
import { HealthChecker, type HostHealthView } from "../upstream/health/index.js";
import type { ClusterHosts, HostMonitor, HostMonitorFactory } from "../upstream/host.js";
import type { ClusterView } from "../upstream/index.js";
import { type HostOutlierView, OutlierDetector } from "../upstream/outlier/index.js";

interface ClusterParts {
  readonly breaker: CircuitBreaker;
  checker: HealthChecker | undefined;
  detector: OutlierDetector | undefined;
}

/** A cluster's endpoint in the admin view, with its health-check and outlier state. */
export type ResilientEndpointView = ClusterView["endpoints"][number] & {
  readonly healthCheck?: HostHealthView;
  readonly outlier?: HostOutlierView;
};

export interface ResilientClusterView extends ClusterView {
  readonly endpoints: readonly ResilientEndpointView[];
  readonly circuitBreakers: {
    readonly limits: CircuitBreaker["limits"];
    readonly open: { readonly requests: number; readonly pendingRequests: number; readonly retries: number };
  };
}

export class ClusterResilience {
  readonly #parts = new Map<string, ClusterParts>();
  readonly #logger: Logger;
  readonly #clock: Clock;
  #metrics: ResilienceMetrics | undefined;

  /** `clock` runs every health checker's and outlier detector's timers; the system clock by default. */
  constructor(logger: Logger, clock: Clock = systemClock) {
    this.#logger = logger.child({ component: "resilience" });
    this.#clock = clock;
  }

  /** Health-check results and ejections are counted here once the metrics exist. */
  setMetrics(metrics: ResilienceMetrics): void {
    this.#metrics = metrics;
  }

  /** The factory to give the ClusterManager (`monitors`). */
  readonly monitor: HostMonitorFactory = (cluster, hosts) => this.#attach(cluster, hosts);

  /** The cluster's circuit breaker; undefined for a cluster the manager does not hold. */
  breaker(cluster: string): CircuitBreaker | undefined {
    return this.#parts.get(cluster)?.breaker;
  }

  /** Endpoints currently ejected by outlier detection, by cluster (for a gauge). */
  ejectedCounts(): ReadonlyMap<string, number> {
    const counts = new Map<string, number>();
    for (const [name, parts] of this.#parts) counts.set(name, parts.detector?.ejectedCount() ?? 0);
    return counts;
  }

  /** What each breaker holds open (for a gauge). */
  breakerCounts(): { cluster: string; requests: number; pendingRequests: number }[] {
    return [...this.#parts].map(([cluster, { breaker }]) => ({
      cluster,
      requests: breaker.open("requests"),
      pendingRequests: breaker.open("pendingRequests"),
    }));
  }

  /** The cluster manager's view with each endpoint's health-check and outlier state joined in. */
  view(clusters: readonly ClusterView[]): ResilientClusterView[] {
    return clusters.map((cluster) => {
      const parts = this.#parts.get(cluster.name);
      const checks = new Map((parts?.checker?.view() ?? []).map((v) => [v.address, v]));
      const outliers = new Map((parts?.detector?.view() ?? []).map((v) => [v.address, v]));
      const breaker = parts?.breaker;
      return {
        ...cluster,
        endpoints: cluster.endpoints.map((endpoint) => {
          const healthCheck = checks.get(endpoint.address);
          const outlier = outliers.get(endpoint.address);
          return {
            ...endpoint,
            ...(healthCheck === undefined ? {} : { healthCheck }),
            ...(outlier === undefined ? {} : { outlier }),
          };
        }),
        circuitBreakers: {
          limits: breaker?.limits ?? DEFAULT_CIRCUIT_BREAKERS,
          open: {
            requests: breaker?.open("requests") ?? 0,
            pendingRequests: breaker?.open("pendingRequests") ?? 0,
            retries: breaker?.open("retries") ?? 0,
          },
        },
      };
    });
  }

  #attach(cluster: RuntimeCluster, hosts: ClusterHosts): HostMonitor {
    const name = cluster.name;
    const parts: ClusterParts = {
      breaker: new CircuitBreaker(cluster.circuitBreakers ?? DEFAULT_CIRCUIT_BREAKERS),
      checker: undefined,
      detector: undefined,
    };
    this.#parts.set(name, parts);
    const unsubscribe = [
      hosts.onChange(() => parts.checker?.sync()),
      hosts.onOutcome((host, outcome) => parts.detector?.record(host.address, outcome)),
    ];
    const configure = (next: RuntimeCluster): void => {
      parts.breaker.update(next.circuitBreakers ?? DEFAULT_CIRCUIT_BREAKERS);
      const outlier = next.outlierDetection;
      if (outlier === undefined) {
        parts.detector?.close();
        parts.detector = undefined;
      } else if (parts.detector === undefined) {
        parts.detector = new OutlierDetector({
          config: outlier,
          clock: this.#clock,
          targets: () => hosts.hosts(),
          onChange: () => hosts.healthChanged(),
          onEjection: (address, reason) => {
            this.#logger.warn({ cluster: name, endpoint: address, reason }, "endpoint ejected");
            this.#metrics?.ejection(name, reason);
          },
        });
      } else {
        parts.detector.update(outlier);
      }
      const check = next.healthChecks?.[0];
      if (check === undefined) {
        parts.checker?.close();
        parts.checker = undefined;
      } else if (parts.checker === undefined) {
        parts.checker = new HealthChecker({
          cluster: name,
          check,
          clock: this.#clock,
          targets: () => hosts.hosts(),
          onChange: () => hosts.healthChanged(),
          logger: this.#logger,
          onResult: (address, healthy) => {
            this.#metrics?.healthCheck(name, healthy);
            if (healthy) parts.detector?.activeHealthCheckPassed(address);
          },
        });
      } else {
        parts.checker.update(check);
      }
    };
    configure(cluster);
    return {
      configure,
      close: () => {
        for (const stop of unsubscribe) stop();
        parts.checker?.close();
        parts.detector?.close();
        if (this.#parts.get(name) === parts) this.#parts.delete(name);
      },
    };
  }
}
