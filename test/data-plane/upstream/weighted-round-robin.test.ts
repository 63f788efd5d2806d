import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointHealth, RuntimeEndpoint, RuntimeEndpoints } from "../../../data-plane/src/config/index.js";
import { SmoothWeightedRoundRobin, usableEndpoints } from "../../../data-plane/src/upstream/weighted-round-robin.js";

function ep(port: number, weight = 1, health: EndpointHealth = "HEALTHY"): RuntimeEndpoint {
  return { host: "127.0.0.1", port, weight, health };
}

function endpoints(...localities: [priority: number, weight: number, RuntimeEndpoint[]][]): RuntimeEndpoints {
  return {
    clusterName: "c",
    localities: localities.map(([priority, weight, eps]) => ({ priority, weight, endpoints: eps })),
  };
}

function picks(source: RuntimeEndpoints, n: number): number[] {
  const rr = new SmoothWeightedRoundRobin(usableEndpoints(source));
  return Array.from({ length: n }, () => rr.next()?.port ?? -1);
}

function counts(ports: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const port of ports) out[port] = (out[port] ?? 0) + 1;
  return out;
}

describe("SmoothWeightedRoundRobin", () => {
  it("spreads picks smoothly by weight (nginx's sequence for 5,1,1)", () => {
    const rr = new SmoothWeightedRoundRobin([
      { item: "a", weight: 5 },
      { item: "b", weight: 1 },
      { item: "c", weight: 1 },
    ]);
    assert.deepEqual(
      Array.from({ length: 7 }, () => rr.next()),
      ["a", "a", "b", "a", "c", "a", "a"],
    );
  });

  it("matches the weights exactly over every window of sum-of-weights picks", () => {
    const ports = picks(endpoints([0, 1, [ep(1, 3), ep(2, 2), ep(3, 1)]]), 60);
    for (let start = 0; start < 60; start += 6) {
      assert.deepEqual(counts(ports.slice(start, start + 6)), { 1: 3, 2: 2, 3: 1 });
    }
  });

  it("alternates between equal weights", () => {
    assert.deepEqual(picks(endpoints([0, 1, [ep(1), ep(2)]]), 4), [1, 2, 1, 2]);
  });

  it("is deterministic", () => {
    const source = endpoints([0, 1, [ep(1, 7), ep(2, 3), ep(3, 5)]]);
    assert.deepEqual(picks(source, 50), picks(source, 50));
  });

  it("returns undefined when empty", () => {
    assert.equal(new SmoothWeightedRoundRobin([]).next(), undefined);
    assert.equal(new SmoothWeightedRoundRobin([{ item: "x", weight: 0 }]).next(), undefined);
  });
});

describe("usableEndpoints", () => {
  it("counts HEALTHY and UNKNOWN, skips every other state", () => {
    const source = endpoints([
      0,
      1,
      [
        ep(1, 1, "HEALTHY"),
        ep(2, 1, "UNKNOWN"),
        ep(3, 1, "UNHEALTHY"),
        ep(4, 1, "DRAINING"),
        ep(5, 1, "TIMEOUT"),
        ep(6, 1, "DEGRADED"),
      ],
    ]);
    assert.deepEqual(counts(picks(source, 10)), { 1: 5, 2: 5 });
  });

  it("multiplies locality weight by endpoint weight", () => {
    const source = endpoints([0, 3, [ep(1, 1), ep(2, 2)]], [0, 1, [ep(3, 4)]]);
    assert.deepEqual(
      usableEndpoints(source).map((w) => [w.item.port, w.weight]),
      [
        [1, 3],
        [2, 6],
        [3, 4],
      ],
    );
    assert.deepEqual(counts(picks(source, 26)), { 1: 6, 2: 12, 3: 8 });
  });

  it("uses priority 0 only while it has a usable endpoint", () => {
    const both = endpoints([1, 1, [ep(10)]], [0, 1, [ep(1), ep(2, 1, "UNHEALTHY")]]);
    assert.deepEqual(counts(picks(both, 4)), { 1: 4 });
    const failedOver = endpoints([0, 1, [ep(1, 1, "UNHEALTHY")]], [2, 1, [ep(20)]], [1, 1, [ep(10, 1, "DRAINING")]]);
    assert.deepEqual(counts(picks(failedOver, 4)), { 20: 4 });
  });

  it("is empty when nothing is usable", () => {
    assert.deepEqual(usableEndpoints(endpoints()), []);
    assert.deepEqual(usableEndpoints(endpoints([0, 1, [ep(1, 1, "UNHEALTHY")]], [1, 0, [ep(2)]])), []);
    assert.deepEqual(picks(endpoints([0, 1, [ep(1, 1, "TIMEOUT")]]), 2), [-1, -1]);
  });
});
