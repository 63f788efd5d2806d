// What a sidecar receives over xDS: the raw resources node scoping gives it, plus the outbound side
// compiled for its dependency set and its own listeners and app cluster (docs/mesh.md, "One
// engine"). Other nodes see exactly what they saw before the mesh existed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nodeScopedViews } from "../../../control-plane/src/snapshot/node-scope.js";
import { subscription } from "../../../control-plane/src/snapshot/snapshot.js";
import { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import type { DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { type Doc, httpRoute, service, workloadEntry } from "../mesh/mesh-documents.js";
import {
  CDS,
  deltaNames,
  deltaRequest,
  EDS,
  type Harness,
  LDS,
  listener,
  RDS,
  request,
  startHarness,
} from "../xds/harness.js";
import { clusterNames, fetch, listenerNames, putMesh } from "./mesh-view-client.js";

const sidecarNode = (id: string, weft: Record<string, unknown>) => ({
  id,
  cluster: String(weft.service),
  metadata: {
    weft: {
      role: "sidecar",
      labels: { app: weft.service },
      outbound: "127.0.0.1:15001",
      ...weft,
    },
  },
});

const web = sidecarNode("web-1", { service: "web", inbound: "127.0.0.1:18001", app: "127.0.0.1:18000" });
const pricingCaller = sidecarNode("pricing-caller-1", {
  service: "web",
  inbound: "127.0.0.1:18011",
  app: "127.0.0.1:18010",
  depends: ["pricing"],
});
const plain = { id: "front-1", cluster: "front" };

function entryAt(name: string, labels: Record<string, string>, address: string): Doc {
  const doc = workloadEntry(name, labels);
  return { ...doc, spec: { address, ports: { http: 8080 }, labels } };
}

const addressesOf = (r: DiscoveryResponse) =>
  r.resources
    .map((any) => ClusterLoadAssignment.decode(any.value))
    .flatMap((a) => a.endpoints.flatMap((l) => l.lbEndpoints.map((e) => e.endpoint?.address?.socketAddress?.address)))
    .sort();

describe("mesh views: what a sidecar receives over xDS", () => {
  let h: Harness;
  const views = nodeScopedViews();
  before(async () => {
    h = await startHarness({ view: views });
    await h.put(["listeners", listener("everyone", "routes", 10001)]);
    await putMesh(
      h,
      ["services", service("catalog")],
      ["services", service("pricing", [{ name: "grpc", port: 9090, appProtocol: "grpc" }])],
      ["workloadentries", entryAt("catalog-1", { app: "catalog" }, "10.0.0.1")],
      ["workloadentries", entryAt("pricing-1", { app: "pricing" }, "10.0.1.1")],
      ["httproutes", httpRoute("catalog", "catalog", [["catalog", 1]])],
    );
  });
  after(() => h.close());

  test("a sidecar receives the raw listeners, its outbound and inbound listeners, and every Service's cluster", async () => {
    assert.deepEqual(listenerNames(await fetch(h, web, LDS)), ["everyone", "inbound|listener", "outbound|listener"]);
    assert.deepEqual(clusterNames(await fetch(h, web, CDS)), [
      "inbound|app",
      "outbound|8080||catalog",
      "outbound|9090||pricing",
      "outbound|connect",
    ]);
  });

  test("a sidecar receives its outbound routes, one virtual host per Service port and the unknown host", async () => {
    const response = await fetch(h, web, RDS, ["outbound|routes"]);
    const [routes] = response.resources.map((any) => RouteConfiguration.decode(any.value));
    assert.equal(routes?.name, "outbound|routes");
    assert.deepEqual(routes?.virtualHosts.map((v) => v.name).sort(), [
      "outbound|8080||catalog",
      "outbound|9090||pricing",
      "outbound|unknown-host",
    ]);
  });

  test("a sidecar receives each Service's endpoints at its workloads' addresses", async () => {
    const response = await fetch(h, web, EDS, ["outbound|8080||catalog", "outbound|9090||pricing"]);
    assert.deepEqual(addressesOf(response), ["10.0.0.1", "10.0.1.1"]);
  });

  test("a sidecar depending on some Services gets only theirs", async () => {
    assert.deepEqual(clusterNames(await fetch(h, pricingCaller, CDS)), [
      "inbound|app",
      "outbound|9090||pricing",
      "outbound|connect",
    ]);
    const routes = RouteConfiguration.decode(
      (await fetch(h, pricingCaller, RDS, ["outbound|routes"])).resources[0]?.value ?? new Uint8Array(),
    );
    assert.deepEqual(routes.virtualHosts.map((v) => v.name).sort(), [
      "outbound|9090||pricing",
      "outbound|unknown-host",
    ]);
    const endpoints = await fetch(h, pricingCaller, EDS, ["outbound|8080||catalog", "outbound|9090||pricing"]);
    assert.deepEqual(addressesOf(endpoints), ["10.0.1.1"]);
  });

  test("a sidecar on a delta stream receives the same compiled clusters", async () => {
    const stream = h.deltaAds();
    stream.send(deltaRequest({ node: pricingCaller, typeUrl: CDS }));
    const response = await stream.next();
    assert.deepEqual(deltaNames(response), ["inbound|app", "outbound|9090||pricing", "outbound|connect"]);
    stream.cancel();
  });

  test("a node without sidecar metadata receives nothing compiled", async () => {
    assert.deepEqual(listenerNames(await fetch(h, plain, LDS)), ["everyone"]);
    assert.deepEqual(clusterNames(await fetch(h, plain, CDS)), []);
    const routes = await fetch(h, plain, RDS, ["outbound|routes"]);
    assert.equal(routes.resources.length, 0);
  });

  test("sidecars with the same dependency set share the very same encoded outbound resources", () => {
    const snapshot = h.builder.current();
    assert.ok(snapshot);
    const other = sidecarNode("web-2", { service: "web", inbound: "127.0.0.1:18021", app: "127.0.0.1:18020" });
    const a = views(web, snapshot);
    const b = views(other, snapshot);
    assert.notEqual(a, b, "each sidecar has its own inbound listener");
    assert.equal(a.resources(RDS).get("outbound|routes"), b.resources(RDS).get("outbound|routes"));
    assert.equal(a.resources(CDS).get("outbound|8080||catalog"), b.resources(CDS).get("outbound|8080||catalog"));
    assert.equal(a.select(EDS, subscription(true, [])).resources.length, 2);
    assert.notEqual(
      a.resources(LDS).get("inbound|listener")?.version,
      b.resources(LDS).get("inbound|listener")?.version,
    );
  });

  test("a sidecar's view for the next snapshot keeps the selections a registration elsewhere left as they were", async () => {
    const first = h.builder.current();
    assert.ok(first);
    const all = subscription(true, []);
    const before = {
      cds: views(pricingCaller, first).select(CDS, all),
      eds: views(pricingCaller, first).select(EDS, all),
    };
    // catalog-2 changes catalog's endpoints: the pricing caller's view holds nothing of catalog.
    await putMesh(h, ["workloadentries", entryAt("catalog-2", { app: "catalog" }, "10.0.0.2")]);
    const second = h.builder.current();
    assert.ok(second && second !== first);
    const view = views(pricingCaller, second);
    assert.equal(view.select(CDS, all), before.cds, "the very same selection object: nothing selected again");
    assert.equal(view.select(EDS, all), before.eds);
    // pricing-2 changes what it calls: its endpoints are selected again, its clusters still held.
    await putMesh(h, ["workloadentries", entryAt("pricing-2", { app: "pricing" }, "10.0.1.2")]);
    const third = h.builder.current();
    assert.ok(third && third !== second);
    const after = views(pricingCaller, third);
    assert.equal(after.select(CDS, all), before.cds);
    assert.notEqual(after.select(EDS, all), before.eds);
    assert.deepEqual(
      after.select(EDS, all).resources.map((r) => r.name),
      ["outbound|9090||pricing"],
    );
    assert.notEqual(after.select(EDS, all).version, before.eds.version);
    const { revision } = await h.store.commit([
      { op: "delete", kind: "workloadentries", name: "catalog-2" },
      { op: "delete", kind: "workloadentries", name: "pricing-2" },
    ]);
    await new Promise<void>((resolve) => {
      const off = h.builder.subscribe((s) => {
        if (s.revision < revision) return;
        off();
        resolve();
      });
    });
  });

  test("node scoping still applies to a sidecar's raw listeners, beside its compiled ones", async () => {
    await h.put([
      "listeners",
      { ...listener("edge-only", "routes", 10002), metadata: { filter_metadata: { weft: { node_ids: ["edge-9"] } } } },
    ]);
    assert.deepEqual(listenerNames(await fetch(h, web, LDS)), ["everyone", "inbound|listener", "outbound|listener"]);
    const edge = sidecarNode("edge-9", { service: "web", inbound: "127.0.0.1:18031", app: "127.0.0.1:18030" });
    assert.deepEqual(listenerNames(await fetch(h, edge, LDS)), [
      "edge-only",
      "everyone",
      "inbound|listener",
      "outbound|listener",
    ]);
    await h.remove(["listeners", "edge-only"]);
  });

  test("a WorkloadEntry added reaches a subscribed sidecar's endpoints in the next snapshot", async () => {
    const stream = h.ads();
    stream.send(request({ node: web, typeUrl: EDS, resourceNames: ["outbound|8080||catalog"] }));
    const first = await stream.next();
    assert.deepEqual(addressesOf(first), ["10.0.0.1"]);
    stream.send(
      request({
        node: web,
        typeUrl: EDS,
        resourceNames: ["outbound|8080||catalog"],
        versionInfo: first.versionInfo,
        responseNonce: first.nonce,
      }),
    );
    await putMesh(h, ["workloadentries", entryAt("catalog-2", { app: "catalog" }, "10.0.0.2")]);
    const second = await stream.next();
    assert.deepEqual(addressesOf(second), ["10.0.0.1", "10.0.0.2"]);
    assert.notEqual(second.versionInfo, first.versionInfo);
    stream.cancel();
  });
});
