import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { ListenerManager, type TcpConnectionHandler } from "../../../data-plane/src/listeners/index.js";
import { h1Get, spec, taggedHandler } from "./helpers.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

/**
 * `handler`, plus each accepted socket's close, in order. The listener tracks a socket before it
 * calls the handler, so its own "close" listener has run by the time one of these resolves.
 */
function closesOf(handler: TcpConnectionHandler): { handler: TcpConnectionHandler; closed: Promise<void>[] } {
  const closed: Promise<void>[] = [];
  return {
    closed,
    handler: (socket) => {
      closed.push(new Promise((resolve) => socket.once("close", () => resolve())));
      handler(socket);
    },
  };
}

test("activeConnections counts each live listener's open downstream connections", async () => {
  const manager = new ListenerManager();
  const raw = closesOf(taggedEcho("T"));
  await manager.apply(
    new Map([
      ["web", spec(taggedHandler("A"))],
      ["raw", tcpSpec(raw.handler)],
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
  await raw.closed[0];
  assert.equal(manager.activeConnections().get("raw"), 1, "the closed connection is no longer counted");

  // A removed listener is no longer reported, even while its connections drain.
  const result = await manager.apply(new Map([["web", spec(taggedHandler("A"))]]));
  assert.deepEqual(manager.activeConnections(), new Map([["web", 1]]));

  two.socket.end();
  await two.closed;
  await result.drained;
  agent.destroy();
  await manager.close();
});
