// Incremental (delta) xDS over real gRPC streams, on ADS (DeltaAggregatedResources) and on the
// per-type Delta* services; a name starting `item N:` checks docs/xds-protocol.md #N (#19-29, #31, #37).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { KINDS, type KindName } from "../../../control-plane/src/resources/index.js";
import { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { DeltaDiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import {
  CDS,
  cluster,
  DeltaClient,
  deltaNames,
  deltaRequest,
  EDS,
  endpoints,
  type Harness,
  LDS,
  listener,
  RDS,
  routeConfig,
  seedMesh,
  startHarness,
} from "./harness.js";

interface Transport {
  readonly name: string;
  open(h: Harness, kind: KindName, nodeId: string): DeltaClient;
}

const TRANSPORTS: readonly Transport[] = [
  {
    name: "ADS DeltaAggregatedResources",
    open: (h, kind, nodeId) =>
      new DeltaClient(
        h.deltaAds(),
        { request: KINDS[kind].typeUrl, response: KINDS[kind].typeUrl },
        { id: nodeId, cluster: "test" },
      ),
  },
  {
    // On a per-type service the type_url is implied: requests leave it empty (docs/xds-protocol.md #38).
    name: "per-type Delta service",
    open: (h, kind, nodeId) =>
      new DeltaClient(h.delta(kind), { request: "", response: KINDS[kind].typeUrl }, { id: nodeId, cluster: "test" }),
  },
];

const versionsOf = (r: DeltaDiscoveryResponse) => Object.fromEntries(r.resources.map((x) => [x.name, x.version]));

for (const transport of TRANSPORTS) {
  describe(`delta over ${transport.name}`, () => {
    let h: Harness;
    let nodes = 0;
    /** A client of one type on a new stream, with a node id of its own (for status lookups). */
    const open = (kind: KindName) => {
      const nodeId = `delta-${++nodes}`;
      return Object.assign(transport.open(h, kind, nodeId), { nodeId });
    };
    const statusOf = (nodeId: string, typeUrl: string) =>
      h.status.proxies().find((p) => p.nodeId === nodeId)?.types[typeUrl];

    before(async () => {
      h = await startHarness();
      await seedMesh(h);
    });
    after(() => h.close());

    test("items 19-20: every response has a nonce of its own, the type_url, and each resource as name, version and Any", async () => {
      const c = open("clusters");
      c.subscribe(["a", "b"]);
      const first = await c.next();
      assert.deepEqual(deltaNames(first), ["a", "b"]);
      for (const resource of first.resources) {
        assert.notEqual(resource.version, "");
        assert.equal(resource.resource?.typeUrl, CDS, "item 15: the Any's type_url is the response's");
        assert.equal(Cluster.decode(resource.resource?.value ?? new Uint8Array()).name, resource.name);
      }
      assert.deepEqual(first.removedResources, []);
      assert.notEqual(first.systemVersionInfo, "");
      assert.equal(first.controlPlane?.identifier, "weft-test");
      c.ack(first);
      c.subscribe(["t19"]);
      const second = await c.next();
      assert.notEqual(second.nonce, first.nonce);
      c.cancel();
    });

    test("subscription changes are honoured whatever the nonce: unknown, old, or none while a response is unanswered", async () => {
      const c = open("routes");
      c.subscribe(["r1"]);
      const first = await c.nextAcked();
      assert.deepEqual(deltaNames(first), ["r1"]);
      c.subscribe(["r2"], { responseNonce: "never-sent-nonce" });
      const second = await c.next();
      assert.deepEqual(deltaNames(second), ["r2"]);
      // While `second` is unanswered, the client changes its subscription on its own initiative.
      c.unsubscribe(["r2"]);
      c.subscribe(["r1"]);
      const third = await c.next();
      assert.deepEqual(deltaNames(third), ["r1"], "answered at once; r1 subscribed again is sent again");
      c.ack(second);
      c.ack(third);
      // An old nonce, already answered, still carries a subscription change.
      c.subscribe(["r2"], { responseNonce: first.nonce });
      assert.deepEqual(deltaNames(await c.nextAcked()), ["r2"]);
      await h.until(() => statusOf(c.nodeId, RDS)?.subscribed.join() === "r1,r2", "subscriptions r1,r2");
      c.cancel();
    });

    test("a subscription while a response is unacknowledged is answered at once with just the new names, and each ACK settles its own response", async () => {
      await h.put(["routes", routeConfig("t-once", "a")]);
      const c = open("routes");
      c.subscribe(["r1"]);
      const first = await c.next();
      await h.put(["routes", routeConfig("t-once-unrelated", "a")]);
      c.subscribe(["t-once", "t-once-ghost"]);
      const second = await c.next();
      assert.deepEqual(deltaNames(second), ["t-once"], "only the new name, not r1 again");
      assert.deepEqual(second.removedResources, ["t-once-ghost"], "a name that does not exist is said so at once");
      assert.notEqual(second.nonce, first.nonce);
      assert.notEqual(second.systemVersionInfo, first.systemVersionInfo, "a later snapshot");
      const sent = statusOf(c.nodeId, RDS);
      assert.deepEqual(
        [sent?.state, sent?.versionSent, sent?.versionAcked, sent?.nonce],
        ["STALE", second.systemVersionInfo, "", second.nonce],
      );
      c.ack(first);
      await h.until(() => statusOf(c.nodeId, RDS)?.versionAcked === first.systemVersionInfo, "first ACK");
      assert.equal(statusOf(c.nodeId, RDS)?.state, "STALE", "the second response is still unanswered");
      c.ack(second);
      await h.until(() => statusOf(c.nodeId, RDS)?.state === "SYNCED", "SYNCED");
      assert.equal(statusOf(c.nodeId, RDS)?.versionAcked, second.systemVersionInfo);
      assert.ok(await c.silent(), "nothing left to send");
      c.cancel();
    });

    test("a snapshot change waits until every response in flight is answered", async () => {
      await h.put(["routes", routeConfig("t-wait-1", "a")], ["routes", routeConfig("t-wait-2", "a")]);
      const c = open("routes");
      c.subscribe(["t-wait-1"]);
      const first = await c.next();
      c.subscribe(["t-wait-2"]);
      const second = await c.next();
      await h.put(["routes", routeConfig("t-wait-1", "b")]);
      assert.ok(await c.silent(), "two responses unanswered");
      c.ack(second);
      assert.ok(await c.silent(), "one still unanswered");
      c.ack(first);
      const changed = await c.next();
      assert.deepEqual(deltaNames(changed), ["t-wait-1"]);
      c.cancel();
    });

    test("item 22: empty subscribe and unsubscribe lists change nothing", async () => {
      await h.put(["routes", routeConfig("t22", "a")]);
      const c = open("routes");
      c.subscribe(["t22"]);
      const first = await c.nextAcked();
      c.send({});
      c.send({ responseNonce: first.nonce });
      assert.ok(await c.silent(), "no change, no response");
      await h.put(["routes", routeConfig("t22-other", "a")]);
      assert.ok(await c.silent(), "an empty request later on is not a wildcard");
      assert.deepEqual(statusOf(c.nodeId, RDS)?.subscribed, ["t22"]);
      await h.put(["routes", routeConfig("t22", "b")]);
      assert.deepEqual(deltaNames(await c.next()), ["t22"], "still subscribed to t22");
      c.cancel();
    });

    test("item 23: every name in resource_names_subscribe is sent, even one the client holds at the latest version", async () => {
      const c = open("routes");
      c.subscribe(["r1"]);
      const first = await c.nextAcked();
      c.subscribe(["r1"]);
      const again = await c.nextAcked();
      assert.deepEqual(versionsOf(again), versionsOf(first), "the same version, sent again");
      c.subscribe(["r1", "r2"]);
      assert.deepEqual(deltaNames(await c.next()), ["r1", "r2"]);
      c.cancel();
    });

    test("item 24: unsubscribing an unknown name is ignored, and an unsubscribe-only request gets no response", async () => {
      await h.put(["routes", routeConfig("t24a", "a")], ["routes", routeConfig("t24b", "a")]);
      const c = open("routes");
      c.subscribe(["t24a", "t24b"]);
      await c.nextAcked();
      c.unsubscribe(["never-heard-of"]);
      assert.ok(await c.silent(), "unknown name: nothing to say");
      c.unsubscribe(["t24a"]);
      assert.ok(await c.silent(), "unsubscribe only: no response");
      await h.until(() => statusOf(c.nodeId, RDS)?.subscribed.join() === "t24b", "the subscription t24b");
      await h.put(["routes", routeConfig("t24a", "b")]);
      assert.ok(await c.silent(), "changes to an unsubscribed name are not sent");
      await h.put(["routes", routeConfig("t24b", "b")]);
      const changed = await c.next();
      assert.deepEqual(deltaNames(changed), ["t24b"]);
      assert.deepEqual(changed.removedResources, []);
      c.cancel();
    });

    test("item 25: with a wildcard, unsubscribing X sends X again (it is still covered by *)", async () => {
      const c = open("clusters");
      c.subscribe(["*"]);
      const all = await c.nextAcked();
      assert.ok(deltaNames(all).includes("a"));
      c.unsubscribe(["a"]);
      const resent = await c.next();
      assert.deepEqual(deltaNames(resent), ["a"]);
      assert.deepEqual(resent.removedResources, []);
      c.cancel();
    });

    test("item 26: a subscribed name that does not exist is reported in removed_resources, once", async () => {
      const c = open("routes");
      c.subscribe(["t26-ghost"]);
      const first = await c.nextAcked();
      assert.deepEqual(first.resources, []);
      assert.deepEqual(first.removedResources, ["t26-ghost"]);
      await h.put(["routes", routeConfig("t26-unrelated", "a")]);
      assert.ok(await c.silent(), "said once, not on every snapshot");
      c.subscribe(["r1"]);
      const r1 = await c.nextAcked();
      assert.deepEqual(deltaNames(r1), ["r1"]);
      assert.deepEqual(r1.removedResources, [], "not repeated with the next response either");
      await h.put(["routes", routeConfig("t26-ghost", "a")]);
      const appeared = await c.nextAcked();
      assert.deepEqual(deltaNames(appeared), ["t26-ghost"], "item 16: pushed when it appears");
      await h.remove(["routes", "t26-ghost"]);
      const gone = await c.next();
      assert.deepEqual(gone.resources, []);
      assert.deepEqual(gone.removedResources, ["t26-ghost"]);
      c.cancel();
    });

    test("item 27: only changed resources are sent, and deletions arrive in removed_resources", async () => {
      await h.put(
        ["clusters", cluster("t27-x")],
        ["clusters", cluster("t27-y")],
        ["endpoints", endpoints("t27-x", 1)],
        ["endpoints", endpoints("t27-y", 2)],
      );
      const eds = open("endpoints");
      eds.subscribe(["t27-x", "t27-y"]);
      assert.deepEqual(deltaNames(await eds.nextAcked()), ["t27-x", "t27-y"]);
      await h.put(["endpoints", endpoints("t27-y", 3)]);
      const changed = await eds.nextAcked();
      assert.deepEqual(deltaNames(changed), ["t27-y"]);
      assert.deepEqual(changed.removedResources, []);
      const assignment = ClusterLoadAssignment.decode(changed.resources[0]?.resource?.value ?? new Uint8Array());
      assert.equal(assignment.endpoints[0]?.lbEndpoints[0]?.endpoint?.address?.socketAddress?.portValue, 3);

      const cds = open("clusters");
      cds.subscribe(["*"]);
      await cds.nextAcked();
      await h.remove(["clusters", "t27-y"], ["endpoints", "t27-y"]);
      const removedCluster = await cds.next();
      assert.deepEqual(removedCluster.resources, []);
      assert.deepEqual(removedCluster.removedResources, ["t27-y"]);
      const removedAssignment = await eds.next();
      assert.deepEqual(removedAssignment.resources, []);
      assert.deepEqual(removedAssignment.removedResources, ["t27-y"]);
      eds.cancel();
      cds.cancel();
    });

    test("item 27: a change of one endpoint among many resources sends only that resource", async () => {
      const many = Array.from({ length: 60 }, (_, i) => `t27-many-${i}`);
      await h.put(
        ...many.map((n) => ["clusters", cluster(n)] as ["clusters", unknown]),
        ...many.map((n, i) => ["endpoints", endpoints(n, 20_000 + i)] as ["endpoints", unknown]),
      );
      const c = open("endpoints");
      c.subscribe(many);
      assert.equal((await c.nextAcked()).resources.length, 60);
      await h.put(["endpoints", endpoints("t27-many-17", 30_000)]);
      const one = await c.next();
      assert.deepEqual(deltaNames(one), ["t27-many-17"]);
      assert.deepEqual(one.removedResources, []);
      c.cancel();
    });

    test("item 28: a first request with both lists empty is the legacy wildcard", async () => {
      const c = open("clusters");
      c.send({});
      const all = await c.nextAcked();
      assert.ok(["a", "b"].every((n) => deltaNames(all).includes(n)));
      await h.until(() => statusOf(c.nodeId, CDS)?.subscribed.join() === "*", "the wildcard subscription");
      await h.put(["clusters", cluster("t28-legacy")]);
      assert.deepEqual(deltaNames(await c.next()), ["t28-legacy"]);
      c.cancel();
    });

    test("item 28: explicit * subscribes to everything; unsubscribing * ends the wildcard", async () => {
      const c = open("clusters");
      c.subscribe(["*"]);
      await c.nextAcked();
      await h.put(["clusters", cluster("t28-star")]);
      assert.deepEqual(deltaNames(await c.nextAcked()), ["t28-star"]);
      c.unsubscribe(["*"]);
      assert.ok(await c.silent());
      await h.until(() => statusOf(c.nodeId, CDS)?.subscribed.length === 0, "no subscription left");
      await h.put(["clusters", cluster("t28-after-star")]);
      assert.ok(await c.silent(), "no longer subscribed to new clusters");
      c.cancel();
    });

    test("item 28: once a name was subscribed, empty lists no longer mean a wildcard", async () => {
      const c = open("clusters");
      c.subscribe(["a"]);
      assert.deepEqual(deltaNames(await c.nextAcked()), ["a"]);
      c.send({});
      assert.ok(await c.silent());
      await h.put(["clusters", cluster("t28-named")]);
      assert.ok(await c.silent(), "only a is subscribed");
      assert.deepEqual(statusOf(c.nodeId, CDS)?.subscribed, ["a"]);
      c.cancel();
    });

    test("item 29: a reconnecting client is not resent what it holds at the current version, and held names now gone are removed", async () => {
      await h.put(
        ["clusters", cluster("t29-keep")],
        ["clusters", cluster("t29-change")],
        ["clusters", cluster("t29-gone")],
      );
      const before = open("clusters");
      before.subscribe(["*"]);
      const held = versionsOf(await before.nextAcked());
      before.cancel();
      await h.change({
        put: [["clusters", cluster("t29-change", { connect_timeout: "7s" })]],
        remove: [["clusters", "t29-gone"]],
      });
      const after = open("clusters");
      after.subscribe(["*"], { initialResourceVersions: held });
      const first = await after.next();
      assert.deepEqual(deltaNames(first), ["t29-change"]);
      assert.notEqual(first.resources[0]?.version, held["t29-change"]);
      assert.deepEqual(first.removedResources, ["t29-gone"]);
      after.cancel();
    });

    test("item 29: with explicit names too, only what changed since the reported versions is sent", async () => {
      const before = open("routes");
      before.subscribe(["r1", "r2"]);
      const held = versionsOf(await before.nextAcked());
      before.cancel();
      const after = open("routes");
      after.subscribe(["r1", "r2"], { initialResourceVersions: { r1: held.r1 ?? "", r2: "an-older-version" } });
      const first = await after.next();
      assert.deepEqual(deltaNames(first), ["r2"], "r1 is held at its current version");
      assert.deepEqual(first.removedResources, []);
      after.cancel();
    });

    test("a NACK keeps the client's state; the rejected version is not resent until new config; after a newer ACK a revert is sent", async () => {
      const c = open("clusters");
      c.subscribe(["*"]);
      await c.nextAcked();
      await h.put(["clusters", cluster("t-nack")]);
      const rejected = await c.next();
      assert.deepEqual(deltaNames(rejected), ["t-nack"]);
      const rejectedVersion = rejected.resources[0]?.version;
      c.nack(rejected, "t-nack is bad");
      assert.ok(await c.silent(), "the rejected version is not sent again");
      await h.until(() => statusOf(c.nodeId, CDS)?.state === "NACKED", "CDS NACKED");
      assert.equal(statusOf(c.nodeId, CDS)?.lastNack?.message, "t-nack is bad");
      assert.deepEqual(statusOf(c.nodeId, CDS)?.subscribed, ["*"], "the subscription is kept");
      const record = h.status.recentNacks().find((n) => n.nodeId === c.nodeId && n.typeUrl === CDS);
      assert.equal(record?.nonce, rejected.nonce, "the record names the rejected response's nonce");

      await h.put(["clusters", cluster("t-nack-other")]);
      const other = await c.nextAcked();
      assert.deepEqual(deltaNames(other), ["t-nack-other"], "new config, without the rejected version");
      await h.put(["clusters", cluster("t-nack", { connect_timeout: "3s" })]);
      const fixed = await c.nextAcked();
      assert.deepEqual(deltaNames(fixed), ["t-nack"]);
      assert.notEqual(fixed.resources[0]?.version, rejectedVersion);
      await h.until(() => statusOf(c.nodeId, CDS)?.state === "SYNCED", "CDS SYNCED");
      await h.put(["clusters", cluster("t-nack")]);
      const reverted = await c.next();
      assert.deepEqual(deltaNames(reverted), ["t-nack"]);
      assert.equal(
        reverted.resources[0]?.version,
        rejectedVersion,
        "once a newer version was accepted, a revert is sent",
      );
      c.cancel();
    });
  });
}

describe("delta: per-type services", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.put(["clusters", cluster("a")]);
  });
  after(() => h.close());

  for (const kind of ["listeners", "routes", "clusters", "endpoints"] as const) {
    test(`item 38: Delta ${kind} implies its type_url, and a request naming another type ends the stream with INVALID_ARGUMENT`, async () => {
      const implied = h.delta(kind);
      implied.send(deltaRequest({ typeUrl: "" }));
      assert.equal((await implied.next()).typeUrl, KINDS[kind].typeUrl);
      implied.cancel();
      const other = kind === "clusters" ? LDS : CDS;
      const wrong = h.delta(kind);
      wrong.send(deltaRequest({ typeUrl: other }));
      assert.equal((await wrong.failure()).code, GrpcStatus.INVALID_ARGUMENT);
    });
  }

  test("item 18: a delta ADS request without type_url ends the stream with INVALID_ARGUMENT", async () => {
    const s = h.deltaAds();
    s.send(deltaRequest({ typeUrl: "", resourceNamesSubscribe: ["a"] }));
    assert.equal((await s.failure()).code, GrpcStatus.INVALID_ARGUMENT);
  });
});

describe("delta: several types on one ADS stream", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.put(
      ["clusters", cluster("a")],
      ["clusters", cluster("t31-old")],
      ["routes", routeConfig("r1", "a")],
      ["routes", routeConfig("t31-r", "t31-old")],
      ["listeners", listener("t31-l", "t31-r", 10031)],
    );
  });
  after(() => h.close());

  /** Clients of several types sharing one ADS stream; responses are read from the stream in order. */
  const onOneStream = (nodeId: string) => {
    const stream = h.deltaAds();
    const client = (typeUrl: string, node: { id: string } | null) =>
      new DeltaClient(stream, { request: typeUrl, response: typeUrl }, node);
    return {
      stream,
      cds: client(CDS, { id: nodeId }),
      eds: client(EDS, null),
      lds: client(LDS, null),
      rds: client(RDS, null),
    };
  };

  test("item 37: types are independent: a route NACK leaves clusters synced and updating", async () => {
    const { stream, cds, rds } = onOneStream("delta-mixed");
    cds.subscribe(["*"]);
    rds.subscribe(["r1"]);
    const responses = [await stream.next(), await stream.next()];
    const cdsResponse = responses.find((r) => r.typeUrl === CDS);
    const rdsResponse = responses.find((r) => r.typeUrl === RDS);
    assert.ok(cdsResponse && rdsResponse);
    assert.notEqual(cdsResponse.nonce, rdsResponse.nonce);
    rds.nack(rdsResponse, "route rejected");
    cds.ack(cdsResponse);
    await h.until(() => {
      const types = h.status.proxies().find((p) => p.nodeId === "delta-mixed")?.types;
      return types?.[RDS]?.state === "NACKED" && types?.[CDS]?.state === "SYNCED";
    }, "RDS NACKED and CDS SYNCED");
    await h.put(["clusters", cluster("t37")]);
    const update = await cds.next();
    assert.deepEqual(deltaNames(update), ["t37"], "clusters keep flowing while routes are NACKed");
    stream.cancel();
  });

  test("item 31: CDS, EDS, LDS, RDS in that order; cluster and endpoint removals wait until routes and listeners settle", async () => {
    const { stream, cds, eds, lds, rds } = onOneStream("delta-mbb");
    cds.subscribe(["*"]);
    await cds.nextAcked();
    eds.subscribe(["t31-old"]);
    await eds.nextAcked();
    lds.subscribe(["*"]);
    await lds.nextAcked();
    rds.subscribe(["t31-r"]);
    await rds.nextAcked();
    eds.subscribe(["t31-new"]);
    const missing = await eds.nextAcked();
    assert.deepEqual(missing.removedResources, ["t31-new"]);
    await h.until(() => {
      const types = Object.values(h.status.proxies().find((p) => p.nodeId === "delta-mbb")?.types ?? {});
      return types.length === 4 && types.every((t) => t.state === "SYNCED");
    }, "every type acknowledged");

    // One revision: a new cluster, the route and listener moved to it, the old cluster deleted.
    await h.change({
      put: [
        ["clusters", cluster("t31-new")],
        ["routes", routeConfig("t31-r", "t31-new")],
        ["listeners", listener("t31-l", "t31-r", 10032)],
      ],
      remove: [["clusters", "t31-old"]],
    });
    const order: string[] = [];
    const byType = new Map<string, DeltaDiscoveryResponse>();
    for (let i = 0; i < 4; i++) {
      const r = await stream.next();
      order.push(r.typeUrl);
      byType.set(r.typeUrl, r);
    }
    assert.deepEqual(order, [CDS, EDS, LDS, RDS]);
    const clusters = byType.get(CDS);
    assert.deepEqual(clusters && deltaNames(clusters), ["t31-new"]);
    assert.deepEqual(clusters?.removedResources, [], "t31-old stays while the route still uses it on the client");
    const assignments = byType.get(EDS);
    assert.deepEqual(assignments && deltaNames(assignments), ["t31-new"]);
    assert.deepEqual(assignments?.removedResources, [], "t31-old's endpoints stay too");
    for (const [typeUrl, client] of [
      [CDS, cds],
      [EDS, eds],
      [LDS, lds],
    ] as const) {
      const r = byType.get(typeUrl);
      if (r) client.ack(r);
    }
    assert.ok(await stream.silent(), "no removal while the route update is unacknowledged");
    const routes = byType.get(RDS);
    assert.ok(routes);
    rds.ack(routes);
    const removal = await cds.nextAcked();
    assert.deepEqual(removal.resources, []);
    assert.deepEqual(removal.removedResources, ["t31-old"]);
    const endpointRemoval = await eds.next();
    assert.deepEqual(endpointRemoval.removedResources, ["t31-old"]);
    stream.cancel();
  });
});
