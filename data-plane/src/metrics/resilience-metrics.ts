// Prometheus series for active health checking and outlier detection, registered on a registry
// the caller owns (ProxyMetrics#registry in the proxy). Counters are fed by the HealthChecker's
// onResult and the OutlierDetector's onEjection hooks; the ejected-endpoints gauge is read from
// the detectors when Prometheus scrapes.
import { Counter, Gauge, type Registry } from "prom-client";

export type HealthCheckResult = "success" | "failure";

export interface ResilienceMetricsOptions {
  /** Endpoints ejected now, by cluster (e.g. each OutlierDetector#ejectedCount()); read at each scrape. */
  readonly ejectedEndpoints: () => ReadonlyMap<string, number>;
}

export class ResilienceMetrics {
  readonly #healthChecks: Counter<"cluster" | "result">;
  readonly #ejections: Counter<"cluster" | "reason">;

  constructor(registry: Registry, options: ResilienceMetricsOptions) {
    const registers = [registry];
    this.#healthChecks = new Counter({
      name: "weft_proxy_health_check_total",
      help: "Active health checks completed, by cluster and result.",
      labelNames: ["cluster", "result"],
      registers,
    });
    this.#ejections = new Counter({
      name: "weft_proxy_outlier_ejections_total",
      help: "Endpoints ejected by outlier detection, by cluster and detection.",
      labelNames: ["cluster", "reason"],
      registers,
    });
    const { ejectedEndpoints } = options;
    new Gauge({
      name: "weft_proxy_endpoints_ejected",
      help: "Endpoints ejected by outlier detection now, by cluster.",
      labelNames: ["cluster"],
      registers,
      collect() {
        this.reset();
        for (const [cluster, ejected] of ejectedEndpoints()) this.set({ cluster }, ejected);
      },
    });
  }

  /** One completed health check (HealthChecker's onResult). */
  healthCheck(cluster: string, healthy: boolean): void {
    this.#healthChecks.inc({ cluster, result: healthy ? "success" : "failure" });
  }

  /** One ejection carried out (OutlierDetector's onEjection); reason as EjectionReason. */
  ejection(cluster: string, reason: string): void {
    this.#ejections.inc({ cluster, reason });
  }
}
