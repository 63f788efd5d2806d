import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileRouteTable, pickWeighted } from "../../../data-plane/src/router/index.js";
import { oneHost, request, seededRandom } from "./fixtures.js";

/** χ² critical value for 2 degrees of freedom at p = 0.001: a fair picker fails 1 run in 1,000. */
const CHI2_CRITICAL_2DF = 13.82;

function chiSquared(observed: readonly number[], weights: readonly number[], draws: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let chi2 = 0;
  for (let i = 0; i < weights.length; i++) {
    const expected = (draws * (weights[i] ?? 0)) / total;
    if (expected > 0) chi2 += ((observed[i] ?? 0) - expected) ** 2 / expected;
  }
  return chi2;
}

describe("pickWeighted", () => {
  test("each index owns a slice of [0, 1) proportional to its weight, in order", () => {
    const weights = [1, 3];
    assert.equal(pickWeighted(weights, 0), 0);
    assert.equal(pickWeighted(weights, 0.2499), 0);
    assert.equal(pickWeighted(weights, 0.25), 1);
    assert.equal(pickWeighted(weights, 0.9999), 1);
  });

  test("a zero weight is never picked, even at its boundary", () => {
    assert.equal(pickWeighted([0, 5, 0], 0), 1);
    assert.equal(pickWeighted([0, 5, 0], 0.999999), 1);
    assert.equal(pickWeighted([2, 0, 2], 0.5), 2);
  });

  test("a draw of 1 or more still picks the last non-zero weight", () => {
    assert.equal(pickWeighted([1, 1, 0], 1), 1);
  });

  test("no index is picked when the weights sum to zero or there are none", () => {
    assert.equal(pickWeighted([0, 0], 0.5), undefined);
    assert.equal(pickWeighted([], 0.5), undefined);
  });

  test("uniform draws pick indexes in proportion to their weights", () => {
    const weights = [10, 30, 60, 0];
    const random = seededRandom(12345);
    const counts = [0, 0, 0, 0];
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const index = pickWeighted(weights, random());
      assert.notEqual(index, undefined);
      counts[index ?? 0] = (counts[index ?? 0] ?? 0) + 1;
    }
    assert.equal(counts[3], 0);
    const chi2 = chiSquared(counts, weights, draws);
    assert.ok(chi2 < CHI2_CRITICAL_2DF, `χ² ${chi2.toFixed(2)} over ${CHI2_CRITICAL_2DF} for counts ${counts}`);
  });
});

describe("weighted clusters in a route table", () => {
  test("a weighted route spreads requests over its clusters by weight, using the injected random source", () => {
    const table = compileRouteTable(
      oneHost([
        {
          match: { prefix: "/" },
          route: {
            weighted_clusters: {
              clusters: [
                { name: "v1", weight: 80 },
                { name: "v2", weight: 15 },
                { name: "v3", weight: 5 },
              ],
            },
          },
        },
      ]),
      { random: seededRandom(7) },
    );
    const names = ["v1", "v2", "v3"];
    const counts = [0, 0, 0];
    const draws = 10_000;
    for (let i = 0; i < draws; i++) {
      const decision = table.match(request("/"));
      assert.ok(decision?.action.type === "forward");
      const index = names.indexOf(decision.action.cluster ?? "");
      assert.notEqual(index, -1);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    const chi2 = chiSquared(counts, [80, 15, 5], draws);
    assert.ok(chi2 < CHI2_CRITICAL_2DF, `χ² ${chi2.toFixed(2)} for counts ${counts}`);
  });

  test("a fixed draw always picks the same cluster", () => {
    const table = compileRouteTable(
      oneHost([
        {
          match: { prefix: "/" },
          route: {
            weighted_clusters: {
              clusters: [
                { name: "a", weight: 1 },
                { name: "b", weight: 1 },
              ],
            },
          },
        },
      ]),
      { random: () => 0.75 },
    );
    for (let i = 0; i < 5; i++) {
      const decision = table.match(request("/"));
      assert.ok(decision?.action.type === "forward");
      assert.equal(decision.action.cluster, "b");
    }
  });
});
