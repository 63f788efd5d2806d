import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { RuntimeOutlierDetection } from "../../../data-plane/src/config/index.js";
import type { AttemptOutcome } from "../../../data-plane/src/upstream/index.js";
import { type EjectionReason, OutlierDetector } from "../../../data-plane/src/upstream/outlier/index.js";
import { ManualClock } from "../../time/manual-clock.js";
import { FakeTarget, seededRandom } from "./fake-time.js";

function outlier(extra: Partial<RuntimeOutlierDetection> = {}): RuntimeOutlierDetection {
  return {
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionTimeMs: 300_000,
    maxEjectionTimeJitterMs: 0,
    maxEjectionPercent: 100,
    alwaysEjectOneHost: false,
    successfulActiveHealthCheckUnejectHost: true,
    splitExternalLocalOriginErrors: false,
    consecutive5xx: { threshold: 5, enforcingPercent: 100 },
    consecutiveGatewayFailure: { threshold: 5, enforcingPercent: 0 },
    consecutiveLocalOriginFailure: { threshold: 5, enforcingPercent: 100 },
    ...extra,
  };
}

const open: OutlierDetector[] = [];
afterEach(() => {
  for (const detector of open.splice(0)) detector.close();
});

function start(config: RuntimeOutlierDetection, count = 4, random: () => number = () => 0) {
  const time = new ManualClock();
  const targets = Array.from({ length: count }, (_, i) => new FakeTarget(`10.0.0.${i + 1}:80`));
  const ejections: [string, EjectionReason][] = [];
  const changes = { count: 0 };
  const detector = new OutlierDetector({
    config,
    targets: () => targets,
    onChange: () => changes.count++,
    onEjection: (address, reason) => ejections.push([address, reason]),
    clock: time,
    random,
  });
  open.push(detector);
  const record = (index: number, outcome: AttemptOutcome, times = 1): void => {
    for (let i = 0; i < times; i++) detector.record(targets[index]?.address ?? "", outcome);
  };
  return { time, targets, ejections, changes, detector, record };
}

const status = (code: number): AttemptOutcome => ({ kind: "response", status: code });

describe("OutlierDetector", () => {
  it("ejects a host after consecutive_5xx 5xx responses in a row", () => {
    const d = start(outlier());
    d.record(0, status(500), 4);
    assert.equal(d.targets[0]?.ejected, false);
    d.record(0, status(500));
    assert.equal(d.targets[0]?.ejected, true);
    assert.deepEqual(d.ejections, [["10.0.0.1:80", "consecutive_5xx"]]);
    assert.equal(d.changes.count, 1);
    assert.equal(d.detector.ejectedCount(), 1);
  });

  it("a response below 500 resets the counts", () => {
    const d = start(outlier());
    d.record(0, status(503), 4);
    d.record(0, status(404));
    d.record(0, status(503), 4);
    assert.equal(d.targets[0]?.ejected, false);
    assert.equal(d.detector.view()[0]?.consecutive5xx, 4);
  });

  it("connect failures, resets and timeouts count as 5xx and gateway failures when not split", () => {
    const d = start(outlier({ consecutiveGatewayFailure: { threshold: 3, enforcingPercent: 100 } }));
    d.record(0, { kind: "connectFailure" });
    d.record(0, { kind: "reset" });
    d.record(0, { kind: "cancelled" });
    d.record(0, { kind: "timeout" });
    assert.deepEqual(d.ejections, [["10.0.0.1:80", "consecutive_gateway_failure"]]);
  });

  it("gateway failures eject only when enforcing_consecutive_gateway_failure allows (Envoy's default is 0)", () => {
    const off = start(outlier({ consecutiveGatewayFailure: { threshold: 2, enforcingPercent: 0 } }));
    off.record(0, status(502), 4);
    assert.deepEqual(off.ejections, [], "detected, not enforced; 4 of 5 toward consecutive_5xx");
    off.record(0, status(502));
    assert.deepEqual(off.ejections, [["10.0.0.1:80", "consecutive_5xx"]]);

    const on = start(outlier({ consecutiveGatewayFailure: { threshold: 2, enforcingPercent: 100 } }));
    on.record(0, status(504), 2);
    assert.deepEqual(on.ejections, [["10.0.0.1:80", "consecutive_gateway_failure"]]);
  });

  it("a 5xx that is not a gateway failure resets the gateway count only", () => {
    const d = start(outlier({ consecutiveGatewayFailure: { threshold: 2, enforcingPercent: 100 } }));
    d.record(0, status(503));
    d.record(0, status(500));
    d.record(0, status(503));
    assert.deepEqual(d.ejections, []);
    assert.equal(d.detector.view()[0]?.consecutive5xx, 3);
  });

  it("with split_external_local_origin_errors, local failures count apart and a response resets them", () => {
    const d = start(
      outlier({
        splitExternalLocalOriginErrors: true,
        consecutiveLocalOriginFailure: { threshold: 3, enforcingPercent: 100 },
      }),
    );
    d.record(0, { kind: "connectFailure" }, 2);
    d.record(0, status(500));
    d.record(0, { kind: "timeout" }, 2);
    assert.deepEqual(d.ejections, []);
    assert.equal(d.detector.view()[0]?.consecutive5xx, 1, "local failures did not count as 5xx");
    d.record(0, { kind: "reset" });
    assert.deepEqual(d.ejections, [["10.0.0.1:80", "consecutive_local_origin_failure"]]);
  });

  it("hosts return at the first sweep after their ejection time", async () => {
    const d = start(outlier({ intervalMs: 10_000, baseEjectionTimeMs: 25_000 }));
    d.record(0, status(500), 5);
    await d.time.advance(20_000);
    assert.equal(d.targets[0]?.ejected, true);
    await d.time.advance(10_000);
    assert.equal(d.targets[0]?.ejected, false, "returned at the 30 s sweep");
    assert.equal(d.detector.view()[0]?.ejectedUntil, undefined);
  });

  it("ejection time grows with repeated ejections and stops at max_ejection_time", async () => {
    const d = start(outlier({ intervalMs: 1000, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 25_000 }));
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ejectedAt = d.time.now();
      d.record(0, status(500), 5);
      durations.push((d.detector.view()[0]?.ejectedUntil ?? 0) - ejectedAt);
      await d.time.advance(durations.at(-1) ?? 0);
      assert.equal(d.targets[0]?.ejected, false);
    }
    assert.deepEqual(durations, [10_000, 20_000, 25_000, 25_000]);
  });

  it("each sweep lowers the multiplier of a host that is not ejected", async () => {
    const d = start(outlier({ intervalMs: 1000, baseEjectionTimeMs: 1000 }));
    d.record(0, status(500), 5);
    await d.time.advance(1000);
    d.record(0, status(500), 5);
    assert.equal(d.detector.view()[0]?.ejections, 2);
    await d.time.advance(2000);
    assert.equal(d.targets[0]?.ejected, false);
    await d.time.advance(1000);
    assert.equal(d.detector.view()[0]?.ejections, 1);
    await d.time.advance(5000);
    assert.equal(d.detector.view()[0]?.ejections, 0);
  });

  it("max_ejection_percent caps ejections; always_eject_one_host allows the first", () => {
    const capped = start(outlier({ maxEjectionPercent: 50 }), 4);
    for (let i = 0; i < 4; i++) capped.record(i, status(500), 5);
    assert.deepEqual(
      capped.targets.map((t) => t.ejected),
      [true, true, false, false],
    );

    const tenPercent = start(outlier({ maxEjectionPercent: 10 }), 3);
    tenPercent.record(0, status(500), 5);
    assert.equal(tenPercent.targets[0]?.ejected, false, "one of three is above 10%");

    const always = start(outlier({ maxEjectionPercent: 10, alwaysEjectOneHost: true }), 3);
    always.record(0, status(500), 5);
    always.record(1, status(500), 5);
    assert.deepEqual(
      always.targets.map((t) => t.ejected),
      [true, false, false],
    );
  });

  it("enforcing percentages are drawn from the random source", () => {
    const config = outlier({ consecutive5xx: { threshold: 1, enforcingPercent: 30 } });
    const expected = (seed: number): boolean[] => {
      const random = seededRandom(seed);
      const draws: boolean[] = [];
      for (let i = 0; i < 10; i++) draws.push(random() * 100 < 30);
      return draws;
    };
    for (const seed of [1, 7, 42]) {
      const d = start(config, 10, seededRandom(seed));
      for (let i = 0; i < 10; i++) d.record(i, status(500));
      const ejected = d.targets.map((t) => t.ejected);
      assert.deepEqual(ejected, expected(seed), `seed ${seed}`);
    }
  });

  it("a passing active health check returns an ejected host, unless turned off", () => {
    const d = start(outlier());
    d.record(0, status(500), 5);
    d.detector.activeHealthCheckPassed("10.0.0.1:80");
    assert.equal(d.targets[0]?.ejected, false);

    const kept = start(outlier({ successfulActiveHealthCheckUnejectHost: false }));
    kept.record(0, status(500), 5);
    kept.detector.activeHealthCheckPassed("10.0.0.1:80");
    assert.equal(kept.targets[0]?.ejected, true);
  });

  it("max_ejection_time_jitter adds a random part to the ejection", () => {
    const d = start(outlier({ maxEjectionTimeJitterMs: 1000 }), 4, () => 0.5);
    d.record(0, status(500), 5);
    assert.equal((d.detector.view()[0]?.ejectedUntil ?? 0) - d.time.now(), 30_500);
  });

  it("update keeps counts and ejections; close returns ejected hosts and stops the sweep", async () => {
    const d = start(outlier());
    d.record(0, status(500), 5);
    d.record(1, status(500), 3);
    d.detector.update(outlier({ intervalMs: 1000, consecutive5xx: { threshold: 4, enforcingPercent: 100 } }));
    assert.equal(d.targets[0]?.ejected, true);
    d.record(1, status(500));
    assert.equal(d.targets[1]?.ejected, true, "the fourth 5xx reaches the new threshold");
    d.detector.close();
    assert.deepEqual(
      d.targets.map((t) => t.ejected),
      [false, false, false, false],
    );
    assert.equal(d.time.pendingCount, 0);
  });
});
