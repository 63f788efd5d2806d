// Reservations: a listener bound before it serves (its config still warming) holds the connections
// it accepts until an apply serves it on the same socket.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { describe, test } from "node:test";
import { ListenerErrorCode, ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { freePort } from "../../ports.js";
import { h1Get, spec, taggedHandler, tryConnect } from "./helpers.js";
import { LineClient, taggedEcho, tcpSpec } from "./tcp-helpers.js";

describe("ListenerManager reservations", () => {
  test("a reservation binds at once and holds its connections until served, which answers them with the serving handler", async () => {
    const manager = new ListenerManager();
    const port = await freePort();
    const result = await manager.apply(new Map(), new Map([["web", spec(taggedHandler("reserved"), port)]]));
    assert.deepEqual(result.reserved, ["web"]);
    assert.deepEqual(result.added, []);
    assert.deepEqual(manager.names(), []);
    assert.deepEqual(manager.reservations(), ["web"]);
    assert.equal(manager.reservedAddress("web")?.port, port);

    const agent = new http.Agent();
    // Connected and sent while reserved; had the reservation's handler run, it would answer "reserved".
    const early = h1Get(port, agent);
    const served = await manager.apply(new Map([["web", spec(taggedHandler("serving"), port)]]));
    assert.deepEqual(served.added, ["web"]);
    assert.deepEqual(served.reserved, []);
    assert.match((await early).body, /^serving \d+$/);
    assert.deepEqual(manager.names(), ["web"]);
    assert.deepEqual(manager.reservations(), []);
    assert.equal(manager.address("web")?.port, port, "the reservation's socket serves");
    agent.destroy();
    await manager.close();
  });

  test("a reserved TCP listener hands its held connections, with the bytes sent meanwhile, to the serving handler", async () => {
    const manager = new ListenerManager();
    const port = await freePort();
    await manager.apply(new Map(), new Map([["raw", tcpSpec(taggedEcho("reserved"), port)]]));
    const client = await LineClient.connect(port);
    const answer = client.ask("early");
    await manager.apply(new Map([["raw", tcpSpec(taggedEcho("serving"), port)]]));
    assert.equal(await answer, "serving early");
    client.socket.end();
    await client.closed;
    await manager.close();
  });

  test("a reservation on a taken port fails alone, with WEFT_PROXY_LISTENER_BIND", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const taken = (squatter.address() as net.AddressInfo).port;
    const manager = new ListenerManager();
    try {
      const result = await manager.apply(
        new Map([["ok", spec(taggedHandler("A"))]]),
        new Map([
          ["blocked", spec(taggedHandler("X"), taken)],
          ["free", spec(taggedHandler("F"))],
        ]),
      );
      const error = result.failed.get("blocked");
      assert.equal(error?.code, ListenerErrorCode.bind);
      assert.equal(error?.listener, "blocked");
      assert.equal(error?.syscallCode, "EADDRINUSE");
      assert.deepEqual(result.added, ["ok"]);
      assert.deepEqual(result.reserved, ["free"]);
      assert.deepEqual(manager.reservations(), ["free"]);
    } finally {
      await manager.close();
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  test("a reservation left out of a later apply frees its port and destroys the connections it held", async () => {
    const manager = new ListenerManager();
    const port = await freePort();
    await manager.apply(new Map(), new Map([["web", spec(taggedHandler("A"), port)]]));
    const held = await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => resolve(socket));
      socket.once("error", reject);
    });
    held.on("error", () => undefined);
    const closed = new Promise<void>((resolve) => held.once("close", () => resolve()));
    const result = await manager.apply(new Map());
    await result.drained;
    await closed;
    assert.deepEqual(manager.reservations(), []);
    assert.equal(await tryConnect(port), "ECONNREFUSED");
    await manager.close();
  });

  test("a name serves at one address while reserved at another; serving it at the reserved one lets the old go", async () => {
    const manager = new ListenerManager();
    const [oldPort, newPort] = [await freePort(), await freePort()];
    await manager.apply(new Map([["web", spec(taggedHandler("old"), oldPort)]]));
    const moving = await manager.apply(
      new Map([["web", spec(taggedHandler("old"), oldPort)]]),
      new Map([["web", spec(taggedHandler("new"), newPort)]]),
    );
    assert.deepEqual(moving.updated, ["web"]);
    assert.deepEqual(moving.reserved, ["web"]);
    const agent = new http.Agent();
    assert.match((await h1Get(oldPort, agent)).body, /^old /);
    const early = h1Get(newPort, agent);
    const moved = await manager.apply(new Map([["web", spec(taggedHandler("new"), newPort)]]));
    assert.deepEqual(moved.added, ["web"]);
    assert.match((await early).body, /^new /);
    await moved.drained;
    assert.equal(await tryConnect(oldPort), "ECONNREFUSED");
    assert.equal(manager.address("web")?.port, newPort);
    agent.destroy();
    await manager.close();
  });

  test("a reservation on the socket its name already serves binds nothing more", async () => {
    const manager = new ListenerManager();
    const port = await freePort();
    await manager.apply(new Map([["web", spec(taggedHandler("A"), port)]]));
    const result = await manager.apply(
      new Map([["web", spec(taggedHandler("A"), port)]]),
      new Map([["web", spec(taggedHandler("B"), port)]]),
    );
    assert.deepEqual(result.failed, new Map());
    assert.deepEqual(result.updated, ["web"]);
    assert.deepEqual(result.reserved, []);
    assert.deepEqual(manager.reservations(), []);
    await manager.close();
  });

  test("close() closes reservations and their held connections too", async () => {
    const manager = new ListenerManager();
    const port = await freePort();
    await manager.apply(new Map(), new Map([["web", spec(taggedHandler("A"), port)]]));
    const client = await LineClient.connect(port);
    await manager.close();
    await client.closed;
    assert.deepEqual(manager.reservations(), []);
    assert.equal(await tryConnect(port), "ECONNREFUSED");
  });
});
