// LRS on the xDS server, over real gRPC streams on 127.0.0.1: what a reporter is told, and what its
// reports become in the telemetry aggregator (run on a manual clock).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { credentials, status } from "@grpc/grpc-js";
import pino from "pino";
import {
  type EdgeStatsRecord,
  LatencyHistogram,
  SLOT_MS,
  TelemetryAggregator,
} from "../../../control-plane/src/telemetry/index.js";
import { latencyMetrics } from "../../../control-plane/src/telemetry/latency-metrics.js";
import { LoadReportingServer } from "../../../control-plane/src/telemetry/load-reporting-service.js";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { ClusterStats } from "../../../proto/gen/envoy/config/endpoint/v3/load_report.js";
import {
  LoadReportingServiceClient,
  LoadReportingServiceService,
  LoadStatsRequest,
  LoadStatsResponse,
} from "../../../proto/gen/envoy/service/load_stats/v3/lrs.js";
import { ManualClock } from "../../time/manual-clock.js";
import { type Harness, Stream, startHarness } from "../xds/harness.js";

const SIDECAR_OF_WEB: Partial<Node> = {
  id: "web-1",
  cluster: "ignored",
  metadata: { weft: { role: "sidecar", service: "web" } },
};

/** The aggregator, with a gate a test awaits until the server has ingested the next report. */
class GatedAggregator {
  readonly telemetry: TelemetryAggregator;
  #waiters: (() => void)[] = [];

  constructor(clock: ManualClock) {
    this.telemetry = new TelemetryAggregator({ clock });
  }

  ingest(records: readonly EdgeStatsRecord[]) {
    const outcome = this.telemetry.ingest(records);
    for (const resolve of this.#waiters.splice(0)) resolve();
    return outcome;
  }

  /** Resolves when the next report has been ingested. Call before sending it. */
  nextIngest(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

function locality(successful: number, errors: number, extra: Record<string, unknown> = {}) {
  return { totalSuccessfulRequests: successful, totalErrorRequests: errors, ...extra };
}

function report(clusterStats: unknown[]): LoadStatsRequest {
  return LoadStatsRequest.fromPartial({ clusterStats: clusterStats as ClusterStats[] });
}

describe("the Load Reporting Service on the xDS server", () => {
  let h: Harness;
  let clock: ManualClock;
  let aggregator: GatedAggregator;
  let lrs: LoadReportingServer;
  let client: LoadReportingServiceClient;
  const streams: Stream<LoadStatsRequest, LoadStatsResponse>[] = [];

  before(async () => {
    clock = new ManualClock(1_000_000);
    aggregator = new GatedAggregator(clock);
    lrs = new LoadReportingServer({
      aggregator,
      logger: pino({ level: "silent" }),
      intervalMs: 2_500,
      limits: { maxClusters: 3, maxEntriesPerCluster: 10 },
    });
    h = await startHarness({ services: [lrs.service] });
    client = new LoadReportingServiceClient(h.address, credentials.createInsecure());
  });

  after(async () => {
    for (const stream of streams) stream.cancel();
    client.close();
    await h.close();
  });

  /** A stream that has sent its node and been answered. */
  async function open(
    node: Partial<Node>,
  ): Promise<{ stream: Stream<LoadStatsRequest, LoadStatsResponse>; response: LoadStatsResponse }> {
    const stream = new Stream<LoadStatsRequest, LoadStatsResponse>(client.streamLoadStats());
    streams.push(stream);
    stream.send(LoadStatsRequest.fromPartial({ node }));
    return { stream, response: await stream.next() };
  }

  async function send(stream: Stream<LoadStatsRequest, LoadStatsResponse>, request: LoadStatsRequest): Promise<void> {
    const ingested = aggregator.nextIngest();
    stream.send(request);
    await ingested;
  }

  /** The 10 s window's edges once the open slot has closed. */
  async function closedEdges(perWorkload = false) {
    await clock.advance(SLOT_MS);
    return aggregator.telemetry.edges("10s", { perWorkload });
  }

  test("the first request is answered with every cluster, per endpoint, at the configured interval", async () => {
    const { response } = await open(SIDECAR_OF_WEB);
    assert.equal(response.sendAllClusters, true);
    assert.equal(response.reportEndpointGranularity, true);
    assert.deepEqual(response.clusters, []);
    assert.deepEqual(response.loadReportingInterval, { seconds: 2, nanos: 500_000_000 });
  });

  test("a sidecar's report for a mesh cluster counts calls from its service to the cluster's service", async () => {
    const { stream } = await open(SIDECAR_OF_WEB);
    await send(stream, report([{ clusterName: "outbound|80||catalog", upstreamLocalityStats: [locality(7, 2)] }]));
    const edges = await closedEdges();
    assert.equal(edges.length, 1);
    assert.deepEqual(edges[0]?.edge, { sourceService: "web", destinationService: "catalog" });
    assert.equal(edges[0]?.requests, 9);
    assert.equal(edges[0]?.failures, 2);
    assert.equal(edges[0]?.latencyMs.p50, null);
  });

  test("per-endpoint stats name the workload, and Weft's latency metrics give the distribution", async () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 4; i++) histogram.record(20);
    const { stream } = await open(SIDECAR_OF_WEB);
    await send(
      stream,
      report([
        {
          clusterName: "outbound|80||catalog",
          upstreamLocalityStats: [
            locality(4, 0, {
              upstreamEndpointStats: [
                {
                  address: { socketAddress: { address: "10.0.0.5", portValue: 8080 } },
                  ...locality(4, 0),
                  loadMetricStats: latencyMetrics(histogram.toSparse()),
                },
              ],
            }),
          ],
        },
      ]),
    );
    const [edge] = await closedEdges(true);
    assert.deepEqual(edge?.edge, {
      sourceService: "web",
      destinationService: "catalog",
      destinationWorkload: "10.0.0.5:8080",
    });
    assert.equal(edge?.requests, 4);
    assert.equal(edge?.latencyMs.p50, histogram.quantile(0.5));
  });

  test("a gRPC proxyless client's node (no sidecar metadata) calls as its node.cluster; other clusters keep their name", async () => {
    const { stream } = await open({ id: "checkout-grpc-1", cluster: "checkout" });
    await send(
      stream,
      report([
        { clusterName: "outbound|9090||catalog", upstreamLocalityStats: [locality(3, 0)] },
        { clusterName: "legacy-db", upstreamLocalityStats: [locality(1, 1)] },
      ]),
    );
    const edges = (await closedEdges()).map((e) => [e.edge.sourceService, e.edge.destinationService, e.requests]);
    assert.deepEqual(edges, [
      ["checkout", "catalog", 3],
      ["checkout", "legacy-db", 2],
    ]);
  });

  test("malformed clusters are counted and left out; the rest of the report is read and the stream stays open", async () => {
    const before = lrs.counts();
    const { stream } = await open({ id: "anonymous" });
    await send(
      stream,
      report([
        { clusterName: "", upstreamLocalityStats: [locality(5, 0)] },
        {
          clusterName: "outbound|80||catalog",
          upstreamLocalityStats: [
            locality(5, 0, {
              loadMetricStats: [
                { metricName: "weft.latency_ms.log-2pct-50us-5min-v1.x", numRequestsFinishedWithMetric: 5 },
              ],
            }),
          ],
        },
        { clusterName: "outbound|80||catalog", upstreamLocalityStats: [locality(1, 0)] },
        { clusterName: "over-the-cap", upstreamLocalityStats: [locality(1, 0)] },
      ]),
    );
    const after = lrs.counts();
    assert.equal(after.malformedClusters - before.malformedClusters, 2);
    assert.equal(after.clustersOverCap - before.clustersOverCap, 1);
    assert.equal(after.clusters - before.clusters, 1);
    await send(stream, report([{ clusterName: "outbound|80||catalog", upstreamLocalityStats: [locality(2, 0)] }]));
    const edges = (await closedEdges()).map((e) => [e.edge.sourceService, e.edge.destinationService, e.requests]);
    // A node with neither sidecar metadata nor a cluster calls as `unknown`.
    assert.deepEqual(edges, [["unknown", "catalog", 3]]);
  });
  test("a count too large to read ends only that stream, with INTERNAL", async () => {
    // ClusterStats { cluster_name: "x", total_dropped_requests: 2^60 } inside LoadStatsRequest.cluster_stats.
    const cluster = new BinaryWriter()
      .uint32(10)
      .string("x")
      .uint32(24)
      .uint64(2n ** 60n)
      .finish();
    const request = Buffer.from(new BinaryWriter().uint32(18).bytes(cluster).finish());
    const raw = new Stream<Buffer, LoadStatsResponse>(
      client.makeBidiStreamRequest(
        LoadReportingServiceService.streamLoadStats.path,
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => LoadStatsResponse.decode(bytes),
      ),
    );
    raw.send(Buffer.from(LoadStatsRequest.encode(LoadStatsRequest.fromPartial({ node: { cluster: "big" } })).finish()));
    await raw.next();
    raw.send(request);
    assert.equal((await raw.failure()).code, status.INTERNAL);
    const { stream } = await open(SIDECAR_OF_WEB);
    await send(stream, report([{ clusterName: "outbound|80||catalog", upstreamLocalityStats: [locality(1, 0)] }]));
    assert.deepEqual(
      (await closedEdges()).map((e) => [e.edge.sourceService, e.requests]),
      [["web", 1]],
    );
  });
});
