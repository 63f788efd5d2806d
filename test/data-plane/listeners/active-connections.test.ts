import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { h1Get, spec, taggedHandler } from "./helpers.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

test("activeConnections counts each live listener's open downstream connections", async () => {
  const manager = new ListenerManager();
  await manager.apply(
    new Map([
      ["web", spec(taggedHandler("A"))],
      ["raw", tcpSpec(taggedEcho("T"))],
    ]),
  );
  assert.deepEqual(
    manager.activeConnections(),
    new Map([
      ["web", 0],
      ["raw", 0],
    ]),
  );

  const agent = new http.Agent({ keepAlive: true });
  await h1Get(manager.address("web")?.port ?? 0, agent);
  const rawPort = manager.address("raw")?.port ?? 0;
  const one = await LineClient.connect(rawPort);
  const two = await LineClient.connect(rawPort);
  await one.ask("x");
  await two.ask("y");
  assert.deepEqual(
    manager.activeConnections(),
    new Map([
      ["web", 1],
      ["raw", 2],
    ]),
  );

  one.socket.end();
  await one.closed;
  await until(() => manager.activeConnections().get("raw") === 1);

  // A removed listener is no longer reported, even while its connections drain.
  const result = await manager.apply(new Map([["web", spec(taggedHandler("A"))]]));
  assert.deepEqual(manager.activeConnections(), new Map([["web", 1]]));

  two.socket.end();
  await two.closed;
  await result.drained;
  agent.destroy();
  await manager.close();
});
