import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { RuntimeHealthCheck } from "../../../data-plane/src/config/index.js";
import { HealthChecker, type HealthProbe } from "../../../data-plane/src/upstream/health/index.js";
import { ManualClock } from "../../time/manual-clock.js";
import { FakeTarget } from "./fake-time.js";

function healthCheck(extra: Partial<RuntimeHealthCheck> = {}): RuntimeHealthCheck {
  return {
    timeoutMs: 1000,
    intervalMs: 5000,
    intervalJitterMs: 0,
    intervalJitterPercent: 0,
    initialJitterMs: 0,
    unhealthyIntervalMs: 5000,
    unhealthyEdgeIntervalMs: 5000,
    healthyEdgeIntervalMs: 5000,
    unhealthyThreshold: 2,
    healthyThreshold: 2,
    altPort: undefined,
    http: {
      path: "/healthz",
      host: "backend",
      method: "GET",
      http2: false,
      expectedStatuses: [{ start: 200, end: 201 }],
      retriableStatuses: [],
      requestHeaders: [],
      requestHeadersToRemove: [],
    },
    ...extra,
  };
}

/** What each address answers: a status, "error" (connection refused) or "hang" (never answers). */
type Answer = number | "error" | "hang";

interface Harness {
  readonly time: ManualClock;
  readonly checker: HealthChecker;
  readonly probes: HealthProbe[];
  readonly answers: Map<string, Answer>;
  readonly changes: { count: number };
  readonly results: [string, boolean][];
  targets: FakeTarget[];
}

const open: HealthChecker[] = [];
afterEach(() => {
  for (const checker of open.splice(0)) checker.close();
});

function start(check: RuntimeHealthCheck, addresses: string[], random: () => number = () => 0): Harness {
  const time = new ManualClock();
  const probes: HealthProbe[] = [];
  const answers = new Map<string, Answer>();
  const changes = { count: 0 };
  const results: [string, boolean][] = [];
  const harness: Harness = {
    time,
    probes,
    answers,
    changes,
    results,
    targets: addresses.map((address) => new FakeTarget(address)),
    checker: undefined as unknown as HealthChecker,
  };
  const checker = new HealthChecker({
    cluster: "backend",
    check,
    targets: () => harness.targets,
    onChange: () => changes.count++,
    onResult: (address, healthy) => results.push([address, healthy]),
    request: (probe) => {
      probes.push(probe);
      const answer = answers.get(`${probe.host}:${probe.port}`) ?? 200;
      if (answer === "hang") return new Promise(() => {});
      if (answer === "error") return Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
      return Promise.resolve(answer);
    },
    clock: time,
    random,
  });
  open.push(checker);
  Object.assign(harness, { checker });
  return harness;
}

const A = "10.0.0.1:80";
const B = "10.0.0.2:80";

describe("HealthChecker", () => {
  it("a new host is failing until its first check, which alone marks it healthy", async () => {
    const h = start(healthCheck({ healthyThreshold: 3 }), [A]);
    const [target] = h.targets;
    assert.equal(target?.activeHealthFailed, true);
    assert.deepEqual(h.checker.view()[0]?.pending, true);
    await h.time.advance(0);
    assert.equal(h.probes.length, 1);
    assert.equal(target?.activeHealthFailed, false);
    assert.deepEqual(h.results, [[A, true]]);
    assert.equal(h.checker.view()[0]?.pending, false);
  });

  it("after a failed first check, healthy_threshold passes in a row are needed", async () => {
    const h = start(healthCheck({ healthyThreshold: 2 }), [A]);
    h.answers.set(A, "error");
    await h.time.advance(0);
    assert.equal(h.targets[0]?.activeHealthFailed, true);
    assert.equal(h.checker.view()[0]?.lastFailure, "ECONNREFUSED");
    h.answers.set(A, 200);
    await h.time.advance(5000);
    assert.equal(h.targets[0]?.activeHealthFailed, true, "one pass is not enough");
    await h.time.advance(5000);
    assert.equal(h.targets[0]?.activeHealthFailed, false);
  });

  it("network failures and retriable statuses count toward unhealthy_threshold; a pass resets the count", async () => {
    const check = healthCheck({ unhealthyThreshold: 3 });
    const h = start({ ...check, http: { ...check.http, retriableStatuses: [{ start: 503, end: 504 }] } }, [A]);
    await h.time.advance(0);
    h.answers.set(A, "error");
    await h.time.advance(5000);
    h.answers.set(A, 503);
    await h.time.advance(5000);
    assert.equal(h.targets[0]?.activeHealthFailed, false, "two failures of three");
    h.answers.set(A, 200);
    await h.time.advance(5000);
    h.answers.set(A, "error");
    await h.time.advance(10_000);
    assert.equal(h.targets[0]?.activeHealthFailed, false, "the pass reset the count");
    await h.time.advance(5000);
    assert.equal(h.targets[0]?.activeHealthFailed, true);
    assert.equal(h.checker.view()[0]?.consecutiveFailures, 3);
  });

  it("a status neither expected nor retriable marks the host failing at once (Envoy ignores the threshold)", async () => {
    const h = start(healthCheck({ unhealthyThreshold: 5 }), [A]);
    await h.time.advance(0);
    const before = h.changes.count;
    h.answers.set(A, 500);
    await h.time.advance(5000);
    assert.equal(h.targets[0]?.activeHealthFailed, true);
    assert.equal(h.checker.view()[0]?.lastFailure, "status 500");
    assert.equal(h.changes.count, before + 1);
  });

  it("expected_statuses ranges decide what passes", async () => {
    const check = healthCheck({ healthyThreshold: 1 });
    const h = start(
      {
        ...check,
        http: {
          ...check.http,
          expectedStatuses: [
            { start: 200, end: 300 },
            { start: 404, end: 405 },
          ],
        },
      },
      [A],
    );
    for (const [status, healthy] of [
      [204, true],
      [404, true],
      [300, false],
      [299, true],
      [405, false],
    ] as const) {
      h.answers.set(A, status);
      await h.time.advance(5000);
      assert.equal(h.targets[0]?.activeHealthFailed, !healthy, `status ${status}`);
    }
  });

  it("a check that does not answer within the timeout is a failure, and its request is aborted", async () => {
    const h = start(healthCheck({ unhealthyThreshold: 1, timeoutMs: 700 }), [A]);
    await h.time.advance(0);
    h.answers.set(A, "hang");
    await h.time.advance(5000);
    assert.equal(h.targets[0]?.activeHealthFailed, false);
    await h.time.advance(699);
    assert.equal(h.targets[0]?.activeHealthFailed, false);
    await h.time.advance(1);
    assert.equal(h.targets[0]?.activeHealthFailed, true);
    assert.equal(h.checker.view()[0]?.lastFailure, "timeout");
    assert.equal(h.probes.at(-1)?.signal.aborted, true);
  });

  it("sends the path, host, method, headers and port the config names", async () => {
    const check = healthCheck({ altPort: 9901 });
    const h = start(
      {
        ...check,
        http: { ...check.http, host: "health.local", requestHeaders: [["x-probe", "weft"]], http2: true },
      },
      [A],
    );
    await h.time.advance(0);
    const [probe] = h.probes;
    assert.ok(probe);
    assert.equal(probe.host, "10.0.0.1");
    assert.equal(probe.port, 9901);
    assert.equal(probe.path, "/healthz");
    assert.equal(probe.authority, "health.local");
    assert.equal(probe.method, "GET");
    assert.equal(probe.http2, true);
    assert.deepEqual(probe.headers, { "user-agent": "Weft/HC", "x-probe": "weft" });
  });

  it("interval jitter, jitter percent and initial jitter stay within their bounds", async () => {
    let value = 0.999;
    const h = start(
      healthCheck({ initialJitterMs: 1000, intervalJitterMs: 400, intervalJitterPercent: 10 }),
      [A],
      () => value,
    );
    assert.deepEqual(h.time.delays(), [999, 5000], "first check within initial_jitter (and the sync round)");
    await h.time.advance(999);
    // 5000 + 0.999 × 400 + 0.999 × 500, floored
    assert.ok(h.time.delays().includes(5000 + 399 + 499), String(h.time.delays()));
    value = 0;
    await h.time.advance(5898);
    assert.ok(h.time.delays().includes(5000), String(h.time.delays()));
  });

  it("uses the edge intervals after a change and unhealthy_interval while failing", async () => {
    const h = start(
      healthCheck({
        unhealthyThreshold: 1,
        intervalMs: 5000,
        unhealthyIntervalMs: 2000,
        unhealthyEdgeIntervalMs: 1000,
        healthyEdgeIntervalMs: 3000,
      }),
      [A],
    );
    await h.time.advance(0);
    assert.ok(h.time.delays().includes(3000), "healthy edge");
    await h.time.advance(3000);
    assert.ok(h.time.delays().includes(5000), "interval");
    h.answers.set(A, 500);
    await h.time.advance(5000);
    assert.ok(h.time.delays().includes(1000), "unhealthy edge");
    await h.time.advance(1000);
    assert.ok(h.time.delays().includes(2000), "unhealthy interval");
  });

  it("picks up added and removed hosts on sync and once per interval", async () => {
    const h = start(healthCheck(), [A]);
    await h.time.advance(0);
    const b = new FakeTarget(B);
    h.targets = [...h.targets, b];
    await h.time.advance(4999);
    assert.equal(b.activeHealthFailed, false, "not seen before the round");
    await h.time.advance(1);
    assert.equal(h.probes.filter((p) => p.host === "10.0.0.2").length, 1);
    assert.equal(b.activeHealthFailed, false);
    h.targets = [b];
    h.checker.sync();
    assert.deepEqual(
      h.checker.view().map((v) => v.address),
      [B],
    );
    const probesBefore = h.probes.filter((p) => p.host === "10.0.0.1").length;
    await h.time.advance(20_000);
    assert.equal(h.probes.filter((p) => p.host === "10.0.0.1").length, probesBefore, "A is no longer checked");
  });

  it("a host that comes back as a new object keeps its state", async () => {
    const h = start(healthCheck(), [A]);
    await h.time.advance(0);
    const again = new FakeTarget(A);
    h.targets = [again];
    h.checker.sync();
    assert.equal(again.activeHealthFailed, false);
    assert.equal(h.checker.view()[0]?.consecutiveSuccesses, 1);
  });

  it("update keeps host verdicts and counters and follows the new interval", async () => {
    const h = start(healthCheck({ unhealthyThreshold: 3 }), [A]);
    await h.time.advance(0);
    h.answers.set(A, "error");
    await h.time.advance(5000);
    h.checker.update(healthCheck({ unhealthyThreshold: 2, intervalMs: 1000 }));
    assert.equal(h.targets[0]?.activeHealthFailed, false);
    assert.equal(h.checker.view()[0]?.consecutiveFailures, 1);
    await h.time.advance(1000);
    assert.equal(h.targets[0]?.activeHealthFailed, true, "second failure reaches the new threshold");
  });

  it("close stops every timer, aborts checks in flight and clears the flags it set", async () => {
    const h = start(healthCheck(), [A, B]);
    h.answers.set(A, "hang");
    h.answers.set(B, "error");
    await h.time.advance(0);
    assert.equal(h.targets[1]?.activeHealthFailed, true);
    h.checker.close();
    assert.equal(h.time.pendingCount, 0);
    assert.equal(h.probes[0]?.signal.aborted, true);
    assert.equal(h.targets[0]?.activeHealthFailed, false);
    assert.equal(h.targets[1]?.activeHealthFailed, false);
    const probes = h.probes.length;
    await h.time.advance(60_000);
    assert.equal(h.probes.length, probes);
  });
});
