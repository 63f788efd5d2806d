import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  EdgeStats,
  type EdgeStatsRecord,
  edgeKey,
  fromRecord,
  RESPONSE_CLASSES,
  toRecord,
} from "../../../control-plane/src/telemetry/index.js";

const stats = fc
  .record({
    requests: fc.nat(1000),
    failures: fc.nat(1000),
    bytesSent: fc.nat(1e6),
    bytesReceived: fc.nat(1e6),
    latencies: fc.array(fc.integer({ min: 1, max: 10_000 }), { maxLength: 20 }),
  })
  .map(({ latencies, ...counts }) => {
    const s = new EdgeStats();
    Object.assign(s, counts);
    for (const ms of latencies) s.latency.record(ms);
    return s;
  });

function merged(...parts: EdgeStats[]): EdgeStatsRecord {
  const total = new EdgeStats();
  for (const part of parts) total.merge(part);
  return toRecord({ edge: edgeKey("a", "b"), responseClass: "2xx", stats: total });
}

function record(overrides: Partial<EdgeStatsRecord> = {}): EdgeStatsRecord {
  const s = new EdgeStats();
  s.requests = 10;
  s.failures = 2;
  s.bytesSent = 100;
  s.bytesReceived = 2000;
  s.latency.record(12);
  return {
    ...toRecord({ edge: edgeKey("web", "catalog", "catalog-1"), responseClass: "2xx", stats: s }),
    ...overrides,
  };
}

describe("edge stats", () => {
  test("merging is associative and commutative", () => {
    fc.assert(
      fc.property(stats, stats, stats, (a, b, c) => {
        const ab = a.clone();
        ab.merge(b);
        const bc = b.clone();
        bc.merge(c);
        assert.deepEqual(merged(ab, c), merged(a, bc));
        assert.deepEqual(merged(a, b, c), merged(c, b, a));
      }),
      { numRuns: 100 },
    );
  });

  test("a record reads back to the same series, through JSON", () => {
    const original = record();
    const series = fromRecord(JSON.parse(JSON.stringify(original)));
    assert.ok(series !== undefined);
    assert.deepEqual(toRecord(series), original);
  });

  test("an edge without a destination workload stays without one", () => {
    const series = fromRecord(record({ edge: { sourceService: "web", destinationService: "catalog" } }));
    assert.deepEqual(series?.edge, { sourceService: "web", destinationService: "catalog" });
  });

  test("every request of class 5xx or none is a failure, whatever the reporter counted", () => {
    for (const responseClass of RESPONSE_CLASSES) {
      const series = fromRecord(record({ responseClass, failures: 0 }));
      const expected = responseClass === "5xx" || responseClass === "none" ? 10 : 0;
      assert.equal(series?.stats.failures, expected, responseClass);
    }
  });

  test("a record that is not a valid one is refused", () => {
    const bad: Record<string, EdgeStatsRecord> = {
      "an empty source": record({ edge: { sourceService: "", destinationService: "catalog" } }),
      "no destination": record({ edge: { sourceService: "web" } as never }),
      "an empty workload": record({ edge: { sourceService: "web", destinationService: "c", destinationWorkload: "" } }),
      "an unknown class": record({ responseClass: "1xx" as never }),
      "negative requests": record({ requests: -1 }),
      "fractional bytes": record({ bytesSent: 1.5 }),
      "more failures than requests": record({ failures: 11 }),
      "a histogram of another layout": record({ latency: { ...record().latency, layout: "other" } }),
      "no histogram": record({ latency: null as never }),
    };
    for (const [name, r] of Object.entries(bad)) assert.equal(fromRecord(r), undefined, name);
  });
});
