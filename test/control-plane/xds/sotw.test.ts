// State-of-the-world behaviour over real gRPC streams; a name starting `item N:` checks docs/xds-protocol.md #N.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import {
  CDS,
  cluster,
  EDS,
  type Harness,
  LDS,
  listener,
  names,
  RDS,
  request,
  routeConfig,
  seedMesh,
  startHarness,
} from "./harness.js";

const clusterNames = (r: Parameters<typeof names>[0]) => names(r, (b) => Cluster.decode(b));
const routeNames = (r: Parameters<typeof names>[0]) => names(r, (b) => RouteConfiguration.decode(b));
const endpointNames = (r: Parameters<typeof names>[0]) => names(r, (b) => ClusterLoadAssignment.decode(b));
const nack = { code: 3, message: "rejected by test", details: [] };

describe("SotW over ADS", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await seedMesh(h);
  });
  after(() => h.close());

  test("items 1-2: every response has a nonce and a version per type; an empty type still gets a first response", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: CDS }));
    const cds = await s.next();
    assert.equal(cds.typeUrl, CDS);
    assert.notEqual(cds.nonce, "");
    assert.notEqual(cds.versionInfo, "");
    assert.deepEqual(clusterNames(cds).sort(), ["a", "b"]);
    s.send(request({ typeUrl: LDS }));
    const lds = await s.next();
    assert.equal(lds.typeUrl, LDS);
    assert.notEqual(lds.nonce, cds.nonce);
    assert.notEqual(lds.versionInfo, cds.versionInfo);
    s.cancel();
  });

  test("item 5: an ACK is not answered with the same resources again", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: CDS }));
    const first = await s.next();
    s.send(request({ typeUrl: CDS, versionInfo: first.versionInfo, responseNonce: first.nonce }));
    assert.ok(await s.silent());
    s.cancel();
  });

  test("items 3-4: a NACK is recognised by error_detail, recorded, and the rejected version is not sent again", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "nacker", cluster: "c" }, typeUrl: CDS }));
    const first = await s.next();
    // NACK: version_info is the last accepted version (none), error_detail set.
    s.send(request({ typeUrl: CDS, versionInfo: "", responseNonce: first.nonce, errorDetail: nack }));
    assert.ok(await s.silent(), "the NACKed version must not be resent");
    const proxy = h.status.proxies().find((p) => p.nodeId === "nacker");
    assert.equal(proxy?.types[CDS]?.state, "NACKED");
    assert.equal(proxy?.types[CDS]?.lastNack?.message, "rejected by test");
    assert.equal(proxy?.types[CDS]?.versionSent, first.versionInfo, "the rejected version is what was sent");
    assert.equal(proxy?.types[CDS]?.versionAcked, "", "and nothing was accepted");
    const record = h.status.recentNacks().find((n) => n.nodeId === "nacker");
    assert.deepEqual([record?.versionRejected, record?.nonce], [first.versionInfo, first.nonce]);
    // New config is sent.
    await h.put(["clusters", cluster("c")]);
    const next = await s.next();
    assert.deepEqual(clusterNames(next).sort(), ["a", "b", "c"]);
    s.send(request({ typeUrl: CDS, versionInfo: next.versionInfo, responseNonce: next.nonce }));
    await h.remove(["clusters", "c"]);
    await s.next();
    s.cancel();
  });

  test("a NACKed proxy whose config is reverted is sent the version it acknowledged again, and is SYNCED once it ACKs it", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "reverted" }, typeUrl: CDS }));
    const good = await s.next();
    s.send(request({ typeUrl: CDS, versionInfo: good.versionInfo, responseNonce: good.nonce }));
    await h.put(["clusters", cluster("bad")]);
    const bad = await s.next();
    s.send(request({ typeUrl: CDS, versionInfo: good.versionInfo, responseNonce: bad.nonce, errorDetail: nack }));
    await h.until(
      () => h.status.proxies().find((p) => p.nodeId === "reverted")?.types[CDS]?.state === "NACKED",
      "CDS NACKED",
    );
    await h.remove(["clusters", "bad"]);
    // The proxy may run part of what it rejected (Envoy keeps the clusters that took): the
    // acknowledged set goes out again, under a new nonce.
    const resync = await s.next();
    assert.equal(resync.versionInfo, good.versionInfo);
    assert.notEqual(resync.nonce, bad.nonce);
    assert.deepEqual(clusterNames(resync).sort(), clusterNames(good).sort());
    assert.equal(h.status.proxies().find((p) => p.nodeId === "reverted")?.types[CDS]?.state, "STALE", "until its ACK");
    s.send(request({ typeUrl: CDS, versionInfo: resync.versionInfo, responseNonce: resync.nonce }));
    await h.until(
      () => h.status.proxies().find((p) => p.nodeId === "reverted")?.types[CDS]?.state === "SYNCED",
      "CDS SYNCED",
    );
    assert.ok(await s.silent(), "sent once, not again after the ACK");
    const types = h.status.proxies().find((p) => p.nodeId === "reverted")?.types;
    assert.equal(types?.[CDS]?.state, "SYNCED");
    assert.equal(types?.[CDS]?.versionAcked, good.versionInfo);
    s.cancel();
  });

  test("shutting the server down ends open streams, so proxies notice and reconnect elsewhere", async () => {
    const other = await startHarness();
    const s = other.ads();
    s.send(request({ typeUrl: CDS }));
    await s.next();
    await other.server.shutdown(100);
    const error = await s.failure(5_000);
    assert.notEqual(error.code, GrpcStatus.OK);
    await other.close();
  });

  test("item 7: a request with a stale nonce is ignored", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: RDS, resourceNames: ["r1"] }));
    const first = await s.next();
    s.send(
      request({ typeUrl: RDS, resourceNames: ["r1"], versionInfo: first.versionInfo, responseNonce: first.nonce }),
    );
    s.send(
      request({
        typeUrl: RDS,
        resourceNames: ["r1", "r2"],
        versionInfo: first.versionInfo,
        responseNonce: "stale-999",
      }),
    );
    assert.ok(await s.silent(), "a stale request must not be answered");
    s.cancel();
  });

  test("item 8: names added at the same version are sent, even if sent before", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: RDS, resourceNames: ["r1"] }));
    const first = await s.next();
    assert.deepEqual(routeNames(first), ["r1"]);
    s.send(
      request({
        typeUrl: RDS,
        resourceNames: ["r1", "r2"],
        versionInfo: first.versionInfo,
        responseNonce: first.nonce,
      }),
    );
    const second = await s.next();
    assert.deepEqual(routeNames(second), ["r2"], "only the newly requested resource (RDS sends what changed)");
    s.send(
      request({ typeUrl: RDS, resourceNames: ["r2"], versionInfo: second.versionInfo, responseNonce: second.nonce }),
    );
    assert.ok(await s.silent(), "dropping a name needs no response");
    s.send(
      request({
        typeUrl: RDS,
        resourceNames: ["r1", "r2"],
        versionInfo: second.versionInfo,
        responseNonce: second.nonce,
      }),
    );
    const again = await s.next();
    assert.deepEqual(routeNames(again), ["r1"], "r1 was sent before, unsubscribed, and is sent again");
    s.cancel();
  });

  test("items 9-10: wildcard follows the legacy, explicit and unsubscribe rules", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: CDS })); // never named: legacy wildcard
    let r = await s.next();
    assert.deepEqual(clusterNames(r).sort(), ["a", "b"]);
    s.send(request({ typeUrl: CDS, resourceNames: ["*", "a"], versionInfo: r.versionInfo, responseNonce: r.nonce }));
    assert.ok(await s.silent(), "* plus a is still everything: nothing new");
    s.send(request({ typeUrl: CDS, resourceNames: ["a"], versionInfo: r.versionInfo, responseNonce: r.nonce }));
    r = await s.next();
    assert.deepEqual(clusterNames(r), ["a"], "only a");
    s.send(request({ typeUrl: CDS, resourceNames: [], versionInfo: r.versionInfo, responseNonce: r.nonce }));
    r = await s.next();
    assert.deepEqual(clusterNames(r), [], "an empty list after names is no subscription, not a wildcard");
    s.cancel();
  });

  test("items 12-13: LDS/CDS carry the full state and absence deletes; RDS/EDS carry only what changed", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: CDS }));
    const c1 = await s.next();
    s.send(request({ typeUrl: CDS, versionInfo: c1.versionInfo, responseNonce: c1.nonce }));
    s.send(request({ typeUrl: RDS, resourceNames: ["r1", "r2"] }));
    const r1 = await s.next();
    s.send(
      request({ typeUrl: RDS, resourceNames: ["r1", "r2"], versionInfo: r1.versionInfo, responseNonce: r1.nonce }),
    );
    await h.put(["clusters", cluster("b", { connect_timeout: "2s" })], ["routes", routeConfig("r2", "a")]);
    const c2 = await s.next();
    assert.equal(c2.typeUrl, CDS, "clusters first");
    assert.deepEqual(clusterNames(c2).sort(), ["a", "b"], "unchanged a is included");
    const r2 = await s.next();
    assert.equal(r2.typeUrl, RDS);
    assert.deepEqual(routeNames(r2), ["r2"], "unchanged r1 is not");
    s.send(request({ typeUrl: CDS, versionInfo: c2.versionInfo, responseNonce: c2.nonce }));
    s.send(
      request({ typeUrl: RDS, resourceNames: ["r1", "r2"], versionInfo: r2.versionInfo, responseNonce: r2.nonce }),
    );
    await h.put(["clusters", cluster("b")], ["routes", routeConfig("r2", "b")]);
    s.cancel();
  });

  test("item 16: a requested resource that appears later is pushed without a new request", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: RDS, resourceNames: ["later"] }));
    const first = await s.next();
    assert.deepEqual(routeNames(first), []);
    s.send(
      request({ typeUrl: RDS, resourceNames: ["later"], versionInfo: first.versionInfo, responseNonce: first.nonce }),
    );
    await h.put(["routes", routeConfig("later", "a")]);
    const pushed = await s.next();
    assert.deepEqual(routeNames(pushed), ["later"]);
    s.cancel();
    await h.remove(["routes", "later"]);
  });

  test("item 18: an ADS request without type_url ends the stream with INVALID_ARGUMENT", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: "" }));
    const error = await s.failure();
    assert.equal(error.code, GrpcStatus.INVALID_ARGUMENT);
  });

  test("item 37: types on one stream are independent: a route NACK does not disturb clusters", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "mixed", cluster: "c" }, typeUrl: RDS, resourceNames: ["r1"] }));
    s.send(request({ typeUrl: CDS }));
    const first = await s.next();
    const second = await s.next();
    const rds = first.typeUrl === RDS ? first : second;
    const cds = first.typeUrl === CDS ? first : second;
    s.send(request({ typeUrl: RDS, resourceNames: ["r1"], responseNonce: rds.nonce, errorDetail: nack }));
    s.send(request({ typeUrl: CDS, versionInfo: cds.versionInfo, responseNonce: cds.nonce }));
    // A stream's requests are handled in order: once an EDS request is answered, so are the two above.
    s.send(request({ typeUrl: EDS, resourceNames: ["barrier"] }));
    assert.equal((await s.next()).typeUrl, EDS);
    const types = h.status.proxies().find((p) => p.nodeId === "mixed")?.types;
    assert.equal(types?.[RDS]?.state, "NACKED");
    assert.equal(types?.[CDS]?.state, "SYNCED");
    assert.equal(types?.[CDS]?.versionAcked, cds.versionInfo);
    s.cancel();
  });

  test("EDS clusters without stored endpoints are served an empty ClusterLoadAssignment", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: EDS, resourceNames: ["a", "b"] }));
    const r = await s.next();
    assert.deepEqual(endpointNames(r).sort(), ["a", "b"]);
    const b = r.resources.map((any) => ClusterLoadAssignment.decode(any.value)).find((c) => c.clusterName === "b");
    assert.deepEqual(b?.endpoints, []);
    s.cancel();
  });

  test("at most one unacknowledged response per type: a newer snapshot waits for the ACK, then only the latest is sent", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: CDS }));
    const first = await s.next();
    await h.put(["clusters", cluster("x1")]);
    await h.put(["clusters", cluster("x2")]);
    assert.ok(await s.silent(), "nothing while the first response is unacknowledged");
    s.send(request({ typeUrl: CDS, versionInfo: first.versionInfo, responseNonce: first.nonce }));
    const latest = await s.next();
    assert.deepEqual(clusterNames(latest).sort(), ["a", "b", "x1", "x2"]);
    s.cancel();
    await h.remove(["clusters", "x1"], ["clusters", "x2"]);
  });

  test("the latest request wins: a request changing resource_names while a response is unacknowledged is answered at once under a new nonce, and the old nonce's ACK is stale", async () => {
    const s = h.ads();
    const statusOf = () => h.status.proxies().find((p) => p.nodeId === "latest-wins")?.types[RDS];
    s.send(request({ node: { id: "latest-wins" }, typeUrl: RDS, resourceNames: ["r1"] }));
    const first = await s.next();
    assert.deepEqual(routeNames(first), ["r1"]);
    s.send(request({ typeUrl: RDS, resourceNames: ["r1", "r2"] }));
    const second = await s.next();
    assert.deepEqual(routeNames(second).sort(), ["r1", "r2"], "r1 too: the superseded response counts for nothing");
    assert.notEqual(second.nonce, first.nonce);
    s.send(
      request({ typeUrl: RDS, resourceNames: ["r1"], versionInfo: first.versionInfo, responseNonce: first.nonce }),
    );
    assert.ok(await s.silent(), "an ACK of the superseded nonce is stale: ignored, names included");
    const pending = statusOf();
    assert.deepEqual(
      [pending?.state, pending?.nonce, pending?.versionSent, pending?.versionAcked, pending?.subscribed],
      ["STALE", second.nonce, second.versionInfo, "", ["r1", "r2"]],
    );
    s.send(
      request({
        typeUrl: RDS,
        resourceNames: ["r1", "r2"],
        versionInfo: second.versionInfo,
        responseNonce: second.nonce,
      }),
    );
    await h.until(() => statusOf()?.state === "SYNCED", "SYNCED");
    assert.equal(statusOf()?.versionAcked, second.versionInfo);
    s.cancel();
  });

  test("the latest request wins on full-state types too: a CDS client narrowing its names gets the new full state at once", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: CDS }));
    const all = await s.next();
    assert.deepEqual(clusterNames(all).sort(), ["a", "b"]);
    s.send(request({ typeUrl: CDS, resourceNames: ["a"] }));
    const onlyA = await s.next();
    assert.deepEqual(clusterNames(onlyA), ["a"]);
    s.send(request({ typeUrl: CDS, resourceNames: ["a"], versionInfo: all.versionInfo, responseNonce: all.nonce }));
    assert.ok(await s.silent(), "the superseded response's ACK is stale");
    s.cancel();
  });

  test("item 39: a client reconnecting with the version it holds is sent nothing; with an older one it gets the current state", async () => {
    const s = h.ads();
    s.send(request({ typeUrl: CDS }));
    const held = await s.next();
    s.cancel();
    const again = h.ads();
    again.send(request({ typeUrl: CDS, versionInfo: held.versionInfo }));
    assert.ok(await again.silent(), "same version: nothing to send");
    const status = h.status.proxies().find((p) => p.types[CDS]?.versionAcked === held.versionInfo);
    assert.equal(status?.types[CDS]?.state, "SYNCED");
    again.cancel();
    const old = h.ads();
    old.send(request({ typeUrl: CDS, versionInfo: "some-old-version" }));
    assert.deepEqual(clusterNames(await old.next()).sort(), ["a", "b"]);
    old.cancel();
  });

  test("item 31: clusters are sent before listeners, and a removed cluster stays until the routes no longer use it", async () => {
    await h.put(
      ["clusters", cluster("old")],
      ["routes", routeConfig("rx", "old")],
      ["listeners", listener("lx", "rx", 10001)],
    );
    const s = h.ads();
    s.send(request({ typeUrl: CDS }));
    s.send(request({ typeUrl: LDS }));
    s.send(request({ typeUrl: RDS, resourceNames: ["r1", "rx"] }));
    const acks = new Map<string, { versionInfo: string; nonce: string }>();
    for (let i = 0; i < 3; i++) {
      const r = await s.next();
      acks.set(r.typeUrl, r);
    }
    const ack = (typeUrl: string, resourceNames: string[] = []) => {
      const r = acks.get(typeUrl);
      s.send(request({ typeUrl, resourceNames, versionInfo: r?.versionInfo ?? "", responseNonce: r?.nonce ?? "" }));
    };
    ack(CDS);
    ack(LDS);
    ack(RDS, ["r1", "rx"]);
    // Move the route off "old" and delete "old" in one revision.
    await h.put(["routes", routeConfig("rx", "a")]);
    await h.remove(["clusters", "old"]);
    const sent: string[] = [];
    let cds = await s.next();
    sent.push(cds.typeUrl);
    if (cds.typeUrl === CDS) {
      assert.ok(clusterNames(cds).includes("old"), "old stays while the new route is unacknowledged");
      acks.set(CDS, cds);
      ack(CDS);
    }
    const rds = cds.typeUrl === RDS ? cds : await s.next();
    assert.equal(rds.typeUrl, RDS);
    acks.set(RDS, rds);
    ack(RDS, ["r1", "rx"]);
    cds = await s.next();
    assert.equal(cds.typeUrl, CDS);
    assert.ok(!clusterNames(cds).includes("old"), "old goes once the routes moved off it");
    s.cancel();
    await h.remove(["listeners", "lx"], ["routes", "rx"]);
  });
});
