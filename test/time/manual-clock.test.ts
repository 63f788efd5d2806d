import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "./manual-clock.js";

describe("ManualClock", () => {
  it("runs due timers in order of their due time, ties in the order they were set", async () => {
    const clock = new ManualClock(0);
    const ran: string[] = [];
    clock.setTimeout(() => ran.push("b@20"), 20);
    clock.setTimeout(() => ran.push("a@10"), 10);
    clock.setTimeout(() => ran.push("c@20"), 20);
    clock.setTimeout(() => ran.push("d@30"), 30);
    await clock.advance(20);
    assert.deepEqual(ran, ["a@10", "b@20", "c@20"]);
    assert.equal(clock.now(), 20);
    assert.deepEqual(clock.delays(), [10]);
  });

  it("runs a timer set by a running timer when it falls due within the same advance", async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5);
    }, 5);
    await clock.advance(10);
    assert.deepEqual(seen, [5, 10]);
    assert.equal(clock.pendingCount, 0);
  });

  it("never runs a cleared timer, and ignores clearing one that already ran", async () => {
    const clock = new ManualClock(0);
    let ran = 0;
    const first = clock.setTimeout(() => ran++, 1);
    const second = clock.setTimeout(() => ran++, 2);
    clock.clearTimeout(second);
    await clock.advance(5);
    clock.clearTimeout(first);
    clock.clearTimeout(undefined);
    assert.equal(ran, 1);
  });

  it("lets promise callbacks settle between timers", async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => order.push("promise after first"));
      order.push("first");
    }, 1);
    clock.setTimeout(() => order.push("second"), 2);
    await clock.advance(2);
    assert.deepEqual(order, ["first", "promise after first", "second"]);
  });
});
