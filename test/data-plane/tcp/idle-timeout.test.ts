import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseFlag } from "../../../data-plane/src/observer/request-observer.js";
import { closed, connect, echo, startBackend, startProxy, tcpCluster } from "./harness.js";

test("the idle timeout closes both sides of a connection that carries no bytes", async () => {
  const backend = await startBackend(echo);
  const proxy = await startProxy({ cluster: "echo", idleTimeoutMs: 150 }, [tcpCluster("echo", [backend.port])]);

  const client = await connect(proxy.port);
  client.write("ping");
  await new Promise((resolve) => client.once("data", resolve));
  const upstreamSide = backend.sockets[0];
  assert.ok(upstreamSide !== undefined);

  await Promise.all([closed(client), closed(upstreamSide)]);
  const record = await proxy.nextRecord();
  assert.deepEqual(record.responseFlags, [ResponseFlag.streamIdleTimeout]);
  assert.equal(record.bytesReceived, 4);

  await proxy.close();
  await backend.close();
});
