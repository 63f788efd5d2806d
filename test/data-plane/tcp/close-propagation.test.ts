import assert from "node:assert/strict";
import { test } from "node:test";
import { closed, connect, echo, readAll, startBackend, startProxy, tcpCluster } from "./harness.js";

test("a client that resets closes the upstream connection", async () => {
  const backend = await startBackend(echo);
  const proxy = await startProxy({ cluster: "echo" }, [tcpCluster("echo", [backend.port])]);

  const client = await connect(proxy.port);
  client.write("x");
  await new Promise((resolve) => client.once("data", resolve));
  const upstreamSide = backend.sockets[0];
  assert.ok(upstreamSide !== undefined);
  client.resetAndDestroy();
  await closed(upstreamSide);
  await proxy.nextRecord();

  await proxy.close();
  await backend.close();
});

test("a backend that closes after writing closes the client once the bytes are delivered", async () => {
  const blob = Buffer.alloc(2 * 1024 * 1024, 1);
  const backend = await startBackend((socket) => {
    socket.write(blob, () => socket.destroy());
  });
  const proxy = await startProxy({ cluster: "b" }, [tcpCluster("b", [backend.port])]);

  const client = await connect(proxy.port);
  const received = await readAll(client);
  await closed(client);
  const record = await proxy.nextRecord();
  assert.equal(received.length, blob.length);
  assert.equal(record.bytesSent, blob.length);

  await proxy.close();
  await backend.close();
});

test("a backend that resets closes the client", async () => {
  const backend = await startBackend((socket) => socket.resetAndDestroy());
  const proxy = await startProxy({ cluster: "b" }, [tcpCluster("b", [backend.port])]);

  const client = await connect(proxy.port);
  await readAll(client);
  await closed(client);
  assert.equal((await proxy.nextRecord()).cluster, "b");

  await proxy.close();
  await backend.close();
});

test("a proxied connection still open at the listener's drain timeout is closed on both sides", {
  timeout: 5_000,
}, async () => {
  // The backend never reads, so bytes for it stay queued; a drain must not leave the upstream socket behind.
  const backend = await startBackend((socket) => socket.pause());
  const proxy = await startProxy({ cluster: "b" }, [tcpCluster("b", [backend.port])]);

  const client = await connect(proxy.port);
  client.on("error", () => undefined);
  client.write(Buffer.alloc(8 * 1024 * 1024));
  await backend.accepted();

  const result = await proxy.listeners.apply(new Map());
  await result.drained;
  await closed(client);
  // The record is only made once the proxy's upstream socket has closed as well. (The backend
  // itself may not see the FIN: it sits behind bytes the backend never reads.)
  assert.equal((await proxy.nextRecord()).cluster, "b");

  await proxy.close();
  await backend.close();
});
