// The status registry as xDS streams fill it: what GET /v1/proxies and the metrics read. Per type
// the state goes NOT_SENT → STALE (sent, unanswered) → SYNCED (ACK) or NACKED (NACK); NACKs are
// remembered after their proxy leaves (issue 3, "Status"; in the words of docs/xds-protocol.md #51).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TypeStatus } from "../../../control-plane/src/status/proxy-status.js";
import { type Connection, StatusRegistry } from "../../../control-plane/src/status/registry.js";
import { DiscoveryRequest, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { ManualClock } from "../../time/manual-clock.js";
import {
  CDS,
  cluster,
  DeltaClient,
  EDS,
  type Harness,
  RDS,
  request,
  routeConfig,
  startHarness,
  typeStatusOf,
  typeStatusReaches,
} from "./harness.js";

const nack = (message: string) => ({ code: 3, message, details: [] });
const followUp = (fields: Partial<DiscoveryRequest>): DiscoveryRequest =>
  DiscoveryRequest.fromPartial({ ...fields, node: undefined } as DiscoveryRequest);

describe("status registry over real streams", () => {
  let h: Harness;
  // NACK and connection times come from this clock: a test asserts them exactly.
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const proxy = (nodeId: string) => h.status.proxies().find((p) => p.nodeId === nodeId);
  const typeOf = (nodeId: string, typeUrl: string) => typeStatusOf(h, nodeId, typeUrl);
  const waitFor = (nodeId: string, typeUrl: string, check: (t: TypeStatus) => boolean, what: string) =>
    typeStatusReaches(h, nodeId, typeUrl, check, what);

  // The first snapshot is published inside the first test, so a type can be seen NOT_SENT.
  before(async () => {
    h = await startHarness({ startSnapshots: false, now: clock.now });
  });
  after(() => h.close());

  test("a type goes NOT_SENT → STALE → SYNCED → STALE → NACKED (with the NACK's message and time) → SYNCED", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "lifecycle", cluster: "edge" }, typeUrl: CDS }));
    await waitFor("lifecycle", CDS, (t) => t.state === "NOT_SENT", "NOT_SENT before any snapshot");
    assert.deepEqual(typeOf("lifecycle", CDS), {
      state: "NOT_SENT",
      versionSent: "",
      versionAcked: "",
      nonce: "",
      subscribed: ["*"],
      revision: null,
      lastNack: null,
    });

    await h.builder.start();
    const first = await s.next();
    assert.deepEqual(typeOf("lifecycle", CDS), {
      state: "STALE",
      versionSent: first.versionInfo,
      versionAcked: "",
      nonce: first.nonce,
      subscribed: ["*"],
      revision: null,
      lastNack: null,
    });
    s.send(followUp({ typeUrl: CDS, versionInfo: first.versionInfo, responseNonce: first.nonce }));
    await waitFor("lifecycle", CDS, (t) => t.state === "SYNCED", "SYNCED after the ACK");
    assert.equal(typeOf("lifecycle", CDS)?.versionAcked, first.versionInfo);
    assert.equal(typeOf("lifecycle", CDS)?.versionSent, first.versionInfo);

    await h.put(["clusters", cluster("a")]);
    const second = await s.next();
    assert.equal(typeOf("lifecycle", CDS)?.state, "STALE", "sent, not yet answered");
    assert.equal(typeOf("lifecycle", CDS)?.versionSent, second.versionInfo);
    assert.equal(typeOf("lifecycle", CDS)?.versionAcked, first.versionInfo);
    await clock.advance(1_500);
    s.send(
      followUp({ typeUrl: CDS, versionInfo: first.versionInfo, responseNonce: second.nonce, errorDetail: nack("no") }),
    );
    await waitFor("lifecycle", CDS, (t) => t.state === "NACKED", "NACKED after the NACK");
    const nacked = typeOf("lifecycle", CDS);
    assert.equal(nacked?.versionAcked, first.versionInfo, "the client still runs what it accepted");
    assert.equal(nacked?.lastNack?.message, "no");
    assert.equal(nacked?.lastNack?.at, new Date(clock.now()).toISOString(), "the NACK's time is when it arrived");

    await h.put(["clusters", cluster("a", { connect_timeout: "2s" })]);
    const third = await s.next();
    assert.equal(typeOf("lifecycle", CDS)?.state, "STALE");
    s.send(followUp({ typeUrl: CDS, versionInfo: third.versionInfo, responseNonce: third.nonce }));
    await waitFor("lifecycle", CDS, (t) => t.state === "SYNCED", "SYNCED after a later ACK");
    assert.equal(typeOf("lifecycle", CDS)?.versionAcked, third.versionInfo);
    assert.equal(typeOf("lifecycle", CDS)?.lastNack?.message, "no", "the last NACK is still shown");
    s.cancel();
  });

  test("a proxy is described by its node, peer address and connection time (the GET /v1/proxies shape)", async () => {
    await clock.advance(60_000);
    const connectedAt = new Date(clock.now()).toISOString();
    const s = h.ads();
    const metadata = { team: "web", canary: true, nested: { level: 2 } };
    s.send(
      request({
        node: { id: "described", cluster: "edge-eu", metadata, userAgentName: "envoy", userAgentVersion: "1.31.0" },
        typeUrl: RDS,
        resourceNames: ["z", "r1", "m"],
      }),
    );
    await s.next();
    const p = proxy("described");
    assert.ok(p);
    assert.equal(p.cluster, "edge-eu");
    assert.deepEqual(p.metadata, metadata);
    assert.equal(p.userAgent, "envoy 1.31.0");
    assert.match(p.address, /^(ipv4:)?127\.0\.0\.1:\d+$/);
    assert.equal(p.connectedAt, connectedAt, "RFC 3339, when the stream's first request arrived");
    assert.deepEqual(Object.keys(p.types), [RDS]);
    assert.deepEqual(p.types[RDS]?.subscribed, ["m", "r1", "z"], "names, sorted");
    s.cancel();
  });

  test("a user agent given as a build version reads as name and version", async () => {
    const s = h.ads();
    s.send(
      request({
        node: {
          id: "built",
          userAgentName: "grpc-node-js",
          userAgentBuildVersion: { version: { majorNumber: 1, minorNumber: 14, patch: 1 } },
        },
        typeUrl: CDS,
      }),
    );
    await s.next();
    assert.equal(proxy("built")?.userAgent, "grpc-node-js 1.14.1");
    s.cancel();
  });

  test("subscribed lists * for a wildcard, first, then any explicit names", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "subs" }, typeUrl: CDS, resourceNames: ["b", "*", "a"] }));
    const r = await s.next();
    assert.deepEqual(typeOf("subs", CDS)?.subscribed, ["*", "a", "b"]);
    s.send(followUp({ typeUrl: CDS, resourceNames: ["b"], versionInfo: r.versionInfo, responseNonce: r.nonce }));
    await waitFor("subs", CDS, (t) => t.subscribed.join() === "b", "the wildcard dropped");
    s.cancel();

    const d = new DeltaClient(h.deltaAds(), { request: EDS, response: EDS }, { id: "subs-delta" });
    d.subscribe(["*"]);
    await d.nextAcked();
    await waitFor("subs-delta", EDS, (t) => t.subscribed.join() === "*" && t.state === "SYNCED", "delta wildcard");
    d.subscribe(["x"]);
    await waitFor("subs-delta", EDS, (t) => t.subscribed.join() === "*,x", "delta * and x");
    d.cancel();
  });

  test("a delta stream reports the same states; its versions are the snapshot's system version", async () => {
    const d = new DeltaClient(h.deltaAds(), { request: RDS, response: RDS }, { id: "delta-status" });
    await h.put(["routes", routeConfig("r1", "a")]);
    d.subscribe(["r1"]);
    const first = await d.next();
    assert.equal(typeOf("delta-status", RDS)?.state, "STALE");
    assert.equal(typeOf("delta-status", RDS)?.versionSent, first.systemVersionInfo);
    d.ack(first);
    await waitFor("delta-status", RDS, (t) => t.state === "SYNCED", "SYNCED");
    assert.equal(typeOf("delta-status", RDS)?.versionAcked, first.systemVersionInfo);
    await h.put(["routes", routeConfig("r1", "b")]);
    d.nack(await d.next(), "bad route");
    await waitFor("delta-status", RDS, (t) => t.state === "NACKED", "NACKED");
    assert.equal(typeOf("delta-status", RDS)?.lastNack?.message, "bad route");
    d.cancel();
  });

  test("a connection leaves the registry when its stream ends; its NACKs stay in recentNacks", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "leaver" }, typeUrl: CDS }));
    const r: DiscoveryResponse = await s.next();
    s.send(followUp({ typeUrl: CDS, versionInfo: "", responseNonce: r.nonce, errorDetail: nack("leaving soon") }));
    await waitFor("leaver", CDS, (t) => t.state === "NACKED", "NACKED");
    const connected = h.status.connectedCount;
    s.cancel();
    await h.until(() => proxy("leaver") === undefined, "the connection removed");
    assert.equal(h.status.connectedCount, connected - 1);
    const record = h.status.recentNacks().find((n) => n.nodeId === "leaver");
    assert.deepEqual(record && { ...record, at: "" }, {
      nodeId: "leaver",
      typeUrl: CDS,
      versionRejected: r.versionInfo,
      nonce: r.nonce,
      message: "leaving soon",
      at: "",
    });
    assert.equal(h.status.recentNacks()[0]?.nodeId, "leaver", "newest first");
  });

  test("a client that closes its side of the stream is removed too", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "half-closer" }, typeUrl: CDS }));
    await s.next();
    s.end();
    await h.until(() => proxy("half-closer") === undefined, "the connection removed");
  });
});

describe("StatusRegistry", () => {
  const connection = (id: string, connectedAt: number): Connection => ({
    streamId: connectedAt,
    node: { id, cluster: "", metadata: {}, userAgent: "", raw: undefined },
    address: "127.0.0.1:1",
    connectedAt: new Date(connectedAt),
    protocol: "sotw",
    types: () => ({}),
    resources: () => [],
  });

  test("proxies are listed by node id, then connection time, and leave through the function connect returned", () => {
    const counts: number[] = [];
    const registry = new StatusRegistry({ onConnectionsChanged: (n) => counts.push(n) });
    const offB = registry.connect(connection("b", 1));
    const offA2 = registry.connect(connection("a", 3));
    registry.connect(connection("a", 2));
    assert.deepEqual(
      registry.proxies().map((p) => [p.nodeId, p.connectedAt]),
      [
        ["a", new Date(2).toISOString()],
        ["a", new Date(3).toISOString()],
        ["b", new Date(1).toISOString()],
      ],
    );
    offA2();
    offA2();
    offB();
    assert.equal(registry.connectedCount, 1);
    assert.deepEqual(counts, [1, 2, 3, 2, 1], "each change reported once");
  });

  test("watchers are told of each connection, each change a stream reports and each disconnection, until they stop watching", () => {
    const registry = new StatusRegistry();
    const seen: string[] = [];
    const stop = registry.watch((change, c) => seen.push(`${change} ${c.node.id}`));
    const a = connection("a", 1);
    const off = registry.connect(a);
    registry.changed("ack", a);
    registry.changed("nack", a);
    off();
    off();
    stop();
    registry.connect(connection("b", 2));
    assert.deepEqual(seen, ["connected a", "ack a", "nack a", "disconnected a"]);
  });

  test("a stream's ACK and NACK reach the watchers once the record shows them", async () => {
    const h = await startHarness();
    try {
      const seen: string[] = [];
      const typeOf = () => h.status.proxies().find((p) => p.nodeId === "watched")?.types[CDS];
      h.status.watch((change, c) => {
        if (c.node.id === "watched") seen.push(`${change} ${typeOf()?.state ?? "-"}`);
      });
      const s = h.ads();
      s.send(request({ node: { id: "watched" }, typeUrl: CDS }));
      const first = await s.next();
      s.send(followUp({ typeUrl: CDS, versionInfo: first.versionInfo, responseNonce: first.nonce }));
      await h.until(() => typeOf()?.state === "SYNCED", "the ACK");
      await h.put(["clusters", cluster("watched")]);
      const second = await s.next();
      s.send(
        followUp({
          typeUrl: CDS,
          versionInfo: first.versionInfo,
          responseNonce: second.nonce,
          errorDetail: nack("no"),
        }),
      );
      await h.until(() => typeOf()?.state === "NACKED", "the NACK");
      s.cancel();
      await h.until(() => typeOf() === undefined, "the disconnection");
      assert.deepEqual(seen, [
        "connected -",
        "request STALE",
        "ack SYNCED",
        "snapshot STALE",
        "nack NACKED",
        "disconnected -",
      ]);
    } finally {
      await h.close();
    }
  });

  test("recent NACKs are kept newest first, up to the configured number", () => {
    const registry = new StatusRegistry({ nackHistory: 3 });
    for (let i = 1; i <= 5; i++) {
      registry.recordNack({ nodeId: `n${i}`, typeUrl: CDS, versionRejected: `v${i}`, message: "", at: "" });
    }
    assert.deepEqual(
      registry.recentNacks().map((n) => n.nodeId),
      ["n5", "n4", "n3"],
    );
  });
});

describe("convergence with several responses in flight", () => {
  test("a stream reports itself settled only once every response in flight is answered, not on the ACK of an older one", async () => {
    const settled: number[] = [];
    const h = await startHarness({
      convergence: { settled: (_streamId, revision) => settled.push(revision), disconnected: () => {} },
    });
    try {
      await h.put(["routes", routeConfig("c1", "a")], ["routes", routeConfig("c2", "a")]);
      const typeOf = () => h.status.proxies().find((p) => p.nodeId === "converging")?.types[RDS];
      const d = new DeltaClient(h.deltaAds(), { request: RDS, response: RDS }, { id: "converging" });
      d.subscribe(["c1"]);
      const first = await d.next();
      d.subscribe(["c2"]);
      const second = await d.next();
      const before = settled.length;
      d.ack(first);
      await h.until(() => typeOf()?.versionAcked === first.systemVersionInfo, "the first ACK");
      assert.equal(settled.length, before, "the second response is still unanswered");
      d.ack(second);
      await h.until(() => settled.length > before, "settled after the second ACK");
      assert.equal(settled.at(-1), Number(second.systemVersionInfo));
      d.cancel();
    } finally {
      await h.close();
    }
  });
});
