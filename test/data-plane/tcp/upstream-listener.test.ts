// A sidecar's `--upstream` listener through the proxy's TCP path: the compiled
// outbound|upstream|HOST:PORT listener, the Service port's EDS cluster and its assignment from a
// WorkloadEntry, as both planes build them, carry bytes to the workload and back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileOutbound, compileUpstreams } from "../../../control-plane/src/mesh/compiler/index.js";
import {
  buildConfigSet,
  type RuntimeCluster,
  type RuntimeEndpoints,
  type RuntimeListener,
} from "../../../data-plane/src/config/index.js";
import { TypeUrl } from "../../../proto/index.js";
import { stateOf } from "../../control-plane/mesh/compiler/both-planes.js";
import { service } from "../../control-plane/mesh/mesh-documents.js";
import { closed, connect, echo, readAll, startBackend, startProxy } from "./harness.js";

test("bytes written to an upstream listener reach the Service's workload and come back", async () => {
  const backend = await startBackend(echo);
  const entry = {
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    metadata: { name: "postgres-1" },
    spec: { address: "127.0.0.1", ports: { sql: backend.port }, labels: { app: "postgres" } },
  };
  const state = stateOf(service("postgres", [{ name: "sql", port: 5432, appProtocol: "tcp" }]), entry);
  const [upstream] = compileUpstreams(state, [
    { service: "postgres", port: undefined, listen: { host: "127.0.0.1", port: 15432 } },
  ]).listeners;
  assert.ok(upstream);
  const out = compileOutbound(state, { services: ["postgres"] });
  const listeners = buildConfigSet(TypeUrl.listener, [{ name: upstream.name, resource: upstream.message }]);
  const clusters = buildConfigSet(
    TypeUrl.cluster,
    out.clusters.map((c) => ({ name: c.name, resource: c.message })),
  );
  const endpoints = buildConfigSet(
    TypeUrl.endpoint,
    out.endpoints.map((e) => ({ name: e.name, resource: e.message })),
  );
  assert.ok(listeners.ok && clusters.ok && endpoints.ok);
  const listener = listeners.set.resources[0] as RuntimeListener;
  const assignments = endpoints.set.resources as readonly RuntimeEndpoints[];
  const proxy = await startProxy(
    listener.tcp ?? {},
    clusters.set.resources as readonly RuntimeCluster[],
    new Map(assignments.map((a) => [a.clusterName, a])),
  );
  try {
    const client = await connect(proxy.port);
    const reply = readAll(client);
    client.end("SELECT 1;");
    assert.equal((await reply).toString(), "SELECT 1;");
    await closed(client);
  } finally {
    await proxy.close();
    await backend.close();
  }
});
