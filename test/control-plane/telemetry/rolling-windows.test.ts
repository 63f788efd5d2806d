import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  EdgeStats,
  type EdgeStatsRecord,
  edgeKey,
  type ResponseClass,
  SLOT_MS,
  TelemetryAggregator,
  type TelemetrySnapshot,
  toRecord,
  type WindowName,
} from "../../../control-plane/src/telemetry/index.js";
import { ManualClock } from "../../time/manual-clock.js";

// 1,000,000 ms is a slot boundary, so the first slot is whole unless a test says otherwise.
const START = 1_000_000;

function entry(
  source: string,
  destination: string,
  requests: number,
  options: { responseClass?: ResponseClass; latencyMs?: number; workload?: string; failures?: number } = {},
): EdgeStatsRecord {
  const stats = new EdgeStats();
  stats.requests = requests;
  stats.failures = options.failures ?? 0;
  for (let i = 0; i < requests; i++) stats.latency.record(options.latencyMs ?? 10);
  return toRecord({
    edge: edgeKey(source, destination, options.workload),
    responseClass: options.responseClass ?? "2xx",
    stats,
  });
}

function setup(options: { start?: number; maxEdges?: number } = {}) {
  const clock = new ManualClock(options.start ?? START);
  const telemetry = new TelemetryAggregator({ clock, ...(options.maxEdges === undefined ? {} : options) });
  const requestsIn = (window: WindowName) => telemetry.services(window).reduce((sum, row) => sum + row.requests, 0);
  return { clock, telemetry, requestsIn };
}

describe("telemetry rolling windows", () => {
  test("a report counts in no window while its slot is open", () => {
    const { clock, telemetry, requestsIn } = setup();
    telemetry.ingest([entry("web", "catalog", 5)]);
    clock.spend(SLOT_MS - 1);
    assert.equal(requestsIn("10s"), 0);
    assert.equal(requestsIn("10m"), 0);
  });

  test("a report shows in each window from the end of its slot until the slot is older than the window", () => {
    const { clock, telemetry, requestsIn } = setup();
    clock.spend(3_000);
    telemetry.ingest([entry("web", "catalog", 5)]);
    clock.spend(7_000); // the slot of the report has just closed
    const seen: Record<WindowName, number> = { "10s": 0, "1m": 0, "10m": 0 };
    for (let slot = 0; slot < 70; slot++) {
      for (const window of ["10s", "1m", "10m"] as const) if (requestsIn(window) === 5) seen[window] += 1;
      clock.spend(SLOT_MS);
    }
    assert.deepEqual(seen, { "10s": 1, "1m": 6, "10m": 60 });
  });

  test("rates divide by the collected part of the window, whole or not", () => {
    const { clock, telemetry } = setup({ start: START + 4_000 });
    telemetry.ingest([entry("web", "catalog", 60)]);
    clock.spend(6_000); // the first slot closes, collected for 6 s of it
    assert.equal(telemetry.services("1m")[0]?.requestsPerSecond, 10);
    telemetry.ingest([entry("web", "catalog", 60)]);
    clock.spend(SLOT_MS); // 16 s collected
    assert.equal(telemetry.services("1m")[0]?.requestsPerSecond, 120 / 16);
    assert.equal(telemetry.services("10s")[0]?.requestsPerSecond, 6);
    clock.spend(5 * SLOT_MS); // the 1 m window is now whole, and holds only the second report
    assert.equal(telemetry.services("1m")[0]?.requestsPerSecond, 1);
  });

  test("services are sorted by traffic, with success rate and latency quantiles", () => {
    const { clock, telemetry } = setup();
    telemetry.ingest([
      entry("web", "catalog", 10, { latencyMs: 20 }),
      entry("web", "pricing", 30, { latencyMs: 5 }),
      entry("catalog", "pricing", 10, { responseClass: "5xx", latencyMs: 100 }),
      entry("web", "auth", 10, { responseClass: "4xx" }),
    ]);
    clock.spend(SLOT_MS);
    const rows = telemetry.services("10s");
    assert.deepEqual(
      rows.map((row) => [row.service, row.requests, row.successRate]),
      [
        ["pricing", 40, 0.75],
        ["auth", 10, 1],
        ["catalog", 10, 1],
      ],
    );
    const pricing = rows[0]?.latencyMs;
    assert.ok(Math.abs((pricing?.p50 as number) - 5) <= 5 * 0.02);
    assert.ok(Math.abs((pricing?.p99 as number) - 100) <= 100 * 0.02);
  });

  test("edges join the workloads of a destination unless asked per workload", () => {
    const { clock, telemetry } = setup();
    telemetry.ingest([
      entry("web", "catalog", 4, { workload: "catalog-1" }),
      entry("web", "catalog", 6, { workload: "catalog-2", responseClass: "5xx" }),
      entry("unknown", "catalog", 1),
    ]);
    clock.spend(SLOT_MS);
    assert.deepEqual(
      telemetry.edges("1m").map((row) => [row.edge, row.requests, row.successRate]),
      [
        [{ sourceService: "web", destinationService: "catalog" }, 10, 0.4],
        [{ sourceService: "unknown", destinationService: "catalog" }, 1, 1],
      ],
    );
    assert.deepEqual(
      telemetry.edges("1m", { perWorkload: true }).map((row) => [row.edge.destinationWorkload, row.requests]),
      [
        ["catalog-2", 6],
        ["catalog-1", 4],
        [undefined, 1],
      ],
    );
  });

  test("a new edge beyond the cap is dropped and counted, while held edges still count", () => {
    const { clock, telemetry, requestsIn } = setup({ maxEdges: 2 });
    const outcome = telemetry.ingest([
      entry("web", "catalog", 1),
      entry("web", "pricing", 2),
      entry("web", "auth", 3),
      entry("web", "catalog", 4, { responseClass: "5xx" }),
    ]);
    assert.deepEqual(outcome, { accepted: 3, dropped: 1, invalid: 0 });
    assert.deepEqual(telemetry.dropped(), { entries: 1, requests: 3, invalid: 0 });
    assert.equal(telemetry.edgeCount, 2);
    clock.spend(SLOT_MS);
    assert.equal(requestsIn("10s"), 7);
  });

  test("an edge seen in no slot of the last 10 minutes is forgotten, with its totals, and frees its place", () => {
    const { clock, telemetry } = setup({ maxEdges: 1 });
    telemetry.ingest([entry("web", "catalog", 1)]);
    clock.spend(60 * SLOT_MS);
    assert.equal(telemetry.edgeCount, 1); // its slot is the oldest of the 10 m window
    assert.deepEqual(telemetry.ingest([entry("web", "pricing", 1)]).dropped, 1);
    clock.spend(SLOT_MS);
    assert.equal(telemetry.edgeCount, 0);
    assert.deepEqual(telemetry.totals(), []);
    assert.deepEqual(telemetry.ingest([entry("web", "pricing", 1)]).accepted, 1);
  });

  test("invalid entries are counted and change nothing", () => {
    const { telemetry } = setup();
    const outcome = telemetry.ingest([{ ...entry("web", "catalog", 1), requests: -1 }]);
    assert.deepEqual(outcome, { accepted: 0, dropped: 0, invalid: 1 });
    assert.equal(telemetry.dropped().invalid, 1);
    assert.deepEqual(telemetry.totals(), []);
  });

  test("totals are cumulative since start, open slot included, beyond the longest window", () => {
    const { clock, telemetry } = setup();
    const requestsTotal = () => telemetry.totals().reduce((sum, series) => sum + series.stats.requests, 0);
    for (let slot = 0; slot < 90; slot++) {
      telemetry.ingest([entry("web", "catalog", 1), entry("web", "catalog", 1, { responseClass: "5xx" })]);
      assert.equal(requestsTotal(), 2 * (slot + 1));
      clock.spend(SLOT_MS);
    }
    const series = telemetry.totals().map((s) => [s.responseClass, s.stats.requests, s.stats.failures]);
    assert.deepEqual(series, [
      ["2xx", 90, 0],
      ["5xx", 90, 90],
    ]);
  });

  test("the totals returned are the caller's: changing them changes nothing held", () => {
    const { telemetry } = setup();
    telemetry.ingest([entry("web", "catalog", 1)]);
    const [series] = telemetry.totals();
    if (series !== undefined) series.stats.requests = 1000;
    assert.equal(telemetry.totals()[0]?.stats.requests, 1);
  });

  test("a snapshot restored after a restart brings back all but the open slot, through JSON", () => {
    const before = setup();
    for (let slot = 0; slot < 8; slot++) {
      before.telemetry.ingest([entry("web", "catalog", slot + 1, { workload: "catalog-1" })]);
      before.clock.spend(SLOT_MS);
    }
    before.telemetry.ingest([entry("web", "catalog", 100)]); // the open slot: lost
    const snapshot: TelemetrySnapshot = JSON.parse(JSON.stringify(before.telemetry.snapshot()));

    const after = setup({ start: before.clock.now() + 5_000 }); // restarted within the same slot
    assert.deepEqual(after.telemetry.restore(snapshot), {
      restored: true,
      slots: 8,
      accepted: 8,
      dropped: 0,
      invalid: 0,
    });
    assert.deepEqual(after.telemetry.snapshot(), snapshot);
    for (const window of ["10s", "1m", "10m"] as const) {
      const withoutOpen = before.telemetry.services(window);
      assert.deepEqual(after.telemetry.services(window), withoutOpen, window);
      assert.deepEqual(
        after.telemetry.edges(window, { perWorkload: true }),
        before.telemetry.edges(window, { perWorkload: true }),
      );
    }
    assert.equal(after.telemetry.totals()[0]?.stats.requests, 36);
  });

  test("after a restart the time the process was down does not lower the rates", () => {
    const before = setup();
    before.telemetry.ingest([entry("web", "catalog", 100)]);
    before.clock.spend(SLOT_MS);
    const snapshot = before.telemetry.snapshot();

    const after = setup({ start: START + 3 * SLOT_MS }); // down for the second and third slots
    after.telemetry.restore(snapshot);
    after.telemetry.ingest([entry("web", "catalog", 200)]);
    after.clock.spend(SLOT_MS);
    // 300 requests over the 20 s collected, not the 40 s gone by
    assert.equal(after.telemetry.services("1m")[0]?.requestsPerSecond, 15);
  });

  test("restore keeps only slots within the longest window of now", () => {
    const before = setup();
    before.telemetry.ingest([entry("web", "catalog", 1)]);
    before.clock.spend(SLOT_MS);
    before.telemetry.ingest([entry("web", "pricing", 1)]);
    before.clock.spend(SLOT_MS);
    const after = setup({ start: START + 61 * SLOT_MS });
    const outcome = after.telemetry.restore(before.telemetry.snapshot());
    assert.equal(outcome.restored && outcome.slots, 1);
    assert.deepEqual(
      after.telemetry.totals().map((series) => series.edge.destinationService),
      ["pricing"],
    );
  });

  test("a snapshot of another format or slot width is refused and changes nothing", () => {
    const { clock, telemetry } = setup();
    telemetry.ingest([entry("web", "catalog", 1)]);
    clock.spend(SLOT_MS);
    const snapshot = telemetry.snapshot();
    const fresh = setup({ start: START + SLOT_MS });
    assert.deepEqual(fresh.telemetry.restore({ ...snapshot, format: 2 }), { restored: false, reason: "format" });
    assert.deepEqual(fresh.telemetry.restore({ ...snapshot, slotMs: 5_000 }), {
      restored: false,
      reason: "slot-width",
    });
    assert.deepEqual(fresh.telemetry.snapshot().slots, []);
  });

  test("restoring at the cap keeps the newest slots' edges and counts the rest as dropped", () => {
    const before = setup();
    before.telemetry.ingest([entry("web", "old", 1)]);
    before.clock.spend(SLOT_MS);
    before.telemetry.ingest([entry("web", "new", 1)]);
    before.clock.spend(SLOT_MS);
    const after = setup({ start: before.clock.now(), maxEdges: 1 });
    const outcome = after.telemetry.restore(before.telemetry.snapshot());
    assert.deepEqual(outcome, { restored: true, slots: 2, accepted: 1, dropped: 1, invalid: 0 });
    assert.deepEqual(
      after.telemetry.totals().map((series) => series.edge.destinationService),
      ["new"],
    );
  });
});
