// What operators run against a mesh: `weft get services`, `weft describe service`, `weft config
// NODE`, as child processes against a real control plane on 127.0.0.1, with a real xDS stream
// from a sidecar node and a registration through the REST API.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { stringify } from "yaml";
import { AggregatedDiscoveryServiceClient } from "../../proto/gen/envoy/service/discovery/v3/ads.js";
import type { DiscoveryRequest, DiscoveryResponse } from "../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { KINDS } from "../../proto/index.js";
import { changed, httpRoute, service, workloadEntry } from "../control-plane/mesh/mesh-documents.js";
import { request, Stream } from "../control-plane/xds/harness.js";
import { controlPlane, type TestControlPlane, tempDir, weft } from "./cli-harness.js";

let cp: TestControlPlane;
const files = tempDir();
const streams: { client: AggregatedDiscoveryServiceClient; stream: Stream<DiscoveryRequest, DiscoveryResponse> }[] = [];
const at = () => ["--server", cp.server];

const documents = [
  service("catalog", [
    { name: "http", port: 8080 },
    { name: "grpc", port: 9090, appProtocol: "grpc" },
  ]),
  service("catalog-v1", [{ name: "http", port: 8080 }], { app: "catalog", version: "v1" }),
  service("catalog-v2", [{ name: "http", port: 8080 }], { app: "catalog", version: "v2" }),
  changed(workloadEntry("catalog-1", { app: "catalog", version: "v1" }), (doc) => {
    doc.spec.address = "10.0.0.1";
  }),
  changed(workloadEntry("catalog-2", { app: "catalog", version: "v2" }), (doc) => {
    doc.spec.address = "10.0.0.2";
    doc.metadata.annotations = { "weft.dev/health": "unhealthy" };
  }),
  httpRoute("catalog", "catalog", [
    ["catalog-v1", 90],
    ["catalog-v2", 10],
  ]),
];

before(async () => {
  cp = await controlPlane();
  const applied = await weft([
    "apply",
    "-f",
    files.write("mesh.yaml", documents.map((d) => stringify(d)).join("---\n")),
    ...at(),
  ]);
  assert.equal(applied.status, 0, applied.stderr);
  const registered = await fetch(`${cp.server}/v1/registrations/catalog-node-3`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ service: "catalog", address: "10.0.0.3", port: 15006, labels: { version: "v1" } }),
  });
  assert.equal(registered.status, 200, await registered.text());
  // Two sidecars connected for real (the first answer on a stream means the control plane has
  // registered it): web-1 may call catalog only; catalog-node-3, the registered instance, may call
  // nothing (and its stream keeps its registration from expiring).
  await connect("web-1", { service: "web", inbound: "127.0.0.1:18001", app: "127.0.0.1:18000", depends: ["catalog"] });
  await connect("catalog-node-3", { service: "catalog", depends: [] });
});

async function connect(id: string, weft: Record<string, unknown>): Promise<void> {
  const client = new AggregatedDiscoveryServiceClient(cp.xds, credentials.createInsecure());
  const stream = new Stream<DiscoveryRequest, DiscoveryResponse>(client.streamAggregatedResources());
  streams.push({ client, stream });
  const node = { id, cluster: String(weft.service), metadata: { weft: { role: "sidecar", ...weft } } };
  stream.send(request({ node, typeUrl: KINDS.clusters.typeUrl }));
  await stream.next(10_000);
}

after(async () => {
  for (const { client, stream } of streams) {
    stream.cancel();
    client.close();
  }
  await cp?.close();
  files.remove();
});

describe("weft get services", () => {
  test("the table shows ports, endpoints healthy/total and attached routes; -o yaml the stored documents", async () => {
    const table = await weft(["get", "services", ...at()]);
    assert.equal(table.status, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^NAME +PORTS +ENDPOINTS +ROUTES +VERSION +REVISION$/);
    // Written catalog-1 (healthy), catalog-2 (unhealthy), and the registered catalog-node-3.
    assert.match(lines[1] ?? "", /^catalog +http:8080,grpc:9090\/grpc +2\/3 +catalog +[0-9a-f]{8} +1$/);
    assert.match(lines[2] ?? "", /^catalog-v1 +http:8080 +2\/2 +- +[0-9a-f]{8} +1$/);
    assert.match(lines[3] ?? "", /^catalog-v2 +http:8080 +0\/1 +- /);

    const one = await weft(["get", "svc", "catalog-v2", ...at()]);
    assert.equal(one.status, 0, one.stderr);
    assert.equal(one.stdout.trimEnd().split("\n").length, 2);

    const yaml = await weft(["get", "services", "catalog", "-o", "yaml", ...at()]);
    assert.equal(yaml.status, 0, yaml.stderr);
    assert.match(yaml.stdout, /^apiVersion: v1\nkind: Service\n/);
    assert.doesNotMatch(yaml.stdout, /endpoints|healthy/);
  });

  test("a Service that does not exist is WEFT_NOT_FOUND, exit 1", async () => {
    const run = await weft(["get", "services", "ghost", ...at()]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /WEFT_NOT_FOUND/);
  });
});

describe("weft describe service", () => {
  test("shows ports, rules with backends and shares, endpoints with health and registering node, and callers", async () => {
    const run = await weft(["describe", "service", "catalog", ...at()]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Name: +catalog$/m);
    assert.match(run.stdout, /^Ports: +http:8080,grpc:9090\/grpc$/m);
    assert.match(run.stdout, /^ {2}HTTPRoute catalog \(ports 8080\)$/m);
    assert.match(run.stdout, /^ {4}rule 0: GET PathPrefix \/items header x-canary~\^yes\|no\$ query debug=1$/m);
    assert.match(run.stdout, /-> catalog-v1:8080 weight 90 \(90%\)$/m);
    assert.match(run.stdout, /-> catalog-v2:8080 weight 10 \(10%\)$/m);
    // Each Service port's endpoint port as compiled: the registered sidecar's one inbound port.
    assert.match(run.stdout, /^ {2}catalog-2 +10\.0\.0\.2 +http:8080,grpc:9090 +UNHEALTHY +eu\/a +2 +written$/m);
    assert.match(
      run.stdout,
      /^ {2}catalog-node-3 +10\.0\.0\.3 +http:15006,grpc:15006 +HEALTHY +- +1 +catalog-node-3$/m,
    );
    assert.match(run.stdout, /^ {2}web-1 +web +names it$/m);

    const json = await weft(["describe", "svc", "catalog", "-o", "json", ...at()]);
    assert.equal(json.status, 0, json.stderr);
    const detail = JSON.parse(json.stdout) as { name: string; callers: { nodeId: string }[] };
    assert.equal(detail.name, "catalog");
    assert.deepEqual(
      detail.callers.map((c) => c.nodeId),
      ["web-1"],
    );
  });

  test("an unknown Service is WEFT_NOT_FOUND and a kind other than service WEFT_CLI_UNKNOWN_KIND", async () => {
    const missing = await weft(["describe", "service", "ghost", ...at()]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /WEFT_NOT_FOUND/);
    const kind = await weft(["describe", "cluster", "catalog", ...at()]);
    assert.equal(kind.status, 1);
    assert.match(kind.stderr, /WEFT_CLI_UNKNOWN_KIND/);
  });
});

describe("weft config NODE", () => {
  test("the table lists what the node is sent, written and generated, with each origin", async () => {
    const run = await weft(["config", "web-1", ...at()]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^node web-1 \(sidecar of web, may call catalog\), revision \d+$/m);
    assert.match(run.stdout, /^TYPE +NAME +VERSION +ORIGIN$/m);
    assert.match(run.stdout, /^Listener +outbound\|listener +[0-9a-f]{8} +generated$/m);
    assert.match(run.stdout, /^Cluster +outbound\|8080\|\|catalog +[0-9a-f]{8} +generated$/m);
    assert.match(run.stdout, /^ClusterLoadAssignment +outbound\|8080\|\|catalog-v2 +[0-9a-f]{8} +generated$/m);
  });

  test("-o json --type clusters prints the clusters in full as Envoy JSON", async () => {
    const run = await weft(["config", "web-1", "--type", "clusters", "-o", "json", ...at()]);
    assert.equal(run.status, 0, run.stderr);
    const config = JSON.parse(run.stdout) as {
      types: Record<string, { resources: { name: string; resource: { name?: string; type?: string } }[] }>;
    };
    assert.deepEqual(Object.keys(config.types), [KINDS.clusters.typeUrl]);
    const cluster = config.types[KINDS.clusters.typeUrl]?.resources.find((r) => r.name === "outbound|8080||catalog");
    assert.equal(cluster?.resource.name, "outbound|8080||catalog");
    assert.equal(cluster?.resource.type, "EDS");
  });

  test("a node with no stream is WEFT_NOT_FOUND and a bad --type a usage error", async () => {
    const missing = await weft(["config", "nobody", ...at()]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /WEFT_NOT_FOUND/);
    const bad = await weft(["config", "web-1", "--type", "secrets", ...at()]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /WEFT_CLI_UNKNOWN_KIND|WEFT_CLI_USAGE/);
  });
});
