import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CIRCUIT_BREAKERS } from "../../../data-plane/src/config/index.js";
import { ResponseFlag } from "../../../data-plane/src/observer/request-observer.js";
import { CircuitBreaker } from "../../../data-plane/src/upstream/index.js";
import { edsCluster } from "../upstream/backends.js";
import {
  closed,
  connect,
  deadPort,
  echo,
  readAll,
  startBackend,
  startProxy,
  tcpCluster,
  unacceptingPort,
} from "./harness.js";

test("an upstream that refuses the connection closes the downstream, flagged UF", async () => {
  const port = await deadPort();
  const proxy = await startProxy({ cluster: "dead" }, [tcpCluster("dead", [port])]);

  const client = await connect(proxy.port);
  client.write("anyone?");
  assert.equal((await readAll(client)).length, 0);
  await closed(client);
  const record = await proxy.nextRecord();
  assert.deepEqual(record.responseFlags, [ResponseFlag.upstreamConnectionFailure]);
  assert.equal(record.cluster, "dead");
  assert.equal(record.upstreamAddress, `127.0.0.1:${port}`);
  assert.equal(record.bytesSent, 0);

  await proxy.close();
});

test("an unknown cluster closes the downstream, flagged NC", async () => {
  const proxy = await startProxy({ cluster: "nowhere" }, []);

  const client = await connect(proxy.port);
  await readAll(client);
  await closed(client);
  const record = await proxy.nextRecord();
  assert.deepEqual(record.responseFlags, [ResponseFlag.noClusterFound]);
  assert.equal(record.cluster, "nowhere");
  assert.equal(record.upstreamAddress, undefined);

  await proxy.close();
});

test("a cluster without endpoints closes the downstream, flagged UH", async () => {
  const proxy = await startProxy({ cluster: "empty" }, [tcpCluster("empty", [])]);

  const client = await connect(proxy.port);
  await readAll(client);
  await closed(client);
  assert.deepEqual((await proxy.nextRecord()).responseFlags, [ResponseFlag.noHealthyUpstream]);

  await proxy.close();
});

test("a warming cluster that gets no endpoints within the connect timeout closes the downstream, flagged UH", async () => {
  const warming = { ...edsCluster("later"), connectTimeoutMs: 100 };
  const proxy = await startProxy({ cluster: "later" }, [warming]);

  const client = await connect(proxy.port);
  await readAll(client);
  await closed(client);
  assert.deepEqual((await proxy.nextRecord()).responseFlags, [ResponseFlag.noHealthyUpstream]);

  await proxy.close();
});

test("an upstream that never completes the handshake is given up at the connect timeout, flagged UF", async () => {
  const stuck = await unacceptingPort();
  const proxy = await startProxy({ cluster: "stuck" }, [tcpCluster("stuck", [stuck.port], 200)]);

  const client = await connect(proxy.port);
  await readAll(client);
  await closed(client);
  const record = await proxy.nextRecord();
  assert.deepEqual(record.responseFlags, [ResponseFlag.upstreamConnectionFailure]);
  assert.equal(record.upstreamAddress, `127.0.0.1:${stuck.port}`);

  await proxy.close();
  await stuck.close();
});

test("max_connections bounds the proxied connections: one more is closed at once, flagged UO", async () => {
  const backend = await startBackend(echo);
  const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxConnections: 1 });
  const proxy = await startProxy({ cluster: "one" }, [tcpCluster("one", [backend.port])], new Map(), breaker);

  const first = await connect(proxy.port);
  first.write("a");
  await new Promise<void>((resolve) => first.once("data", () => resolve()));
  const second = await connect(proxy.port);
  await closed(second);
  const refused = await proxy.nextRecord();
  assert.deepEqual(refused.responseFlags, [ResponseFlag.upstreamOverflow]);
  assert.equal(breaker.overflows("connections"), 1);

  first.end();
  await closed(first);
  await proxy.nextRecord();
  assert.equal(breaker.open("connections"), 0, "the slot is released when the connection closes");
  const third = await connect(proxy.port);
  third.write("b");
  await new Promise<void>((resolve) => third.once("data", () => resolve()));
  third.end();
  await closed(third);

  await proxy.close();
  await backend.close();
});
