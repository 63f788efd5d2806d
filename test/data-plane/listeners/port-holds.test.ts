// Port holds: an address bound before its listener exists (a sidecar's inbound port) stays bound
// until the listener takes its socket over, so no other socket can take the port in between.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { describe, test } from "node:test";
import { ListenerManager, PortHolds } from "../../../data-plane/src/listeners/index.js";
import { h1Get, spec, taggedHandler, tryConnect } from "./helpers.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

/** Resolves with the bind error's code, or "bound" (then releases the port). */
function tryBind(port: number): Promise<string> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve("bound")));
  });
}

describe("PortHolds", () => {
  test("port 0 is resolved to a port that stays bound: nobody else can bind it, a caller is turned away", async () => {
    const holds = new PortHolds();
    const held = await holds.hold("127.0.0.1", 0);
    assert.equal(held.host, "127.0.0.1");
    assert.ok(held.port > 0 && held.port <= 65_535);
    assert.deepEqual(holds.addresses(), [held]);
    assert.equal(await tryBind(held.port), "EADDRINUSE");
    // Accepted and closed at once: no listener serves the address yet.
    const client = await LineClient.connect(held.port);
    await client.closed;
    await holds.close();
    assert.deepEqual(holds.addresses(), []);
    assert.equal(await tryBind(held.port), "bound", "released by close()");
  });

  test("a port already taken is refused with the system's code", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const { port } = squatter.address() as net.AddressInfo;
    const holds = new PortHolds();
    await assert.rejects(holds.hold("127.0.0.1", port), { code: "EADDRINUSE" });
    assert.deepEqual(holds.addresses(), []);
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
  });

  test("an HTTP listener on a held address serves from the held socket, and the port is free once it is removed", async () => {
    const holds = new PortHolds();
    const { port } = await holds.hold("127.0.0.1", 0);
    const manager = new ListenerManager({ holds });
    const result = await manager.apply(new Map([["inbound", spec(taggedHandler("inbound"), port)]]));
    assert.deepEqual(result.added, ["inbound"]);
    assert.deepEqual(result.failed, new Map());
    assert.equal(manager.address("inbound")?.port, port);
    assert.deepEqual(holds.addresses(), [], "taken over, not held any more");
    const agent = new http.Agent();
    assert.match((await h1Get(port, agent)).body, /^inbound \d+$/);
    agent.destroy();

    const removed = await manager.apply(new Map());
    await removed.drained;
    assert.equal(await tryConnect(port), "ECONNREFUSED");
    assert.equal(await tryBind(port), "bound");
    await manager.close();
  });

  test("a reserved TCP listener on a held address holds its connections on the held socket until served", async () => {
    const holds = new PortHolds();
    const { port } = await holds.hold("127.0.0.1", 0);
    const manager = new ListenerManager({ holds });
    const reserved = await manager.apply(new Map(), new Map([["raw", tcpSpec(taggedEcho("reserved"), port)]]));
    assert.deepEqual(reserved.reserved, ["raw"]);
    assert.equal(manager.reservedAddress("raw")?.port, port);
    const client = await LineClient.connect(port);
    const answer = client.ask("hello");
    await manager.apply(new Map([["raw", tcpSpec(taggedEcho("serving"), port)]]));
    assert.match(await answer, /^serving /);
    client.socket.destroy();
    await manager.close();
  });

  test("the manager's close releases holds no listener took", async () => {
    const holds = new PortHolds();
    const { port } = await holds.hold("127.0.0.1", 0);
    const manager = new ListenerManager({ holds });
    await manager.apply(new Map([["other", spec(taggedHandler("other"))]]));
    assert.equal(await tryBind(port), "EADDRINUSE");
    await manager.close();
    assert.equal(await tryBind(port), "bound");
  });
});
