// The store revision a proxy runs, per type and in all (GET /v1/proxies `revision`), over real
// streams: it is the latest snapshot whose view the proxy's type runs, so a type a write does not
// touch advances at once, a changed type advances on its ACK, and a rejected version holds it back.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nodeScopedViews } from "../../../control-plane/src/snapshot/node-scope.js";
import type { ProxyStatus, TypeStatus } from "../../../control-plane/src/status/proxy-status.js";
import { DiscoveryRequest, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import {
  CDS,
  cluster,
  DeltaClient,
  type Harness,
  LDS,
  listener,
  RDS,
  request,
  routeConfig,
  type Stream,
  startHarness,
  typeStatusOf,
  typeStatusReaches,
} from "./harness.js";

const followUp = (fields: Partial<DiscoveryRequest>): DiscoveryRequest =>
  DiscoveryRequest.fromPartial({ ...fields, node: undefined } as DiscoveryRequest);
const nackDetail = (message: string) => ({ code: 3, message, details: [] });

function ack(s: Stream<DiscoveryRequest, DiscoveryResponse>, r: DiscoveryResponse, names: string[] = []): void {
  s.send(followUp({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: names }));
}

describe("the revision each proxy runs", () => {
  let h: Harness;
  const proxy = (nodeId: string): ProxyStatus | undefined => h.status.proxies().find((p) => p.nodeId === nodeId);
  const typeOf = (nodeId: string, typeUrl: string) => typeStatusOf(h, nodeId, typeUrl);
  const revision = () => h.builder.current()?.revision ?? -1;
  const waitFor = (nodeId: string, typeUrl: string, check: (t: TypeStatus) => boolean, what: string) =>
    typeStatusReaches(h, nodeId, typeUrl, check, what);

  before(async () => {
    h = await startHarness({ view: nodeScopedViews() });
    await h.put(["clusters", cluster("a")], ["routes", routeConfig("r1", "a")], ["routes", routeConfig("r2", "a")]);
  });
  after(() => h.close());

  test("SotW: a type the write does not change runs the new revision at once; the changed type once it ACKs", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "sotw" }, typeUrl: CDS }));
    ack(s, await s.next());
    s.send(followUp({ typeUrl: RDS, resourceNames: ["r1"] }));
    ack(s, await s.next(), ["r1"]);
    const start = revision();
    await waitFor("sotw", RDS, (t) => t.revision === start, "RDS runs the first revision");
    await waitFor("sotw", CDS, (t) => t.revision === start, "CDS runs the first revision");
    assert.equal(proxy("sotw")?.revision, start);

    await h.put(["clusters", cluster("a", { connect_timeout: "2s" })]);
    const changed = revision();
    const response = await s.next();
    assert.equal(response.typeUrl, CDS);
    await waitFor("sotw", RDS, (t) => t.revision === changed, "RDS, unchanged, runs the new revision");
    assert.equal(typeOf("sotw", CDS)?.revision, start, "CDS is sent, not yet acknowledged");
    assert.equal(proxy("sotw")?.revision, start, "the proxy as a whole runs the lowest");

    ack(s, response);
    await waitFor("sotw", CDS, (t) => t.revision === changed, "CDS runs the new revision after its ACK");
    assert.equal(proxy("sotw")?.revision, changed);
    s.cancel();
  });

  test("SotW: a NACKed type stays at the revision it ran; the rejection names the revision it cannot run", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "sotw-nack" }, typeUrl: CDS }));
    ack(s, await s.next());
    const good = revision();
    await waitFor("sotw-nack", CDS, (t) => t.revision === good, "CDS runs the current revision");

    await h.put(["clusters", cluster("a", { connect_timeout: "3s" })]);
    const rejected = revision();
    const bad = await s.next();
    s.send(followUp({ typeUrl: CDS, versionInfo: "", responseNonce: bad.nonce, errorDetail: nackDetail("no") }));
    await waitFor("sotw-nack", CDS, (t) => t.lastNack?.revision === rejected, "the rejection of the new revision");
    assert.equal(typeOf("sotw-nack", CDS)?.revision, good);

    // A later write that leaves the rejected cluster as it is: still not run, and still rejected.
    await h.put(["routes", routeConfig("r2", "a", "/two")]);
    const unrelated = revision();
    await waitFor("sotw-nack", CDS, (t) => t.lastNack?.revision === unrelated, "the rejection still stands");
    assert.equal(typeOf("sotw-nack", CDS)?.revision, good);

    await h.put(["clusters", cluster("a", { connect_timeout: "4s" })]);
    const fixed = revision();
    ack(s, await s.next());
    await waitFor("sotw-nack", CDS, (t) => t.revision === fixed, "CDS runs the corrected revision");
    s.cancel();
  });

  test("SotW RDS: an ACK of another route does not make a rejected route version run", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "sotw-rds" }, typeUrl: RDS, resourceNames: ["r1", "r2"] }));
    ack(s, await s.next(), ["r1", "r2"]);
    const good = revision();
    await waitFor("sotw-rds", RDS, (t) => t.revision === good, "RDS runs the current revision");

    await h.put(["routes", routeConfig("r1", "a", "/bad")]);
    const bad = await s.next();
    s.send(
      followUp({
        typeUrl: RDS,
        versionInfo: "",
        resourceNames: ["r1", "r2"],
        responseNonce: bad.nonce,
        errorDetail: nackDetail("bad route"),
      }),
    );
    await waitFor("sotw-rds", RDS, (t) => t.state === "NACKED", "NACKED");

    await h.put(["routes", routeConfig("r2", "a", "/other")]);
    const later = revision();
    ack(s, await s.next(), ["r1", "r2"]);
    await waitFor("sotw-rds", RDS, (t) => t.lastNack?.revision === later, "r1's rejected version still selected");
    assert.equal(typeOf("sotw-rds", RDS)?.revision, good);
    s.cancel();
  });

  test("delta: an unchanged type advances, a changed one on its ACK, and a rejected version holds it back", async () => {
    const s = h.deltaAds();
    const cds = new DeltaClient(s, { request: CDS, response: CDS }, { id: "delta" });
    const rds = new DeltaClient(s, { request: RDS, response: RDS }, null);
    cds.subscribe(["*"]);
    await cds.nextAcked();
    rds.subscribe(["r1", "r2"]);
    await rds.nextAcked();
    const start = revision();
    await waitFor("delta", RDS, (t) => t.revision === start, "RDS runs the current revision");
    await waitFor("delta", CDS, (t) => t.revision === start, "CDS runs the current revision");

    await h.put(["routes", routeConfig("r1", "a", "/delta-bad")]);
    const rejected = revision();
    await waitFor("delta", CDS, (t) => t.revision === rejected, "CDS, unchanged, runs the new revision");
    rds.nack(await rds.next(), "bad route");
    await waitFor("delta", RDS, (t) => t.lastNack?.revision === rejected, "the rejection of the new revision");
    assert.equal(typeOf("delta", RDS)?.revision, start);

    // r2 changes and is accepted: NACKED clears, but r1's rejected version is still what is selected.
    await h.put(["routes", routeConfig("r2", "a", "/delta-other")]);
    const later = revision();
    await rds.nextAcked();
    await waitFor("delta", RDS, (t) => t.state === "SYNCED" && t.lastNack?.revision === later, "r1 still rejected");
    assert.equal(typeOf("delta", RDS)?.revision, start);
    assert.equal(proxy("delta")?.revision, start);

    await h.put(["routes", routeConfig("r1", "a", "/delta-good")]);
    const fixed = revision();
    await rds.nextAcked();
    await waitFor("delta", RDS, (t) => t.revision === fixed, "RDS runs the corrected revision");
    assert.equal(proxy("delta")?.revision, fixed);
    s.cancel();
  });

  test("a listener scoped to other nodes changes nothing this node is sent, so it runs that revision at once", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "unscoped", cluster: "sidecar" }, typeUrl: LDS }));
    ack(s, await s.next());
    await waitFor("unscoped", LDS, (t) => t.revision === revision(), "LDS runs the current revision");
    const nonce = typeOf("unscoped", LDS)?.nonce;

    await h.put([
      "listeners",
      { ...listener("front-only", "r1", 10100), metadata: { filter_metadata: { weft: { node_clusters: ["front"] } } } },
    ]);
    const scoped = revision();
    await waitFor("unscoped", LDS, (t) => t.revision === scoped, "LDS runs the revision without a response");
    assert.equal(typeOf("unscoped", LDS)?.nonce, nonce, "nothing was sent for it");
    s.cancel();
  });
});
