import assert from "node:assert/strict";
import { test } from "node:test";
import { ProxyMetrics, type ProxyMetricsOptions } from "../../../data-plane/src/metrics/index.js";
import { ResponseFlag } from "../../../data-plane/src/observer/request-observer.js";
import type { ClusterView } from "../../../data-plane/src/upstream/index.js";
import { parseSamples, type Sample, sampleValue } from "./prom-text.js";
import { httpRecord, tcpRecord } from "./records.js";

const LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
const EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

function metricsWith(options: Partial<ProxyMetricsOptions> = {}): ProxyMetrics {
  return new ProxyMetrics({
    activeConnections: () => new Map(),
    clusters: () => [],
    processMetrics: false,
    ...options,
  });
}

async function scrape(metrics: ProxyMetrics): Promise<Sample[]> {
  return parseSamples(await metrics.metrics());
}

test("HTTP requests are counted by listener and status class, a reset as 'reset'", async () => {
  const metrics = metricsWith();
  metrics.ended(httpRecord({ status: 200 }));
  metrics.ended(httpRecord({ status: 204 }));
  metrics.ended(httpRecord({ status: 503 }));
  metrics.ended(httpRecord({ status: 0 }));
  metrics.ended(httpRecord({ listener: "admin-facing", status: 404 }));
  const samples = await scrape(metrics);
  const name = "weft_proxy_downstream_requests_total";
  assert.equal(sampleValue(samples, name, { listener: "ingress", status_class: "2xx" }), 2);
  assert.equal(sampleValue(samples, name, { listener: "ingress", status_class: "5xx" }), 1);
  assert.equal(sampleValue(samples, name, { listener: "ingress", status_class: "reset" }), 1);
  assert.equal(sampleValue(samples, name, { listener: "ingress", status_class: "4xx" }), undefined);
  assert.equal(sampleValue(samples, name, { listener: "admin-facing", status_class: "4xx" }), 1);
});

test("request durations land in the histogram in seconds", async () => {
  const metrics = metricsWith();
  metrics.ended(httpRecord({ durationMs: 0.2 }));
  metrics.ended(httpRecord({ durationMs: 2000 }));
  const samples = await scrape(metrics);
  const labels = { listener: "ingress" };
  assert.equal(sampleValue(samples, "weft_proxy_downstream_request_duration_seconds_count", labels), 2);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_request_duration_seconds_sum", labels), 2.0002);
  const bucket = (le: string) =>
    sampleValue(samples, "weft_proxy_downstream_request_duration_seconds_bucket", { ...labels, le });
  assert.equal(bucket("0.0001"), 0);
  assert.equal(bucket("0.00025"), 1);
  assert.equal(bucket("1"), 1);
  assert.equal(bucket("2.5"), 2);
  assert.equal(bucket("+Inf"), 2);
});

test("upstream requests are counted by cluster only when an endpoint was used", async () => {
  const metrics = metricsWith();
  metrics.ended(httpRecord({ status: 200, upstreamDurationMs: 5 }));
  metrics.ended(
    httpRecord({ status: 503, upstreamDurationMs: undefined, responseFlags: [ResponseFlag.upstreamConnectionFailure] }),
  );
  metrics.ended(
    httpRecord({ status: 503, upstreamAddress: undefined, responseFlags: [ResponseFlag.noHealthyUpstream] }),
  );
  metrics.ended(
    httpRecord({ status: 404, cluster: undefined, upstreamAddress: undefined, upstreamDurationMs: undefined }),
  );
  const samples = await scrape(metrics);
  const name = "weft_proxy_upstream_requests_total";
  assert.equal(sampleValue(samples, name, { cluster: "shop", status_class: "2xx" }), 1);
  assert.equal(sampleValue(samples, name, { cluster: "shop", status_class: "5xx" }), 1);
  assert.equal(sampleValue(samples, "weft_proxy_upstream_request_duration_seconds_count", { cluster: "shop" }), 1);
  assert.equal(sampleValue(samples, "weft_proxy_upstream_request_duration_seconds_sum", { cluster: "shop" }), 0.005);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_requests_total", { status_class: "4xx" }), 1);
});

test("response flags are counted one by one, from HTTP and TCP records", async () => {
  const metrics = metricsWith();
  metrics.ended(httpRecord({ status: 0, responseFlags: [ResponseFlag.upstreamRemoteReset, ResponseFlag.localReset] }));
  metrics.ended(httpRecord({ status: 504, responseFlags: [ResponseFlag.upstreamRequestTimeout] }));
  metrics.ended(tcpRecord({ responseFlags: [ResponseFlag.upstreamRemoteReset] }));
  metrics.ended(httpRecord());
  const samples = await scrape(metrics);
  const name = "weft_proxy_responses_by_flag_total";
  assert.equal(sampleValue(samples, name, { flag: "UR" }), 2);
  assert.equal(sampleValue(samples, name, { flag: "LR" }), 1);
  assert.equal(sampleValue(samples, name, { flag: "UT" }), 1);
  assert.equal(sampleValue(samples, name, { flag: "NR" }), undefined);
});

test("TCP connections and their bytes are counted by listener and direction", async () => {
  const metrics = metricsWith();
  metrics.ended(tcpRecord({ bytesReceived: 100, bytesSent: 1000 }));
  metrics.ended(tcpRecord({ bytesReceived: 50, bytesSent: 0 }));
  const samples = await scrape(metrics);
  assert.equal(sampleValue(samples, "weft_proxy_tcp_connections_total", { listener: "db" }), 2);
  assert.equal(sampleValue(samples, "weft_proxy_tcp_bytes_total", { listener: "db", direction: "received" }), 150);
  assert.equal(sampleValue(samples, "weft_proxy_tcp_bytes_total", { listener: "db", direction: "sent" }), 1000);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_requests_total", { listener: "db" }), undefined);
});

test("open connections are read from the callback at each scrape, and a listener gone is gone", async () => {
  let open = new Map([
    ["ingress", 3],
    ["db", 1],
  ]);
  const metrics = metricsWith({ activeConnections: () => open });
  metrics.connectionOpened("ingress");
  metrics.connectionOpened("ingress");
  let samples = await scrape(metrics);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_connections_active", { listener: "ingress" }), 3);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_connections_active", { listener: "db" }), 1);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_connections_total", { listener: "ingress" }), 2);

  open = new Map([["ingress", 0]]);
  samples = await scrape(metrics);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_connections_active", { listener: "ingress" }), 0);
  assert.equal(sampleValue(samples, "weft_proxy_downstream_connections_active", { listener: "db" }), undefined);
});

test("active upstream requests and endpoints by health come from the cluster view", async () => {
  const view: ClusterView[] = [
    {
      name: "shop",
      warming: false,
      endpoints: [
        { address: "10.0.0.1:8080", priority: 0, weight: 1, health: "HEALTHY", activeRequests: 2 },
        { address: "10.0.0.2:8080", priority: 0, weight: 1, health: "UNKNOWN", activeRequests: 3 },
        { address: "10.0.0.3:8080", priority: 1, weight: 1, health: "UNHEALTHY", activeRequests: 0 },
      ],
    },
    { name: "warming", warming: true, endpoints: [] },
  ];
  const metrics = metricsWith({ clusters: () => view });
  const samples = await scrape(metrics);
  assert.equal(sampleValue(samples, "weft_proxy_upstream_requests_active", { cluster: "shop" }), 5);
  assert.equal(sampleValue(samples, "weft_proxy_upstream_requests_active", { cluster: "warming" }), 0);
  const endpoints = (cluster: string, health: string) =>
    sampleValue(samples, "weft_proxy_upstream_endpoints", { cluster, health });
  assert.equal(endpoints("shop", "healthy"), 1);
  assert.equal(endpoints("shop", "unknown"), 1);
  assert.equal(endpoints("shop", "unhealthy"), 1);
  assert.equal(endpoints("shop", "draining"), 0);
  assert.equal(endpoints("warming", "healthy"), 0);
});

test("xDS events drive the connection gauge, reconnects, updates and rejections by short type name", async () => {
  let now = 1_700_000_000_000;
  const metrics = metricsWith({ now: () => now });
  let samples = await scrape(metrics);
  assert.equal(sampleValue(samples, "weft_proxy_xds_connected"), 0);
  for (const type of ["listener", "route", "cluster", "endpoint"]) {
    assert.equal(sampleValue(samples, "weft_proxy_config_updates_total", { type }), 0, type);
    assert.equal(sampleValue(samples, "weft_proxy_config_rejections_total", { type }), 0, type);
  }

  metrics.onXdsEvent({ type: "connected", server: "cp:18000" });
  metrics.onXdsEvent({ type: "ack", typeUrl: LDS, versionInfo: "1" });
  now += 2500;
  metrics.onXdsEvent({ type: "ack", typeUrl: LDS, versionInfo: "2" });
  metrics.onXdsEvent({
    type: "nack",
    nack: { typeUrl: EDS, versionRejected: "3", nonce: "n", message: "bad", code: undefined, at: now },
  });
  samples = await scrape(metrics);
  assert.equal(sampleValue(samples, "weft_proxy_xds_connected"), 1);
  assert.equal(sampleValue(samples, "weft_proxy_config_updates_total", { type: "listener" }), 2);
  assert.equal(sampleValue(samples, "weft_proxy_config_rejections_total", { type: "endpoint" }), 1);
  assert.equal(
    sampleValue(samples, "weft_proxy_config_last_update_timestamp_seconds", { type: "listener" }),
    1_700_000_002.5,
  );
  assert.equal(
    sampleValue(samples, "weft_proxy_config_last_update_timestamp_seconds", { type: "endpoint" }),
    undefined,
  );

  metrics.onXdsEvent({ type: "disconnected", server: "cp:18000", reason: "UNAVAILABLE" });
  metrics.onXdsEvent({ type: "reconnecting", server: "cp:18000", delayMs: 100 });
  metrics.onXdsEvent({ type: "reconnecting", server: "cp:18000", delayMs: 200 });
  samples = await scrape(metrics);
  assert.equal(sampleValue(samples, "weft_proxy_xds_connected"), 0);
  assert.equal(sampleValue(samples, "weft_proxy_xds_reconnects_total"), 2);
});

test("two ProxyMetrics keep their own registries, with process metrics under the weft_proxy_ prefix", async () => {
  const a = new ProxyMetrics({ activeConnections: () => new Map(), clusters: () => [] });
  const b = new ProxyMetrics({ activeConnections: () => new Map(), clusters: () => [] });
  a.ended(httpRecord());
  assert.equal(
    sampleValue(await scrape(b), "weft_proxy_downstream_requests_total", { status_class: "2xx" }),
    undefined,
  );
  const samples = await scrape(a);
  assert.ok(sampleValue(samples, "weft_proxy_process_cpu_user_seconds_total") !== undefined);
  assert.ok(samples.every((s) => s.name.startsWith("weft_proxy_")));
  assert.match(a.contentType, /^text\/plain/);
});
