import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConvergenceTracker } from "../../../control-plane/src/status/convergence.js";

function tracker() {
  let now = 1_000;
  const observed: [number, number][] = [];
  const t = new ConvergenceTracker((seconds, revision) => observed.push([revision, seconds]), { now: () => now });
  return { t, observed, advance: (ms: number) => (now += ms) };
}

describe("convergence tracking", () => {
  test("a revision converges when the last stream connected at publication has answered it", () => {
    const { t, observed, advance } = tracker();
    t.published(5, new Date(1_000), [1, 2]);
    advance(40);
    t.settled(1, 5);
    assert.equal(observed.length, 0);
    advance(60);
    t.settled(2, 5);
    assert.deepEqual(observed, [[5, 0.1]]);
  });

  test("answering a later revision answers the earlier ones too", () => {
    const { t, observed, advance } = tracker();
    t.published(5, new Date(1_000), [1]);
    t.published(6, new Date(1_010), [1]);
    advance(20);
    t.settled(1, 6);
    assert.deepEqual(
      observed.map(([r]) => r),
      [5, 6],
    );
  });

  test("a stream that disconnects is no longer waited for", () => {
    const { t, observed } = tracker();
    t.published(7, new Date(1_000), [1, 2]);
    t.settled(1, 7);
    t.disconnected(2);
    assert.deepEqual(
      observed.map(([r]) => r),
      [7],
    );
  });

  test("an older answer does not settle a newer revision, and nothing is tracked without streams", () => {
    const { t, observed } = tracker();
    t.published(8, new Date(1_000), []);
    t.published(9, new Date(1_000), [1]);
    t.settled(1, 8);
    assert.equal(observed.length, 0);
    t.settled(1, 9);
    assert.deepEqual(
      observed.map(([r]) => r),
      [9],
    );
  });

  test("at most the configured number of revisions is tracked", () => {
    let seen = 0;
    const t = new ConvergenceTracker(() => seen++, { limit: 2 });
    for (let r = 1; r <= 5; r++) t.published(r, new Date(), [1]);
    t.settled(1, 5);
    assert.equal(seen, 2);
  });
});
