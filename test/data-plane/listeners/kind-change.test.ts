import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { h1Get, spec, taggedHandler } from "./helpers.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

test("a listener changing from HTTP to TCP at the same port is replaced: the old drains, the new binds", async () => {
  const manager = new ListenerManager();
  await manager.apply(new Map([["edge", spec(taggedHandler("H"))]]));
  const port = manager.address("edge")?.port ?? 0;
  const agent = new http.Agent({ keepAlive: true });
  assert.match((await h1Get(port, agent)).body, /^H \d+$/);

  const toTcp = await manager.apply(new Map([["edge", tcpSpec(taggedEcho("T"), port)]]));
  assert.deepEqual(toTcp.added, ["edge"]);
  assert.deepEqual(toTcp.updated, []);
  assert.equal(toTcp.failed.size, 0);
  assert.equal(manager.address("edge")?.port, port);
  await toTcp.drained;

  const client = await LineClient.connect(port);
  assert.equal(await client.ask("raw"), "T raw");
  client.socket.end();
  await client.closed;

  const toHttp = await manager.apply(new Map([["edge", spec(taggedHandler("H2"), port)]]));
  assert.deepEqual(toHttp.added, ["edge"]);
  await toHttp.drained;
  assert.match((await h1Get(port, agent)).body, /^H2 \d+$/);

  agent.destroy();
  await manager.close();
});
