import assert from "node:assert/strict";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { tryConnect } from "./helpers.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

test("a removed TCP listener refuses new connections and lets an open one run until it ends", async () => {
  const manager = new ListenerManager();
  await manager.apply(new Map([["raw", tcpSpec(taggedEcho("A"))]]));
  const port = manager.address("raw")?.port ?? 0;
  const client = await LineClient.connect(port);
  assert.equal(await client.ask("before"), "A before");

  const result = await manager.apply(new Map());
  assert.deepEqual(result.removed, ["raw"]);
  assert.equal(manager.address("raw"), undefined);
  let drained = false;
  void result.drained.then(() => {
    drained = true;
  });

  assert.equal(await tryConnect(port), "ECONNREFUSED");
  assert.equal(await client.ask("during"), "A during", "the open connection still works while draining");
  assert.equal(drained, false);

  client.socket.end();
  await client.closed;
  await result.drained;
  await manager.close();
});

test("the drain timeout destroys a TCP connection that never ends", async () => {
  const manager = new ListenerManager();
  await manager.apply(new Map([["raw", tcpSpec(taggedEcho("A"), 0, 200)]]));
  const client = await LineClient.connect(manager.address("raw")?.port ?? 0);
  assert.equal(await client.ask("hi"), "A hi");

  const result = await manager.apply(new Map());
  await result.drained;
  await client.closed;
  assert.equal(client.socket.destroyed, true);
  await manager.close();
});
