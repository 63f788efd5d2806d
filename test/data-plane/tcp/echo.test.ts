import assert from "node:assert/strict";
import { test } from "node:test";
import { closed, connect, echo, readAll, startBackend, startProxy, tcpCluster } from "./harness.js";

test("bytes make the round trip through the proxy, and the record counts them", async () => {
  const backend = await startBackend(echo);
  const proxy = await startProxy({ cluster: "echo" }, [tcpCluster("echo", [backend.port])]);

  const client = await connect(proxy.port);
  const clientPort = client.localPort;
  const reply = readAll(client);
  client.write("hello, ");
  client.end("upstream");
  assert.equal((await reply).toString(), "hello, upstream");
  await closed(client);

  const record = await proxy.nextRecord();
  assert.equal(record.kind, "tcp");
  assert.equal(record.listener, "tcp-in");
  assert.equal(record.statPrefix, "tcp_in");
  assert.equal(record.cluster, "echo");
  assert.equal(record.upstreamAddress, `127.0.0.1:${backend.port}`);
  assert.equal(record.bytesReceived, 15);
  assert.equal(record.bytesSent, 15);
  assert.deepEqual(record.responseFlags, []);
  assert.equal(record.downstreamAddress, `127.0.0.1:${clientPort}`);
  assert.ok(record.durationMs >= 0);

  await proxy.close();
  await backend.close();
});

test("activeConnections counts proxied connections while they are open", async () => {
  const backend = await startBackend(echo);
  const proxy = await startProxy({ cluster: "echo" }, [tcpCluster("echo", [backend.port])]);
  assert.equal(proxy.listeners.activeConnections().get("tcp-in"), 0);

  const one = await connect(proxy.port);
  const two = await connect(proxy.port);
  // A round trip on each proves both are proxied (and so accepted) before counting.
  for (const client of [one, two]) {
    client.write("x");
    await new Promise((resolve) => client.once("data", resolve));
  }
  assert.equal(proxy.listeners.activeConnections().get("tcp-in"), 2);

  one.end();
  await proxy.nextRecord();
  assert.equal(proxy.listeners.activeConnections().get("tcp-in"), 1);

  two.end();
  await proxy.nextRecord();
  assert.equal(proxy.listeners.activeConnections().get("tcp-in"), 0);
  await Promise.all([closed(one), closed(two)]);
  await proxy.close();
  await backend.close();
});
