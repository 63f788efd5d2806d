// What the admin server shows, as the proxy runtime provides it. The server only reads: each
// method is called once per admin request, and what it returns is serialized before the next.
import type { ClusterView } from "../upstream/index.js";

export interface Readiness {
  readonly ready: boolean;
  /** What the proxy still waits for, e.g. "listeners", "routes: r1"; empty once ready. */
  readonly waitingFor: readonly string[];
}

export interface AdminSource {
  readiness(): Readiness;
  /** The config in use, JSON-ready (the runtime decides its shape). */
  configDump(): unknown;
  clusters(): readonly ClusterView[];
}

/** What /stats/prometheus serves (ProxyMetrics is one). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}
