// State of the world on the per-type services (StreamListeners, StreamRoutes, StreamClusters,
// StreamEndpoints) and response-shape rules checked over many responses; a test name starting
// `item N:` checks docs/xds-protocol.md #N.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { KINDS, type KindName } from "../../../control-plane/src/resources/index.js";
import { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import { DiscoveryRequest, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import {
  CDS,
  cluster,
  EDS,
  endpoints,
  type Harness,
  LDS,
  listener,
  names,
  RDS,
  request,
  routeConfig,
  type Stream,
  seedMesh,
  startHarness,
} from "./harness.js";

const DECODERS: Record<string, (bytes: Uint8Array) => { name?: string; clusterName?: string }> = {
  [LDS]: (b) => Listener.decode(b),
  [RDS]: (b) => RouteConfiguration.decode(b),
  [CDS]: (b) => Cluster.decode(b),
  [EDS]: (b) => ClusterLoadAssignment.decode(b),
};
const namesOf = (r: DiscoveryResponse) => names(r, DECODERS[r.typeUrl] ?? (() => ({})));

/** A request without a node: only the first request on a stream is sure to carry one (docs/xds-protocol.md #36). */
const followUp = (fields: Partial<DiscoveryRequest>): DiscoveryRequest =>
  DiscoveryRequest.fromPartial({ ...fields, node: undefined } as DiscoveryRequest);

const KIND_LIST: readonly KindName[] = ["listeners", "routes", "clusters", "endpoints"];

describe("SotW per-type services", () => {
  let h: Harness;
  const proxy = (nodeId: string) => h.status.proxies().find((p) => p.nodeId === nodeId);

  before(async () => {
    h = await startHarness();
    await seedMesh(h);
  });
  after(() => h.close());

  for (const kind of KIND_LIST) {
    const typeUrl = KINDS[kind].typeUrl;
    const resourceNames = kind === "routes" ? ["r1"] : kind === "endpoints" ? ["a"] : [];
    test(`item 38: Stream ${kind} implies its type_url when the request leaves it empty`, async () => {
      const s = h.sotw(kind);
      s.send(request({ typeUrl: "", resourceNames }));
      const r = await s.next();
      assert.equal(r.typeUrl, typeUrl);
      assert.notEqual(r.nonce, "");
      assert.ok(namesOf(r).length > 0);
      s.send(followUp({ typeUrl, resourceNames, versionInfo: r.versionInfo, responseNonce: r.nonce }));
      assert.ok(await s.silent(), "the type's own type_url is accepted too, as an ACK");
      s.cancel();
    });

    test(`item 38: Stream ${kind} ends the stream with INVALID_ARGUMENT when a request names another type`, async () => {
      const s = h.sotw(kind);
      s.send(request({ typeUrl: kind === "clusters" ? LDS : CDS }));
      assert.equal((await s.failure()).code, GrpcStatus.INVALID_ARGUMENT);
    });
  }

  test("item 38: a mismatching type_url after a good start also ends the stream", async () => {
    const s = h.sotw("routes");
    s.send(request({ typeUrl: RDS, resourceNames: ["r1"] }));
    const r = await s.next();
    s.send(followUp({ typeUrl: EDS, resourceNames: ["a"], versionInfo: r.versionInfo, responseNonce: r.nonce }));
    assert.equal((await s.failure()).code, GrpcStatus.INVALID_ARGUMENT);
  });

  test("item 42: an RDS client that dropped all names and keeps its last nonce is served normally", async () => {
    const s = h.sotw("routes");
    s.send(request({ node: { id: "keeps-nonce" }, resourceNames: ["r1"] }));
    const first = await s.next();
    assert.deepEqual(namesOf(first), ["r1"]);
    const ackOf = (resourceNames: string[]) =>
      followUp({ resourceNames, versionInfo: first.versionInfo, responseNonce: first.nonce });
    s.send(ackOf(["r1"]));
    s.send(ackOf([]));
    assert.ok(await s.silent(), "RDS: dropping every name needs no response");
    await h.until(() => proxy("keeps-nonce")?.types[RDS]?.subscribed.length === 0, "RDS with no name subscribed");
    s.send(ackOf(["r2"]));
    const second = await s.next();
    assert.deepEqual(namesOf(second), ["r2"], "the old nonce is still this stream's latest: not stale");
    s.send(followUp({ resourceNames: ["r2"], versionInfo: second.versionInfo, responseNonce: second.nonce }));
    await h.put(["routes", routeConfig("r2", "a")]);
    assert.deepEqual(namesOf(await s.next()), ["r2"], "and updates flow as before");
    await h.put(["routes", routeConfig("r2", "b")]);
    s.cancel();
  });

  test("item 42: a CDS client that dropped all names (and got the empty full state) is served when it asks again", async () => {
    const s = h.sotw("clusters");
    s.send(request({ node: { id: "keeps-nonce-cds" }, resourceNames: ["a"] }));
    const first = await s.next();
    assert.deepEqual(namesOf(first), ["a"]);
    s.send(followUp({ resourceNames: ["a"], versionInfo: first.versionInfo, responseNonce: first.nonce }));
    s.send(followUp({ resourceNames: [], versionInfo: first.versionInfo, responseNonce: first.nonce }));
    const empty = await s.next();
    assert.deepEqual(namesOf(empty), [], "item 13: an empty full-state response deletes a");
    s.send(followUp({ resourceNames: [], versionInfo: empty.versionInfo, responseNonce: empty.nonce }));
    await h.put(["clusters", cluster("t42")]);
    assert.ok(await s.silent(), "item 9: an empty list after names is no subscription, not a wildcard");
    s.send(followUp({ resourceNames: ["b"], versionInfo: empty.versionInfo, responseNonce: empty.nonce }));
    assert.deepEqual(namesOf(await s.next()), ["b"]);
    s.cancel();
    await h.remove(["clusters", "t42"]);
  });

  test("item 36: a node on the first request only is enough; the stream is registered under it and keeps being served", async () => {
    const s = h.sotw("clusters");
    s.send(request({ node: { id: "node-once", cluster: "edge", userAgentName: "test-client" } }));
    const first = await s.next();
    s.send(followUp({ versionInfo: first.versionInfo, responseNonce: first.nonce }));
    await h.until(() => proxy("node-once")?.types[CDS]?.state === "SYNCED", "CDS SYNCED");
    await h.put(["clusters", cluster("t36")]);
    const pushed = await s.next();
    assert.ok(namesOf(pushed).includes("t36"));
    s.send(followUp({ versionInfo: pushed.versionInfo, responseNonce: pushed.nonce }));
    await h.until(
      () => proxy("node-once")?.types[CDS]?.versionAcked === pushed.versionInfo,
      "the ACK of the pushed CDS version",
    );
    const status = proxy("node-once");
    assert.equal(status?.cluster, "edge");
    assert.equal(status?.userAgent, "test-client");
    assert.equal(h.status.proxies().filter((p) => p.nodeId === "").length, 0, "later requests did not re-register");
    s.cancel();
    await h.remove(["clusters", "t36"]);
  });
});

describe("SotW response shape over many responses", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.put(
      ["clusters", cluster("a")],
      ["clusters", cluster("b", { eds_cluster_config: { eds_config: { ads: {} }, service_name: "shared" } })],
      ["clusters", cluster("c", { eds_cluster_config: { eds_config: { ads: {} }, service_name: "shared" } })],
      ["endpoints", endpoints("a")],
      ["routes", routeConfig("r1", "a")],
      ["routes", routeConfig("r2", "b")],
      ["listeners", listener("l1", "r1")],
      ["listeners", listener("l2", "r2", 10002)],
    );
  });
  after(() => h.close());

  /** Subscriptions as a client sends them, duplicates and an explicit "*" included. */
  const SUBSCRIPTIONS: Record<string, string[]> = {
    [CDS]: ["*", "a", "a"],
    [EDS]: ["a", "a", "shared", "b", "new"],
    [LDS]: [],
    [RDS]: ["r1", "r1", "r2", "r3"],
  };

  /**
   * Reads and ACKs responses until every type of `nodeId` is acknowledged with nothing in flight:
   * after each ACK, waits for the server to have handled it (and sent what it caused), then reads
   * on only while some type still awaits an answer.
   */
  async function settle(s: Stream<DiscoveryRequest, DiscoveryResponse>, nodeId: string, seen: DiscoveryResponse[]) {
    const types = () => h.status.proxies().find((p) => p.nodeId === nodeId)?.types ?? {};
    for (;;) {
      const r = await s.next();
      seen.push(r);
      s.send(
        followUp({
          typeUrl: r.typeUrl,
          resourceNames: SUBSCRIPTIONS[r.typeUrl] ?? [],
          versionInfo: r.versionInfo,
          responseNonce: r.nonce,
        }),
      );
      await h.until(() => {
        const t = types()[r.typeUrl];
        return t !== undefined && (t.nonce !== r.nonce || t.state !== "STALE");
      }, `the ACK of ${r.typeUrl} (nonce ${r.nonce}) handled`);
      const all = Object.values(types());
      if (all.length === 4 && all.every((t) => t.state === "SYNCED")) return;
    }
  }

  test("items 14-15: no response names a resource twice, and every Any's type_url is the response's", async () => {
    const s = h.ads();
    const seen: DiscoveryResponse[] = [];
    s.send(request({ node: { id: "shape" }, typeUrl: CDS, resourceNames: SUBSCRIPTIONS[CDS] ?? [] }));
    for (const typeUrl of [EDS, LDS, RDS]) s.send(followUp({ typeUrl, resourceNames: SUBSCRIPTIONS[typeUrl] ?? [] }));
    await settle(s, "shape", seen);
    const changes: Parameters<Harness["change"]>[0][] = [
      { put: [["clusters", cluster("a", { connect_timeout: "2s" })]] },
      {
        put: [
          ["endpoints", endpoints("shared", 9000)],
          ["routes", routeConfig("r3", "c")],
        ],
      },
      {
        put: [
          ["clusters", cluster("new")],
          ["routes", routeConfig("r1", "new")],
        ],
      },
      // Make before break: the route leaves b and b goes in one revision, so b is held back a while.
      { put: [["routes", routeConfig("r2", "a")]], remove: [["clusters", "b"]] },
      { put: [["listeners", listener("l2", "r3", 10003)]], remove: [["routes", "r2"]] },
      {
        put: [
          ["endpoints", endpoints("a", 9001)],
          ["endpoints", endpoints("new", 9002)],
        ],
      },
      {
        remove: [
          ["endpoints", "shared"],
          ["clusters", "new"],
        ],
        put: [["routes", routeConfig("r1", "a")]],
      },
      {
        put: [
          ["clusters", cluster("b")],
          ["routes", routeConfig("r2", "b")],
        ],
      },
    ];
    const seenAfter: DiscoveryResponse[][] = [];
    for (const change of changes) {
      const from = seen.length;
      await h.change(change);
      await settle(s, "shape", seen);
      seenAfter.push(seen.slice(from));
    }
    // The CDS response dropping b comes only after the route moved off b was sent (docs/xds-protocol.md #31).
    const removingB = (seenAfter[3] ?? []).map((r) => r.typeUrl);
    assert.deepEqual(removingB, [RDS, CDS]);
    assert.ok(!namesOf(seenAfter[3]?.[1] as DiscoveryResponse).includes("b"));
    assert.ok(seen.length >= 16, `enough responses to mean something (${seen.length})`);
    for (const r of seen) {
      const list = namesOf(r);
      assert.equal(new Set(list).size, list.length, `duplicate names in a ${r.typeUrl} response: ${list.join(",")}`);
      for (const any of r.resources) assert.equal(any.typeUrl, r.typeUrl, "item 15");
    }
    assert.ok(
      seen.some((r) => r.typeUrl === EDS && namesOf(r).includes("shared")),
      "clusters sharing a service_name are served one ClusterLoadAssignment",
    );
    s.cancel();
  });

  test("item 15: each per-type service's Any type_urls match its response type_url", async () => {
    for (const kind of ["listeners", "routes", "clusters", "endpoints"] as const) {
      const s = h.sotw(kind);
      s.send(request({ resourceNames: kind === "routes" ? ["r1"] : kind === "endpoints" ? ["a", "c"] : [] }));
      const r = await s.next();
      assert.ok(r.resources.length > 0);
      for (const any of r.resources) assert.equal(any.typeUrl, KINDS[kind].typeUrl);
      s.cancel();
    }
  });
});
