import assert from "node:assert/strict";
import http from "node:http";
import type { Socket } from "node:net";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { gate, h1Get, spec, taggedHandler, tryConnect } from "./helpers.js";

test("a removed HTTP/1.1 listener drains: in-flight finishes, new connections refused, idle keep-alive closed", async () => {
  const manager = new ListenerManager();
  const slow = gate();
  const arrived = gate();
  await manager.apply(new Map([["web", spec(taggedHandler("A", { wait: slow.wait, onSlow: arrived.open }))]]));
  const port = manager.address("web")?.port ?? 0;

  const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let idleSocket: Socket | undefined;
  const idleReq = http.get({ host: "127.0.0.1", port, agent: idleAgent }, (res) => res.resume());
  idleReq.on("socket", (s) => {
    idleSocket = s;
  });
  await new Promise((resolve) => idleReq.on("close", resolve));
  assert.ok(idleSocket !== undefined);
  const idleClosed = new Promise((resolve) => idleSocket?.once("close", resolve));

  const slowAgent = new http.Agent({ keepAlive: true });
  const inFlight = h1Get(port, slowAgent, "/slow");
  await arrived.wait;

  const result = await manager.apply(new Map());
  assert.deepEqual(result.removed, ["web"]);
  assert.equal(manager.address("web"), undefined);

  await idleClosed;
  assert.equal(await tryConnect(port), "ECONNREFUSED");

  slow.open();
  const reply = await inFlight;
  assert.equal(reply.status, 200);
  assert.match(reply.body, /^A \d+$/);
  assert.equal(reply.headers.connection, "close");

  await result.drained;
  idleAgent.destroy();
  slowAgent.destroy();
  await manager.close();
});
