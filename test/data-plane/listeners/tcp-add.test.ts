import assert from "node:assert/strict";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

test("an added TCP listener hands each connection to its handler", async () => {
  const manager = new ListenerManager();
  const result = await manager.apply(new Map([["raw", tcpSpec(taggedEcho("A"))]]));
  assert.deepEqual(result.added, ["raw"]);
  const port = manager.address("raw")?.port ?? 0;
  assert.ok(port > 0);

  const client = await LineClient.connect(port);
  assert.equal(await client.ask("hello"), "A hello");
  assert.equal(await client.ask("again"), "A again");
  client.socket.end();
  await client.closed;
  await manager.close();
});
