import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backoffDelay, DEFAULT_BACKOFF } from "../../../data-plane/src/xds-client/backoff.js";

const middle = () => 0.5;
const lowest = () => 0;
const highest = () => 0.999_999;

describe("reconnect backoff", () => {
  test("starts near the 250 ms base and doubles with each failed attempt", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, middle)),
      [250, 500, 1_000, 2_000, 4_000],
    );
  });

  test("never exceeds the 4 s cap, however many attempts failed", () => {
    assert.equal(backoffDelay(5, middle), 4_000);
    assert.equal(backoffDelay(1_000, highest), 4_000);
    assert.equal(backoffDelay(Number.MAX_SAFE_INTEGER, middle), DEFAULT_BACKOFF.capMs);
  });

  test("jitter spreads a delay by ±20% of its value", () => {
    assert.equal(backoffDelay(2, lowest), 800);
    assert.equal(backoffDelay(2, highest), 1_200);
    assert.equal(backoffDelay(0, lowest), 200);
  });

  test("a capped delay jitters below the cap only", () => {
    assert.equal(backoffDelay(10, lowest), 3_200);
    assert.equal(backoffDelay(10, highest), 4_000);
  });

  test("takes its base, cap and jitter from the policy", () => {
    const policy = { baseMs: 10, capMs: 35, jitter: 0 };
    assert.deepEqual(
      [0, 1, 2, 3].map((attempt) => backoffDelay(attempt, highest, policy)),
      [10, 20, 35, 35],
    );
  });
});
