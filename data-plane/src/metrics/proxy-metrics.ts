// The proxy's Prometheus metrics. One registry per ProxyMetrics (never prom-client's global one),
// named as Prometheus asks: `weft_proxy_` prefix, base units, `_total` on counters.
//
// `ended` runs once per request on the hot path, so it touches no prom-client object there: request
// counts and durations go into plain numbers per listener and per cluster (a map lookup or two and
// a few increments), copied into the exposition when Prometheus scrapes.
// What the proxy already knows as state (open connections, endpoints) is not counted twice here:
// it is read through callbacks when Prometheus scrapes.
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { EndpointHealth } from "../config/index.js";
import type {
  HttpRequestRecord,
  RequestObserver,
  RequestRecord,
  TcpConnectionRecord,
} from "../observer/request-observer.js";
import { ResponseFlag } from "../observer/request-observer.js";
import type { ClusterView } from "../upstream/index.js";
import type { AdsClientEvent } from "../xds-client/index.js";
import { type HistogramSeries, ScrapedHistogram } from "./scraped-histogram.js";
import { STATUS_CLASSES, statusClassIndex } from "./status-class.js";
import { XDS_TYPES, xdsTypeName } from "./xds-type.js";

/** Request durations from 100 µs to 10 s: a proxy's own answers take well under a millisecond. */
const DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The `health` label's values, one per EndpointHealth (the Record makes the list complete). */
const HEALTH_LABELS: Readonly<Record<EndpointHealth, string>> = {
  UNKNOWN: "unknown",
  HEALTHY: "healthy",
  UNHEALTHY: "unhealthy",
  DRAINING: "draining",
  TIMEOUT: "timeout",
  DEGRADED: "degraded",
};

export interface ProxyMetricsOptions {
  /** Open downstream connections by listener name; read at each scrape. */
  readonly activeConnections: () => ReadonlyMap<string, number>;
  /** The clusters as the cluster manager has them (ClusterManager#view); read at each scrape. */
  readonly clusters: () => readonly ClusterView[];
  /** Milliseconds since the epoch, for the last-update timestamps (Date.now by default). */
  readonly now?: () => number;
  /** Node's process metrics (CPU, memory, event loop lag), prefixed `weft_proxy_`; on by default. */
  readonly processMetrics?: boolean;
}

type CounterChild = Counter.Internal;

/** The series of one listener, made the first time the listener is seen. */
interface ListenerSeries {
  /** HTTP requests, indexed as STATUS_CLASSES; exported at scrape once above 0. */
  readonly requests: number[];
  readonly duration: HistogramSeries;
  readonly tcpConnections: CounterChild;
  readonly tcpBytesReceived: CounterChild;
  readonly tcpBytesSent: CounterChild;
}

/** The series of one cluster. */
interface ClusterSeries {
  readonly requests: number[];
  readonly duration: HistogramSeries;
}

export class ProxyMetrics implements RequestObserver {
  readonly registry: Registry;
  readonly #now: () => number;
  readonly #listeners = new Map<string, ListenerSeries>();
  readonly #clusters = new Map<string, ClusterSeries>();
  readonly #flags: ReadonlyMap<string, CounterChild>;

  readonly #downstreamDuration: ScrapedHistogram;
  readonly #downstreamConnectionsTotal: Counter<"listener">;
  readonly #tlsRefused: Counter<"listener" | "reason">;
  readonly #rbac: Counter<"listener" | "decision">;
  readonly #upstreamDuration: ScrapedHistogram;
  readonly #responsesByFlag: Counter<"flag">;
  readonly #tcpConnections: Counter<"listener">;
  readonly #tcpBytes: Counter<"listener" | "direction">;
  readonly #xdsConnected: Gauge;
  readonly #xdsReconnects: Counter;
  readonly #configUpdates: Counter<"type">;
  readonly #configRejections: Counter<"type">;
  readonly #configLastUpdate: Gauge<"type">;

  constructor(options: ProxyMetricsOptions) {
    const registry = new Registry();
    this.registry = registry;
    this.#now = options.now ?? Date.now;
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "weft_proxy_" });
    const registers = [registry];

    const listeners = this.#listeners;
    new Counter({
      name: "weft_proxy_downstream_requests_total",
      help: "HTTP requests answered downstream, by listener and status class (reset: no status was sent).",
      labelNames: ["listener", "status_class"],
      registers,
      collect() {
        this.reset();
        for (const [listener, series] of listeners) copyCounts(this, listener, series.requests);
      },
    });
    this.#downstreamDuration = new ScrapedHistogram({
      name: "weft_proxy_downstream_request_duration_seconds",
      help: "From the start of a downstream request to the end of its response, by listener.",
      labelName: "listener",
      buckets: DURATION_BUCKETS,
      registry,
    });
    this.#downstreamConnectionsTotal = new Counter({
      name: "weft_proxy_downstream_connections_total",
      help: "Downstream connections accepted, by listener.",
      labelNames: ["listener"],
      registers,
    });
    this.#tlsRefused = new Counter({
      name: "weft_proxy_downstream_tls_refused_total",
      help: "Downstream connections closed before serving by a TLS listener, by listener and reason: plaintext (a client not speaking TLS to a listener that requires it), handshake (failed, e.g. no, untrusted or expired client certificate), verify_error (a certificate sent that does not verify), verify_san (no SAN matched), no_context (no certificate to present yet).",
      labelNames: ["listener", "reason"],
      registers,
    });
    this.#rbac = new Counter({
      name: "weft_proxy_rbac_requests_total",
      help: "Requests an RBAC filter (an AuthorizationPolicy, or raw config) decided on, by listener and decision (allowed, denied); a request denied is answered 403 RBAC: access denied (gRPC PERMISSION_DENIED).",
      labelNames: ["listener", "decision"],
      registers,
    });
    const activeConnections = options.activeConnections;
    new Gauge({
      name: "weft_proxy_downstream_connections_active",
      help: "Open downstream connections, by listener.",
      labelNames: ["listener"],
      registers,
      collect() {
        this.reset();
        for (const [listener, open] of activeConnections()) this.set({ listener }, open);
      },
    });

    const clusterSeries = this.#clusters;
    new Counter({
      name: "weft_proxy_upstream_requests_total",
      help: "Requests sent to an upstream endpoint, by cluster and the status class answered downstream.",
      labelNames: ["cluster", "status_class"],
      registers,
      collect() {
        this.reset();
        for (const [cluster, series] of clusterSeries) copyCounts(this, cluster, series.requests);
      },
    });
    this.#upstreamDuration = new ScrapedHistogram({
      name: "weft_proxy_upstream_request_duration_seconds",
      help: "From the start of a request until the upstream's response headers arrived, by cluster.",
      labelName: "cluster",
      buckets: DURATION_BUCKETS,
      registry,
    });
    const clusters = options.clusters;
    new Gauge({
      name: "weft_proxy_upstream_requests_active",
      help: "Requests in flight to a cluster's endpoints, by cluster.",
      labelNames: ["cluster"],
      registers,
      collect() {
        this.reset();
        for (const cluster of clusters()) {
          let active = 0;
          for (const endpoint of cluster.endpoints) active += endpoint.activeRequests;
          this.set({ cluster: cluster.name }, active);
        }
      },
    });
    new Gauge({
      name: "weft_proxy_upstream_endpoints",
      help: "A cluster's endpoints, by cluster and health as EDS reported it.",
      labelNames: ["cluster", "health"],
      registers,
      collect() {
        this.reset();
        for (const cluster of clusters()) {
          const counts = new Map<string, number>(Object.values(HEALTH_LABELS).map((health) => [health, 0]));
          for (const endpoint of cluster.endpoints) {
            const health = HEALTH_LABELS[endpoint.health];
            counts.set(health, (counts.get(health) ?? 0) + 1);
          }
          for (const [health, count] of counts) this.set({ cluster: cluster.name, health }, count);
        }
      },
    });

    this.#responsesByFlag = new Counter({
      name: "weft_proxy_responses_by_flag_total",
      help: "Requests and TCP connections that ended with an Envoy response flag, by flag.",
      labelNames: ["flag"],
      registers,
    });
    this.#flags = new Map(Object.values(ResponseFlag).map((flag) => [flag, this.#responsesByFlag.labels(flag)]));

    this.#tcpConnections = new Counter({
      name: "weft_proxy_tcp_connections_total",
      help: "TCP-proxied connections that ended, by listener.",
      labelNames: ["listener"],
      registers,
    });
    this.#tcpBytes = new Counter({
      name: "weft_proxy_tcp_bytes_total",
      help: "Bytes carried by TCP-proxied connections, by listener and direction (received from or sent downstream).",
      labelNames: ["listener", "direction"],
      registers,
    });

    this.#xdsConnected = new Gauge({
      name: "weft_proxy_xds_connected",
      help: "1 while the ADS stream to the control plane is up, else 0.",
      registers,
    });
    this.#xdsReconnects = new Counter({
      name: "weft_proxy_xds_reconnects_total",
      help: "Times the ADS stream ended and a reconnect was scheduled.",
      registers,
    });
    this.#configUpdates = new Counter({
      name: "weft_proxy_config_updates_total",
      help: "xDS responses accepted (ACKed), by resource type.",
      labelNames: ["type"],
      registers,
    });
    this.#configRejections = new Counter({
      name: "weft_proxy_config_rejections_total",
      help: "xDS responses rejected (NACKed), by resource type.",
      labelNames: ["type"],
      registers,
    });
    this.#configLastUpdate = new Gauge({
      name: "weft_proxy_config_last_update_timestamp_seconds",
      help: "When the last xDS response of a type was accepted, in seconds since the epoch.",
      labelNames: ["type"],
      registers,
    });
    // Series at 0 from the start, so rate() and alerts see the proxy before its first update.
    for (const type of XDS_TYPES) {
      this.#configUpdates.labels(type).inc(0);
      this.#configRejections.labels(type).inc(0);
    }
  }

  /** The exposition's media type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  ended(record: RequestRecord): void {
    if (record.kind === "http") this.#httpEnded(record);
    else this.#tcpEnded(record);
    for (const flag of record.responseFlags) this.#flags.get(flag)?.inc();
  }

  /** Counts a downstream connection accepted by a listener (the open ones come from the callback). */
  connectionOpened(listener: string): void {
    this.#downstreamConnectionsTotal.labels(listener).inc();
  }

  /** An RBAC filter decided on a request. */
  authorized(listener: string, decision: "allowed" | "denied"): void {
    this.#rbac.labels(listener, decision).inc();
  }

  /** A TLS listener closed a connection before serving it. */
  tlsRefused(listener: string, reason: string): void {
    this.#tlsRefused.labels(listener, reason).inc();
  }

  /** Maps an AdsClient's events onto the xDS metrics; pass it to AdsClient#on. */
  onXdsEvent(event: AdsClientEvent): void {
    switch (event.type) {
      case "connected":
        this.#xdsConnected.set(1);
        return;
      case "disconnected":
        this.#xdsConnected.set(0);
        return;
      case "reconnecting":
        this.#xdsReconnects.inc();
        return;
      case "ack": {
        const type = xdsTypeName(event.typeUrl);
        this.#configUpdates.labels(type).inc();
        this.#configLastUpdate.labels(type).set(this.#now() / 1000);
        return;
      }
      case "nack":
        this.#configRejections.labels(xdsTypeName(event.nack.typeUrl)).inc();
        return;
    }
  }

  #httpEnded(record: HttpRequestRecord): void {
    const classIndex = statusClassIndex(record.status);
    const listener = this.#listenerSeries(record.listener);
    (listener.requests[classIndex] as number)++;
    this.#downstreamDuration.observe(listener.duration, record.durationMs / 1000);
    // An upstream request is one that reached an endpoint, whether or not it was answered.
    if (record.cluster === undefined || record.upstreamAddress === undefined) return;
    const cluster = this.#clusterSeries(record.cluster);
    (cluster.requests[classIndex] as number)++;
    if (record.upstreamDurationMs !== undefined) {
      this.#upstreamDuration.observe(cluster.duration, record.upstreamDurationMs / 1000);
    }
  }

  #tcpEnded(record: TcpConnectionRecord): void {
    const listener = this.#listenerSeries(record.listener);
    listener.tcpConnections.inc();
    if (record.bytesReceived > 0) listener.tcpBytesReceived.inc(record.bytesReceived);
    if (record.bytesSent > 0) listener.tcpBytesSent.inc(record.bytesSent);
  }

  #listenerSeries(name: string): ListenerSeries {
    let series = this.#listeners.get(name);
    if (series === undefined) {
      series = {
        requests: STATUS_CLASSES.map(() => 0),
        duration: this.#downstreamDuration.series(name),
        tcpConnections: this.#tcpConnections.labels(name),
        tcpBytesReceived: this.#tcpBytes.labels(name, "received"),
        tcpBytesSent: this.#tcpBytes.labels(name, "sent"),
      };
      this.#listeners.set(name, series);
    }
    return series;
  }

  #clusterSeries(name: string): ClusterSeries {
    let series = this.#clusters.get(name);
    if (series === undefined) {
      series = {
        requests: STATUS_CLASSES.map(() => 0),
        duration: this.#upstreamDuration.series(name),
      };
      this.#clusters.set(name, series);
    }
    return series;
  }
}

/** Puts one listener's or cluster's request counts (indexed as STATUS_CLASSES) into `counter`; zeros stay out. */
function copyCounts(counter: Counter<string>, name: string, counts: readonly number[]): void {
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (count > 0) counter.labels(name, STATUS_CLASSES[i] as string).inc(count);
  }
}
