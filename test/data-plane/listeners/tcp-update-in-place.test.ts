import assert from "node:assert/strict";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

test("a TCP listener updated in place keeps its port; open connections keep the old handler, new ones get the new", async () => {
  const manager = new ListenerManager();
  await manager.apply(new Map([["raw", tcpSpec(taggedEcho("A"))]]));
  const port = manager.address("raw")?.port ?? 0;
  const old = await LineClient.connect(port);
  assert.equal(await old.ask("one"), "A one");

  const result = await manager.apply(new Map([["raw", tcpSpec(taggedEcho("B"))]]));
  assert.deepEqual(result.updated, ["raw"]);
  assert.deepEqual(result.added, []);
  assert.equal(manager.address("raw")?.port, port);

  assert.equal(await old.ask("two"), "A two", "the open connection stays with its handler");
  const fresh = await LineClient.connect(port);
  assert.equal(await fresh.ask("three"), "B three");

  old.socket.end();
  fresh.socket.end();
  await Promise.all([old.closed, fresh.closed]);
  await manager.close();
});
