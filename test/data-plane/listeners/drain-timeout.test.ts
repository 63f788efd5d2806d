import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { ManualClock } from "../../time/manual-clock.js";
import { gate, h1Get, spec } from "./helpers.js";

test("the drain timeout force-closes a request that never ends, at the timeout and not before", async () => {
  const clock = new ManualClock();
  const manager = new ListenerManager({ clock });
  const arrived = gate();
  // Never answers.
  await manager.apply(new Map([["web", spec(() => arrived.open(), 0, 200)]]));
  const port = manager.address("web")?.port ?? 0;
  const agent = new http.Agent({ keepAlive: true });
  let outcome: unknown;
  // The request's end, as a value, so it can be looked at before the test awaits it.
  const hanging = h1Get(port, agent, "/hang").then(
    () => "answered",
    (error: unknown) => error,
  );
  void hanging.then((value) => {
    outcome = value;
  });
  await arrived.wait;

  const result = await manager.apply(new Map());
  assert.deepEqual(clock.delays(), [200], "the drain timeout is set");
  let drained = false;
  void result.drained.then(() => {
    drained = true;
  });
  await clock.advance(199);
  assert.equal(outcome, undefined, "the request still runs 1 ms before the timeout");
  assert.equal(drained, false);

  await clock.advance(1);
  assert.equal(((await hanging) as { code?: string }).code, "ECONNRESET", "the request's connection is reset");
  await result.drained;
  assert.equal(drained, true);

  agent.destroy();
  await manager.close();
});
