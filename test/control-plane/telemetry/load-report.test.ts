// Reading LRS reports into telemetry records, and Weft's latency extension of them: pure, no sockets.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serviceOfClusterName } from "../../../control-plane/src/mesh/compiler/names.js";
import { LATENCY_LAYOUT, LatencyHistogram } from "../../../control-plane/src/telemetry/index.js";
import {
  LATENCY_BUCKET_PREFIX,
  LATENCY_SUM_METRIC,
  latencyMetrics,
  readLatency,
} from "../../../control-plane/src/telemetry/latency-metrics.js";
import { readLoadReport } from "../../../control-plane/src/telemetry/load-report.js";
import { ClusterStats } from "../../../proto/gen/envoy/config/endpoint/v3/load_report.js";

function clusterStats(fields: Record<string, unknown>): ClusterStats {
  return ClusterStats.fromPartial(fields as Partial<ClusterStats>);
}

describe("Weft's latency metrics in an LRS report", () => {
  test("a histogram written as load metrics reads back as the same sparse histogram", () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0.01, 3, 3, 40, 1_200, 900_000]) histogram.record(ms);
    const reading = readLatency(latencyMetrics(histogram.toSparse()));
    assert.deepEqual(reading, { kind: "histogram", histogram: histogram.toSparse() });
  });

  test("the sum metric reads as LRS means it: calls timed and their total latency", () => {
    const histogram = new LatencyHistogram();
    histogram.record(10);
    histogram.record(30);
    const sum = latencyMetrics(histogram.toSparse()).find((m) => m.metricName === LATENCY_SUM_METRIC);
    assert.equal(sum?.numRequestsFinishedWithMetric, 2);
    assert.equal(sum?.totalMetricValue, 40);
  });

  test("metrics without buckets, or other reporters' metrics only, carry no distribution", () => {
    assert.deepEqual(readLatency([]), { kind: "none" });
    const others = [
      { metricName: "cpu_utilization", numRequestsFinishedWithMetric: 3, totalMetricValue: 1.5 },
      { metricName: LATENCY_SUM_METRIC, numRequestsFinishedWithMetric: 3, totalMetricValue: 30 },
      { metricName: `${LATENCY_SUM_METRIC}.another-layout.4`, numRequestsFinishedWithMetric: 3, totalMetricValue: 3 },
    ];
    assert.deepEqual(readLatency(others), { kind: "none" });
  });

  const bucket = (index: string, count: number) => ({
    metricName: `${LATENCY_BUCKET_PREFIX}${index}`,
    numRequestsFinishedWithMetric: count,
    totalMetricValue: count,
  });
  const sum = (count: number) => ({
    metricName: LATENCY_SUM_METRIC,
    numRequestsFinishedWithMetric: count,
    totalMetricValue: 5,
  });
  const malformed: [
    string,
    { metricName: string; numRequestsFinishedWithMetric: number; totalMetricValue: number }[],
  ][] = [
    ["buckets without the sum metric", [bucket("7", 2)]],
    ["a sum counting other calls than the buckets", [sum(3), bucket("7", 2)]],
    ["an index that is not a decimal integer", [sum(2), bucket("07", 2)]],
    ["an index outside the layout", [sum(2), bucket("100000", 2)]],
    ["a bucket named twice", [sum(4), bucket("7", 2), bucket("7", 2)]],
    ["a count that is not a safe integer", [sum(2), bucket("7", 2.5)]],
    ["two sum metrics", [sum(2), sum(2), bucket("7", 2)]],
  ];
  for (const [what, metrics] of malformed) {
    test(`${what} is malformed`, () => {
      assert.deepEqual(readLatency(metrics), { kind: "malformed" });
    });
  }

  test("the layout is part of every bucket's name", () => {
    assert.ok(LATENCY_BUCKET_PREFIX.includes(LATENCY_LAYOUT));
  });
});

describe("reading an LRS report", () => {
  test("mesh cluster names give the Service; other names are the destination as they are", () => {
    assert.deepEqual(serviceOfClusterName("outbound|80||catalog"), { service: "catalog", port: 80 });
    for (const name of [
      "catalog",
      "outbound|80|v1|catalog",
      "outbound|0||catalog",
      "outbound|70000||catalog",
      "outbound|80||",
      "inbound|app",
    ])
      assert.equal(serviceOfClusterName(name), undefined, name);
  });

  test("per-endpoint stats are counted instead of their locality's totals, never both", () => {
    const read = readLoadReport("web", [
      clusterStats({
        clusterName: "outbound|80||catalog",
        upstreamLocalityStats: [
          {
            totalSuccessfulRequests: 5,
            upstreamEndpointStats: [
              { address: { socketAddress: { address: "10.0.0.1", portValue: 80 } }, totalSuccessfulRequests: 2 },
              { address: { socketAddress: { address: "fd00::2", portValue: 80 } }, totalSuccessfulRequests: 3 },
            ],
          },
        ],
      }),
    ]);
    assert.deepEqual(
      read.records.map((r) => [r.edge.destinationWorkload, r.responseClass, r.requests]),
      [
        ["10.0.0.1:80", "2xx", 2],
        ["[fd00::2]:80", "2xx", 3],
      ],
    );
  });

  test("errors are a failure class; calls in progress and issued are not counted; drops are summed apart", () => {
    const read = readLoadReport("web", [
      clusterStats({
        clusterName: "outbound|80||catalog",
        totalDroppedRequests: 4,
        upstreamLocalityStats: [
          { totalSuccessfulRequests: 1, totalErrorRequests: 2, totalRequestsInProgress: 9, totalIssuedRequests: 9 },
        ],
      }),
    ]);
    assert.deepEqual(
      read.records.map((r) => [r.responseClass, r.requests, r.failures]),
      [
        ["2xx", 1, 0],
        ["5xx", 2, 2],
      ],
    );
    assert.equal(read.droppedRequests, 4);
  });

  test("a cluster with more entries than the cap, or an unsafe count, is malformed", () => {
    const many = Array.from({ length: 3 }, () => ({ totalSuccessfulRequests: 1 }));
    const read = readLoadReport(
      "web",
      [
        clusterStats({ clusterName: "a", upstreamLocalityStats: many }),
        clusterStats({ clusterName: "b", upstreamLocalityStats: [{ totalSuccessfulRequests: 2 ** 60 }] }),
        clusterStats({ clusterName: "c", upstreamLocalityStats: [{ totalSuccessfulRequests: 1 }] }),
      ],
      { maxClusters: 10, maxEntriesPerCluster: 2 },
    );
    assert.equal(read.malformedClusters, 2);
    assert.deepEqual(
      read.records.map((r) => r.edge.destinationService),
      ["c"],
    );
  });
});
