import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { gate, h1Get, spec } from "./helpers.js";

test("the drain timeout force-closes a request that never ends", async () => {
  const manager = new ListenerManager();
  const arrived = gate();
  // Never answers.
  await manager.apply(new Map([["web", spec(() => arrived.open(), 0, 200)]]));
  const port = manager.address("web")?.port ?? 0;
  const agent = new http.Agent({ keepAlive: true });
  const hanging = h1Get(port, agent, "/hang");
  await arrived.wait;

  const t0 = Date.now();
  const result = await manager.apply(new Map());
  await assert.rejects(hanging, /socket hang up|ECONNRESET/);
  await result.drained;
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 150 && elapsed < 1_500, `drained after ${elapsed} ms`);

  agent.destroy();
  await manager.close();
});
