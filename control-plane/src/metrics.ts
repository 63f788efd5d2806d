// The control plane's Prometheus metrics: one registry per Metrics object (never prom-client's
// global one, so tests and several control planes in one process stay apart), named as
// Prometheus asks: `weft_` prefix, base units (seconds, bytes), `_total` on counters.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Latency buckets from 1 ms to 10 s, for anything a person waits on. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry: Registry;
  /** Proxies with an open xDS stream. */
  readonly connectedProxies: Gauge;
  /** xDS responses sent, by type URL. */
  readonly xdsPushes: Counter<"type_url">;
  /** xDS requests that rejected a response (error_detail set), by type URL. */
  readonly xdsNacks: Counter<"type_url">;
  /** From a store write to the last connected proxy's ACK of the snapshot holding it. */
  readonly configConvergence: Histogram;
  /** Encoded (protobuf) bytes of the config served, by kind. */
  readonly configSize: Gauge<"kind">;
  /** REST requests answered; `route` is the route pattern (e.g. /v1/resources/:kind/:name), never the raw URL. */
  readonly apiRequests: Counter<"method" | "route" | "status">;
  readonly apiRequestDuration: Histogram<"method" | "route">;
  readonly storeWriteDuration: Histogram;
  /** The store revision last committed or observed. */
  readonly storeRevision: Gauge;

  constructor() {
    const registry = new Registry();
    this.registry = registry;
    collectDefaultMetrics({ register: registry });
    const registers = [registry];
    this.connectedProxies = new Gauge({
      name: "weft_connected_proxies",
      help: "Proxies with an open xDS stream.",
      registers,
    });
    this.xdsPushes = new Counter({
      name: "weft_xds_pushes_total",
      help: "xDS responses sent to proxies, by type URL.",
      labelNames: ["type_url"],
      registers,
    });
    this.xdsNacks = new Counter({
      name: "weft_xds_nacks_total",
      help: "xDS responses rejected by proxies (NACKs), by type URL.",
      labelNames: ["type_url"],
      registers,
    });
    this.configConvergence = new Histogram({
      name: "weft_config_convergence_seconds",
      help: "Time from a config write to the acknowledgement of the last connected proxy.",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.configSize = new Gauge({
      name: "weft_config_size_bytes",
      help: "Size of the config served, in encoded protobuf bytes, by kind.",
      labelNames: ["kind"],
      registers,
    });
    this.apiRequests = new Counter({
      name: "weft_api_requests_total",
      help: "REST API requests answered, by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.apiRequestDuration = new Histogram({
      name: "weft_api_request_duration_seconds",
      help: "REST API request duration, by method and route pattern.",
      labelNames: ["method", "route"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storeWriteDuration = new Histogram({
      name: "weft_store_write_duration_seconds",
      help: "Duration of store commits.",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storeRevision = new Gauge({
      name: "weft_store_revision",
      help: "The latest store revision.",
      registers,
    });
  }

  /** The exposition's media type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
