import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SmoothWeightedRoundRobin } from "../../../data-plane/src/upstream/weighted-round-robin.js";

/** `n` picks over items 1, 2, 3… with the given weights. */
function picks(weights: readonly number[], n: number): number[] {
  const rr = new SmoothWeightedRoundRobin(weights.map((weight, i) => ({ item: i + 1, weight })));
  return Array.from({ length: n }, () => rr.next() ?? -1);
}

function counts(items: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
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
    const ports = picks([3, 2, 1], 60);
    for (let start = 0; start < 60; start += 6) {
      assert.deepEqual(counts(ports.slice(start, start + 6)), { 1: 3, 2: 2, 3: 1 });
    }
  });

  it("alternates between equal weights", () => {
    assert.deepEqual(picks([1, 1], 4), [1, 2, 1, 2]);
  });

  it("is deterministic", () => {
    assert.deepEqual(picks([7, 3, 5], 50), picks([7, 3, 5], 50));
  });

  it("returns undefined when empty", () => {
    assert.equal(new SmoothWeightedRoundRobin([]).next(), undefined);
    assert.equal(new SmoothWeightedRoundRobin([{ item: "x", weight: 0 }]).next(), undefined);
  });
});
