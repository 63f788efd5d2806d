// SotwTypeState on its own, fed hand-built snapshots: the state-of-the-world protocol's rules (see
// docs/xds-protocol.md) without sockets, where a sequence is clearer written out step by step.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type SotwResponsePlan, SotwTypeState } from "../../../control-plane/src/xds/sotw-type-state.js";
import { fakeSnapshot } from "./type-state-fakes.js";

const CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const NOW = new Date(0);

interface Req {
  nonce?: string;
  names?: string[];
  version?: string;
  error?: string;
}
const receive = (state: SotwTypeState, snapshot: ReturnType<typeof fakeSnapshot> | undefined, r: Req = {}) =>
  state.receive(
    {
      responseNonce: r.nonce ?? "",
      resourceNames: r.names ?? [],
      versionInfo: r.version ?? "",
      errorDetail: r.error === undefined ? undefined : { message: r.error },
    },
    snapshot,
    NOW,
  );
const namesOf = (plan: SotwResponsePlan | undefined) => plan?.resources.map((r) => r.name);

function send(state: SotwTypeState, snapshot: ReturnType<typeof fakeSnapshot>, nonce: string, retain = false) {
  const plan = state.plan(snapshot, retain);
  if (plan) state.sent(plan, nonce);
  return plan;
}

describe("SotwTypeState", () => {
  const clusters = fakeSnapshot(1, CDS, { a: "1", b: "1", c: "1" });

  test("item 10: unset → *; [*, a] → * and a; [a] → only a; unset again → nothing, not a wildcard", () => {
    const state = new SotwTypeState(CDS, true);
    receive(state, clusters);
    assert.deepEqual(state.subscribed(), ["*"]);
    const all = send(state, clusters, "1");
    assert.deepEqual(namesOf(all), ["a", "b", "c"]);
    receive(state, clusters, { nonce: "1", version: all?.version ?? "", names: ["*", "a"] });
    assert.deepEqual(state.subscribed(), ["*", "a"]);
    assert.equal(state.plan(clusters), undefined, "still everything: nothing new");
    receive(state, clusters, { nonce: "1", version: all?.version ?? "", names: ["a"] });
    const onlyA = send(state, clusters, "2");
    assert.deepEqual(namesOf(onlyA), ["a"]);
    receive(state, clusters, { nonce: "2", version: onlyA?.version ?? "", names: [] });
    assert.deepEqual(state.subscribed(), []);
    assert.deepEqual(namesOf(send(state, clusters, "3")), [], "item 9: an empty full state deletes a");
  });

  test("item 7: a stale nonce is ignored entirely, subscription included", () => {
    const state = new SotwTypeState(RDS, false);
    const routes = fakeSnapshot(1, RDS, { r1: "1", r2: "1" });
    receive(state, routes, { names: ["r1"] });
    const first = send(state, routes, "1");
    receive(state, routes, { nonce: "1", version: first?.version ?? "", names: ["r1"] });
    assert.equal(receive(state, routes, { nonce: "0", names: ["r1", "r2"] }), "stale");
    assert.deepEqual(state.subscribed(), ["r1"]);
    assert.equal(state.plan(routes), undefined);
  });

  test("item 4: a NACK is recognised by error_detail, even when version_info equals the version sent", () => {
    const state = new SotwTypeState(CDS, true);
    receive(state, clusters);
    const sent = send(state, clusters, "1");
    assert.equal(receive(state, clusters, { nonce: "1", version: sent?.version ?? "", error: "bad" }), "nack");
    assert.equal(state.state, "NACKED");
    assert.equal(state.versionAcked, "");
    assert.equal(state.plan(clusters), undefined, "the rejected version is not sent again");
  });

  test("full state: a rejected version is held back until the client accepts a newer one; then a revert is sent", () => {
    const state = new SotwTypeState(CDS, true);
    receive(state, clusters);
    const v1 = send(state, clusters, "1");
    receive(state, clusters, { nonce: "1", version: v1?.version ?? "" });
    const bad = fakeSnapshot(2, CDS, { a: "2", b: "1", c: "1" });
    const rejected = send(state, bad, "2");
    receive(state, bad, { nonce: "2", version: v1?.version ?? "", error: "a@2" });
    assert.deepEqual([...state.rejectedResources().keys()], ["a"], "only what differs from what the client runs");
    assert.equal(state.plan(bad), undefined);
    const good = fakeSnapshot(3, CDS, { a: "3", b: "1", c: "1" });
    const v3 = send(state, good, "3");
    receive(state, good, { nonce: "3", version: v3?.version ?? "" });
    assert.equal(state.state, "SYNCED");
    assert.equal(state.rejectedResources().size, 0);
    assert.equal(state.plan(bad)?.version, rejected?.version, "the revert goes out under the same version");
  });

  test("full state: after a NACK, a config back at the acknowledged version is sent again once, since the client may have applied part of what it rejected", () => {
    const state = new SotwTypeState(CDS, true);
    receive(state, clusters);
    const v1 = send(state, clusters, "1");
    receive(state, clusters, { nonce: "1", version: v1?.version ?? "" });
    const bad = fakeSnapshot(2, CDS, { a: "2", b: "1", c: "1" });
    send(state, bad, "2");
    receive(state, bad, { nonce: "2", version: v1?.version ?? "", error: "a@2" });
    assert.equal(state.plan(bad), undefined, "the rejected version is not resent");
    const resync = send(state, clusters, "3");
    assert.equal(resync?.version, v1?.version, "the acknowledged version goes out again");
    assert.equal(state.state, "STALE", "sent, not yet acknowledged");
    receive(state, clusters, { nonce: "3", version: v1?.version ?? "" });
    assert.equal(state.state, "SYNCED");
    assert.equal(state.plan(clusters), undefined, "and only once");
  });

  test("full state: with no NACK in between, a client at the current version is sent nothing", () => {
    const state = new SotwTypeState(CDS, true);
    receive(state, clusters);
    const v1 = send(state, clusters, "1");
    receive(state, clusters, { nonce: "1", version: v1?.version ?? "" });
    assert.equal(state.plan(clusters), undefined);
  });

  test("partial state: a rejected resource version is held back while other changes go out", () => {
    const state = new SotwTypeState(RDS, false);
    const routes = fakeSnapshot(1, RDS, { r1: "1", r2: "1" });
    receive(state, routes, { names: ["r1", "r2"] });
    const first = send(state, routes, "1");
    receive(state, routes, { nonce: "1", version: first?.version ?? "", names: ["r1", "r2"] });
    const bad = fakeSnapshot(2, RDS, { r1: "2", r2: "1" });
    send(state, bad, "2");
    receive(state, bad, { nonce: "2", version: first?.version ?? "", names: ["r1", "r2"], error: "r1" });
    assert.equal(state.plan(bad), undefined);
    const more = fakeSnapshot(3, RDS, { r1: "2", r2: "2" });
    assert.deepEqual(namesOf(state.plan(more)), ["r2"]);
  });

  test("item 31: retained removals keep the resource in the full state, under a version of their own, without duplicates", () => {
    const state = new SotwTypeState(CDS, true);
    receive(state, clusters);
    const v1 = send(state, clusters, "1");
    receive(state, clusters, { nonce: "1", version: v1?.version ?? "" });
    const without = fakeSnapshot(2, CDS, { a: "1", b: "2" });
    const held = state.plan(without, true);
    assert.deepEqual(namesOf(held), ["a", "b", "c"]);
    assert.notEqual(held?.version, without.versionOf(CDS));
    assert.notEqual(held?.version, v1?.version);
    assert.deepEqual(namesOf(state.plan(without, false)), ["a", "b"]);
  });

  test("item 39: a reconnecting client reporting the current version is sent nothing and counts as synced", () => {
    const state = new SotwTypeState(CDS, true);
    receive(state, clusters, { version: clusters.versionOf(CDS) });
    assert.equal(state.plan(clusters), undefined);
    assert.equal(state.state, "SYNCED");
    const other = new SotwTypeState(CDS, true);
    receive(other, clusters, { version: "older" });
    assert.deepEqual(namesOf(other.plan(clusters)), ["a", "b", "c"]);
  });

  test("item 8: a name added at the same version is sent; RDS sends only what the client lacks", () => {
    const state = new SotwTypeState(RDS, false);
    const routes = fakeSnapshot(1, RDS, { r1: "1", r2: "1" });
    receive(state, routes, { names: ["r1"] });
    const first = send(state, routes, "1");
    receive(state, routes, { nonce: "1", version: first?.version ?? "", names: ["r1", "r2"] });
    assert.deepEqual(namesOf(state.plan(routes)), ["r2"]);
  });
  describe("the latest request wins", () => {
    const routes = fakeSnapshot(1, RDS, { r1: "1", r2: "1", r3: "1" });

    test("a snapshot change waits while a response is unacknowledged; after the ACK only the latest goes out", () => {
      const state = new SotwTypeState(CDS, true);
      receive(state, clusters);
      const v1 = send(state, clusters, "1");
      const v2 = fakeSnapshot(2, CDS, { a: "2", b: "1", c: "1" });
      const v3 = fakeSnapshot(3, CDS, { a: "3", b: "1", c: "1" });
      assert.equal(state.plan(v2), undefined);
      assert.equal(state.plan(v3), undefined);
      receive(state, v3, { nonce: "1", version: v1?.version ?? "" });
      assert.equal(state.plan(v3)?.version, v3.versionOf(CDS));
    });

    test("a request that changes resource_names while a response is in flight is answered at once, under a new nonce", () => {
      const state = new SotwTypeState(RDS, false);
      receive(state, routes, { names: ["r1"] });
      send(state, routes, "1");
      assert.equal(receive(state, routes, { names: ["r1", "r2"] }), "request");
      const answer = send(state, routes, "2");
      assert.deepEqual(namesOf(answer), ["r1", "r2"], "r1 too: the superseded response may never be acknowledged");
      assert.deepEqual(state.pendingNonces, ["2"]);
      assert.equal(state.nonce, "2");
      assert.equal(state.versionSent, answer?.version);
    });

    test("the superseded nonce is stale: its ACK or NACK is ignored, and the new nonce settles the type", () => {
      const state = new SotwTypeState(RDS, false);
      receive(state, routes, { names: ["r1"] });
      const first = send(state, routes, "1");
      receive(state, routes, { names: ["r1", "r2"] });
      const second = send(state, routes, "2");
      assert.equal(receive(state, routes, { nonce: "1", version: first?.version ?? "", names: ["r1"] }), "stale");
      assert.equal(receive(state, routes, { nonce: "1", names: ["r1"], error: "late" }), "stale");
      assert.deepEqual(state.subscribed(), ["r1", "r2"], "a stale request's names are ignored too");
      assert.equal(state.state, "STALE");
      assert.equal(state.versionAcked, "", "nothing acknowledged yet");
      assert.equal(receive(state, routes, { nonce: "2", version: second?.version ?? "", names: ["r1", "r2"] }), "ack");
      assert.equal(state.state, "SYNCED");
      assert.equal(state.versionAcked, second?.version);
      assert.deepEqual([...state.ackedResources().keys()], ["r1", "r2"]);
    });

    test("a request with the same resource_names while a response is in flight waits for its answer", () => {
      const state = new SotwTypeState(RDS, false);
      receive(state, routes, { names: ["r1"] });
      send(state, routes, "1");
      assert.equal(receive(state, routes, { names: ["r1"] }), "request");
      assert.equal(state.plan(routes), undefined);
      assert.deepEqual(state.pendingNonces, ["1"]);
    });

    test("a subscription change with nothing new to send leaves the response in flight, and snapshot changes still wait for its ACK", () => {
      const state = new SotwTypeState(RDS, false);
      receive(state, routes, { names: ["r1"] });
      const first = send(state, routes, "1");
      receive(state, routes, { nonce: "1", version: first?.version ?? "", names: ["r1", "r2"] });
      send(state, routes, "2");
      receive(state, routes, { names: ["r1"] });
      assert.equal(state.plan(routes), undefined, "r1 is acknowledged: nothing new");
      assert.equal(state.plan(fakeSnapshot(2, RDS, { r1: "2", r2: "1", r3: "1" })), undefined, "a push waits");
      assert.deepEqual(state.pendingNonces, ["2"]);
    });

    test("full state: a new subscription that selects what is in flight already leaves that response in flight", () => {
      const state = new SotwTypeState(CDS, true);
      receive(state, clusters, { names: ["a"] });
      send(state, clusters, "1");
      receive(state, clusters, { names: ["a", "missing"] });
      assert.equal(state.plan(clusters), undefined, "the response in flight is already the answer");
      assert.deepEqual(state.pendingNonces, ["1"]);
      receive(state, clusters, { names: ["a", "b"] });
      assert.deepEqual(namesOf(send(state, clusters, "2")), ["a", "b"]);
    });

    test("a name dropped while its response was in flight is forgotten when that response is acknowledged", () => {
      const state = new SotwTypeState(RDS, false);
      receive(state, routes, { names: ["r1"] });
      const first = send(state, routes, "1");
      receive(state, routes, { nonce: "1", version: first?.version ?? "", names: ["r1", "r2"] });
      const second = send(state, routes, "2");
      assert.deepEqual(namesOf(second), ["r2"]);
      receive(state, routes, { names: ["r1"] });
      assert.equal(state.plan(routes), undefined, "r1 is acknowledged: nothing to send");
      receive(state, routes, { nonce: "2", version: second?.version ?? "", names: ["r1"] });
      assert.deepEqual([...state.ackedResources().keys()], ["r1"]);
      receive(state, routes, { nonce: "2", version: second?.version ?? "", names: ["r1", "r2"] });
      assert.deepEqual(namesOf(state.plan(routes)), ["r2"], "subscribed again, r2 is sent again");
    });
  });
});
