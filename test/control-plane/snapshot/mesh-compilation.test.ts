// The mesh compiler inside the snapshot build: compile issues are logged once per revision and
// never fail a build, a revision touching no mesh document reuses the compilation, compiled
// resources keep their encoded object while their content holds, and a sidecar's node metadata is
// read leniently (docs/mesh.md, "One engine", "Node metadata a sidecar sends").
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { type MeshKindName, parseMeshDocument } from "../../../control-plane/src/mesh/index.js";
import { KINDS, parseResource } from "../../../control-plane/src/resources/index.js";
import { DEFAULT_OUTBOUND, hostPortOf, sidecarOf } from "../../../control-plane/src/snapshot/sidecar-node.js";
import type { Snapshot } from "../../../control-plane/src/snapshot/snapshot.js";
import { SnapshotBuilder } from "../../../control-plane/src/snapshot/snapshot-builder.js";
import type { Mutation } from "../../../control-plane/src/store/config-store.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";
import { type Doc, httpRoute, service, workloadEntry } from "../mesh/mesh-documents.js";
import { cluster } from "../xds/harness.js";

const EDS = KINDS.endpoints.typeUrl;
const CDS = KINDS.clusters.typeUrl;

const mesh = (kind: MeshKindName, doc: Doc): Mutation => {
  const parsed = parseMeshDocument(kind, doc);
  return { op: "put", kind, name: parsed.name, json: parsed.json, version: parsed.version };
};

async function started() {
  const warnings: { msg: string; revision?: number; count?: number }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  const store = new MemoryStore();
  const builder = new SnapshotBuilder({ store, logger, debounceMs: 1, maxDelayMs: 5 });
  await builder.start();
  const commit = async (...mutations: Mutation[]): Promise<Snapshot> => {
    const { revision } = await store.commit(mutations);
    return new Promise((resolve) => {
      const current = builder.current();
      if (current && current.revision >= revision) return resolve(current);
      const off = builder.subscribe((s) => {
        if (s.revision >= revision) {
          off();
          resolve(s);
        }
      });
    });
  };
  const compileWarnings = () => warnings.filter((w) => w.msg === "mesh documents compiled with issues");
  return { store, builder, commit, compileWarnings, close: () => builder.stop() };
}

describe("SnapshotBuilder: the mesh compiler in the build", () => {
  test("compile issues are logged once, with the revision holding them, and the snapshot is still published", async () => {
    const b = await started();
    const snapshot = await b.commit(
      mesh("services", service("catalog")),
      mesh("httproutes", httpRoute("catalog", "catalog", [["missing", 1]])),
    );
    assert.equal(b.compileWarnings().length, 1);
    assert.equal(b.compileWarnings()[0]?.revision, snapshot.revision);
    assert.ok(snapshot.mesh);
    const later = await b.commit(mutationOfCluster("raw"));
    assert.equal(later.mesh, snapshot.mesh, "a revision touching no mesh document reuses the compilation");
    assert.equal(b.compileWarnings().length, 1);
    const registered = await b.commit(mesh("workloadentries", workloadEntry("catalog-1", { app: "catalog" })));
    assert.notEqual(registered.mesh, snapshot.mesh);
    assert.equal(b.compileWarnings().length, 1, "an issue still there is not logged again");
    const worse = await b.commit(mesh("httproutes", httpRoute("other", "catalog", [["gone", 1]])));
    assert.equal(b.compileWarnings().length, 2, "a new issue is");
    assert.equal(b.compileWarnings()[1]?.revision, worse.revision);
    assert.equal(b.compileWarnings()[1]?.count, 1);
    b.close();
  });

  test("a compiled resource whose content holds keeps its encoded object from one snapshot to the next", async () => {
    const b = await started();
    const first = await b.commit(
      mesh("services", service("catalog")),
      mesh("services", service("pricing")),
      mesh("workloadentries", workloadEntry("catalog-1", { app: "catalog" })),
    );
    const second = await b.commit(mesh("workloadentries", workloadEntry("pricing-1", { app: "pricing" })));
    assert.notEqual(second.mesh, first.mesh);
    const catalog = (s: Snapshot) => s.mesh?.outbound(["catalog"]).get(EDS)?.get("outbound|8080||catalog");
    const pricing = (s: Snapshot) => s.mesh?.outbound(["pricing"]).get(EDS)?.get("outbound|8080||pricing");
    assert.ok(catalog(first));
    assert.equal(catalog(second), catalog(first));
    assert.notEqual(pricing(second)?.version, pricing(first)?.version);
    b.close();
  });

  test("a registration or a route compiles again only the outbound sides holding a Service it touches", async () => {
    const b = await started();
    const first = await b.commit(
      mesh("services", service("catalog")),
      mesh("services", service("pricing")),
      mesh("workloadentries", workloadEntry("catalog-1", { app: "catalog" })),
    );
    const side = (s: Snapshot, depends: string) => s.mesh?.outbound([depends]);
    const catalog = side(first, "catalog");
    const pricing = side(first, "pricing");
    assert.ok(catalog && pricing);
    const registered = await b.commit(mesh("workloadentries", workloadEntry("pricing-1", { app: "pricing" })));
    assert.equal(side(registered, "catalog"), catalog, "catalog's side holds nothing pricing-1 changed");
    assert.notEqual(side(registered, "pricing"), pricing);
    const eds = (s: Snapshot) => side(s, "pricing")?.get(EDS)?.get("outbound|8080||pricing")?.version;
    assert.notEqual(eds(registered), eds(first));
    assert.equal(side(registered, "pricing")?.get(CDS), pricing.get(CDS), "its clusters are as they were: same map");
    assert.notEqual(side(registered, "pricing")?.get(EDS), pricing.get(EDS));
    const routed = await b.commit(mesh("httproutes", httpRoute("catalog", "catalog", [["pricing", 1]])));
    assert.notEqual(side(routed, "catalog"), catalog, "a route on catalog compiles catalog's side again");
    assert.equal(side(routed, "pricing"), side(registered, "pricing"));
    const moved = await b.commit(mesh("workloadentries", workloadEntry("pricing-1", { app: "pricing", v: "2" })));
    assert.notEqual(side(moved, "catalog"), side(routed, "catalog"), "catalog's route now sends to pricing");
    const other = await b.commit(mesh("services", service("web")));
    assert.notEqual(side(other, "pricing"), side(moved, "pricing"), "a Service change compiles every side again");
    assert.equal(eds(other), eds(moved));
    b.close();
  });

  test("a sidecar's own resources are compiled again only when a Service changed", async () => {
    const b = await started();
    const node = sidecarOf({
      weft: { role: "sidecar", service: "catalog", inbound: "127.0.0.1:20001", app: "127.0.0.1:8080" },
    });
    assert.ok(node);
    const first = await b.commit(mesh("services", service("catalog")));
    const own = first.mesh?.sidecar(node);
    assert.ok(own);
    const registered = await b.commit(mesh("workloadentries", workloadEntry("catalog-1", { app: "catalog" })));
    assert.notEqual(registered.mesh, first.mesh);
    assert.equal(registered.mesh?.sidecar(node), own, "a registration compiles no sidecar again");
    const http2 = await b.commit(
      mesh("services", service("catalog", [{ name: "http", port: 8080, appProtocol: "http2" }])),
    );
    const app = (s: Snapshot) => s.mesh?.sidecar(node).get(KINDS.clusters.typeUrl)?.get("inbound|app");
    assert.ok(app(http2));
    assert.notEqual(app(http2)?.version, app(first)?.version, "the app cluster follows the Service's appProtocol");
    b.close();
  });
});

function mutationOfCluster(name: string): Mutation {
  const parsed = parseResource("clusters", cluster(name));
  return { op: "put", kind: "clusters", name: parsed.name, json: parsed.json, version: parsed.version };
}

describe("a sidecar's node metadata", () => {
  test("only a node saying role sidecar with a service is a sidecar", () => {
    assert.equal(sidecarOf(undefined), undefined);
    assert.equal(sidecarOf({ weft: { service: "web" } }), undefined);
    assert.equal(sidecarOf({ weft: { role: "sidecar" } }), undefined);
    assert.equal(sidecarOf({ weft: ["sidecar"] }), undefined);
    assert.equal(sidecarOf({ weft: { role: "sidecar", service: "web" } })?.service, "web");
  });

  test("depends is sorted and unique, absent means every Service; outbound defaults to 127.0.0.1:15001", () => {
    const node = sidecarOf({ weft: { role: "sidecar", service: "web", depends: ["pricing", "catalog", "pricing"] } });
    assert.deepEqual(node?.depends, ["catalog", "pricing"]);
    assert.deepEqual(node?.outbound, DEFAULT_OUTBOUND);
    assert.equal(sidecarOf({ weft: { role: "sidecar", service: "web" } })?.depends, undefined);
  });

  test("the inbound listener needs both inbound and app addresses with real ports", () => {
    const weft = { role: "sidecar", service: "web", inbound: "127.0.0.1:18001", app: "[::1]:18000" };
    assert.deepEqual(sidecarOf({ weft })?.inbound, {
      listen: { host: "127.0.0.1", port: 18001 },
      app: { host: "::1", port: 18000 },
    });
    assert.equal(sidecarOf({ weft: { ...weft, inbound: "127.0.0.1:0" } })?.inbound, undefined);
    assert.equal(sidecarOf({ weft: { ...weft, app: undefined } })?.inbound, undefined);
  });

  test("HOST:PORT is read with the port from 1 to 65535, IPv6 hosts in brackets", () => {
    assert.deepEqual(hostPortOf("app.local:80"), { host: "app.local", port: 80 });
    assert.equal(hostPortOf("127.0.0.1:65536"), undefined);
    assert.equal(hostPortOf("::1:80"), undefined);
    assert.equal(hostPortOf("127.0.0.1"), undefined);
    assert.equal(hostPortOf(8080), undefined);
  });
});
