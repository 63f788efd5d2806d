// DeltaTypeState on its own, fed hand-built snapshots: the incremental protocol's rules (see
// docs/xds-protocol.md) without sockets, where a sequence is clearer written out step by step.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DeltaResponsePlan, DeltaTypeState } from "../../../control-plane/src/xds/delta-type-state.js";
import { fakeSnapshot } from "./type-state-fakes.js";

const T = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const NOW = new Date(0);

interface Req {
  nonce?: string;
  subscribe?: string[];
  unsubscribe?: string[];
  initial?: Record<string, string>;
  error?: string;
}
const receive = (state: DeltaTypeState, r: Req = {}) =>
  state.receive(
    {
      responseNonce: r.nonce ?? "",
      resourceNamesSubscribe: r.subscribe ?? [],
      resourceNamesUnsubscribe: r.unsubscribe ?? [],
      initialResourceVersions: r.initial ?? {},
      errorDetail: r.error === undefined ? undefined : { message: r.error },
    },
    NOW,
  );
const shape = (plan: DeltaResponsePlan | undefined) =>
  plan && { resources: plan.resources.map((r) => `${r.name}@${r.version}`), removed: [...plan.removed] };

/** Plans, records as sent under `nonce`, and returns the plan's shape. */
function send(state: DeltaTypeState, snapshot: ReturnType<typeof fakeSnapshot>, nonce: string, hold = false) {
  const plan = state.plan(snapshot, hold);
  if (plan) state.sent(plan, nonce);
  return shape(plan);
}

describe("DeltaTypeState", () => {
  const s1 = fakeSnapshot(1, T, { a: "1", b: "1" });

  test("nothing is planned before the first request", () => {
    assert.equal(new DeltaTypeState(T).plan(s1), undefined);
  });

  test("item 28: a first request with both lists empty is a wildcard; a later empty request changes nothing", () => {
    const state = new DeltaTypeState(T);
    assert.equal(receive(state), "request");
    assert.deepEqual(state.subscribed(), ["*"]);
    assert.deepEqual(send(state, s1, "1"), { resources: ["a@1", "b@1"], removed: [] });
    assert.equal(receive(state, { nonce: "1" }), "ack");
    assert.equal(send(state, s1, "2"), undefined);
    assert.deepEqual(
      send(state, fakeSnapshot(2, T, { a: "1", b: "1", c: "1" }), "2"),
      { resources: ["c@1"], removed: [] },
      "a new resource under the wildcard",
    );
  });

  test("item 28: a first request that only unsubscribes is not a wildcard", () => {
    const state = new DeltaTypeState(T);
    receive(state, { unsubscribe: ["x"] });
    assert.deepEqual(state.subscribed(), []);
    assert.deepEqual(send(state, s1, "1"), { resources: [], removed: [] }, "the first answer may be empty");
  });

  test("item 29: resources reported at their current version are skipped, changed ones sent, gone ones removed", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["a", "b", "gone"], initial: { a: "1", b: "0", gone: "1" } });
    assert.deepEqual(send(state, s1, "1"), { resources: ["b@1"], removed: ["gone"] });
  });

  test("item 29: initial_resource_versions count on the first request only", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["a"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    receive(state, { subscribe: ["b"], initial: { b: "1" } });
    assert.deepEqual(send(state, s1, "2"), { resources: ["b@1"], removed: [] });
  });

  test("item 23: subscribing again to a held resource sends it again", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["a"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    receive(state, { subscribe: ["a"] });
    assert.deepEqual(send(state, s1, "2"), { resources: ["a@1"], removed: [] });
  });

  test("item 26: a missing name is reported once, and again only if subscribed again", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["ghost"] });
    assert.deepEqual(send(state, s1, "1"), { resources: [], removed: ["ghost"] });
    receive(state, { nonce: "1" });
    assert.equal(send(state, fakeSnapshot(2, T, { a: "2" }), "2"), undefined);
    receive(state, { subscribe: ["ghost"] });
    assert.deepEqual(send(state, s1, "2"), { resources: [], removed: ["ghost"] });
  });

  test("item 24: an unsubscribe-only request plans nothing, and the name is forgotten", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["a", "b"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    receive(state, { unsubscribe: ["b", "unknown"] });
    assert.equal(state.plan(s1), undefined);
    assert.deepEqual(state.subscribed(), ["a"]);
    assert.equal(state.plan(fakeSnapshot(2, T, { a: "1", b: "2" })), undefined, "b's changes are not sent");
    assert.equal(state.plan(fakeSnapshot(3, T, { a: "1" })), undefined, "nor b's removal");
  });

  test("item 25: under a wildcard, unsubscribing a name sends it again", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["*"] });
    send(state, s1, "1");
    receive(state, { nonce: "1", unsubscribe: ["a"] });
    assert.deepEqual(shape(state.plan(s1)), { resources: ["a@1"], removed: [] });
  });

  test("a nonce that names no response in flight settles nothing, and its subscription change applies", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["a"] });
    send(state, s1, "1");
    assert.equal(receive(state, { nonce: "999", subscribe: ["b"] }), "request");
    assert.deepEqual(state.subscribed(), ["a", "b"]);
    assert.deepEqual(send(state, s1, "2"), { resources: ["b@1"], removed: [] });
    assert.deepEqual(state.pendingNonces, ["1", "2"], "the response to 1 is still awaited");
  });

  describe("subscription changes are answered at once", () => {
    test("a name subscribed while a response is unacknowledged is sent at once, alone", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a"] });
      send(state, s1, "1");
      receive(state, { subscribe: ["b"] });
      assert.deepEqual(send(state, s1, "2"), { resources: ["b@1"], removed: [] }, "not a again");
      assert.deepEqual(state.pendingNonces, ["1", "2"]);
      assert.equal(state.plan(s1), undefined, "nothing more to say");
    });

    test("a subscribed name that does not exist is reported in removed_resources at once", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a"] });
      send(state, s1, "1");
      receive(state, { subscribe: ["ghost", "b"] });
      assert.deepEqual(send(state, s1, "2"), { resources: ["b@1"], removed: ["ghost"] });
    });

    test("a snapshot change waits until every response in flight is answered, then goes out in full", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a"] });
      send(state, s1, "1");
      receive(state, { subscribe: ["b"] });
      send(state, s1, "2");
      const s2 = fakeSnapshot(2, T, { a: "2", b: "2" });
      assert.equal(state.plan(s2), undefined, "two responses unanswered");
      receive(state, { nonce: "2" });
      assert.equal(state.plan(s2), undefined, "one still unanswered");
      receive(state, { nonce: "1" });
      assert.deepEqual(shape(state.plan(s2)), { resources: ["a@2", "b@2"], removed: [] });
    });

    test("a request that only unsubscribes while a response is in flight plans nothing", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a", "b"] });
      send(state, s1, "1");
      receive(state, { unsubscribe: ["b"] });
      assert.equal(state.plan(s1), undefined);
    });

    test("each ACK settles its own response: acknowledging the older leaves the newer in flight, and versionAcked at the older", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a"] });
      send(state, s1, "1");
      receive(state, { subscribe: ["b"] });
      send(state, fakeSnapshot(2, T, { a: "1", b: "2" }), "2");
      assert.equal(receive(state, { nonce: "1" }), "ack");
      assert.equal(state.state, "STALE");
      assert.equal(state.versionSent, "2");
      assert.equal(state.versionAcked, "1", "the client has not acknowledged revision 2");
      assert.deepEqual([...state.ackedResources().keys()], ["a"]);
      assert.deepEqual([...state.inFlightResources().keys()], ["b"]);
      assert.equal(receive(state, { nonce: "2" }), "ack");
      assert.equal(state.state, "SYNCED");
      assert.equal(state.versionAcked, "2");
    });

    test("an ACK of an older response arriving after a newer one's does not undo it", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a"] });
      send(state, s1, "1");
      receive(state, { nonce: "1" });
      send(state, fakeSnapshot(2, T, { a: "2", b: "1" }), "2");
      receive(state, { subscribe: ["a"] });
      send(state, fakeSnapshot(3, T, { a: "3", b: "1" }), "3");
      receive(state, { nonce: "3" });
      receive(state, { nonce: "2" });
      assert.equal(state.ackedResources().get("a")?.version, "3");
      assert.equal(state.versionAcked, "3");
    });

    test("a NACK settles only its own response; an ACK of a response sent before the NACK arrived leaves the type NACKED", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a"] });
      send(state, s1, "1");
      receive(state, { nonce: "1" });
      const bad = fakeSnapshot(2, T, { a: "2", b: "1" });
      assert.deepEqual(send(state, bad, "2"), { resources: ["a@2"], removed: [] });
      receive(state, { subscribe: ["b"] });
      assert.deepEqual(send(state, bad, "3"), { resources: ["b@1"], removed: [] });
      assert.equal(receive(state, { nonce: "2", error: "a@2 is bad" }), "nack");
      assert.deepEqual(state.pendingNonces, ["3"]);
      assert.equal(receive(state, { nonce: "3" }), "ack");
      assert.equal(state.state, "NACKED", "the client still rejects a@2");
      assert.equal(state.ackedResources().get("b")?.version, "1");
      assert.equal(state.ackedResources().get("a")?.version, "1");
      assert.equal(state.plan(bad), undefined, "a@2 is not offered again");
      assert.deepEqual(send(state, fakeSnapshot(3, T, { a: "3", b: "1" }), "4"), { resources: ["a@3"], removed: [] });
      receive(state, { nonce: "4" });
      assert.equal(state.state, "SYNCED");
    });

    test("a NACK of an older response does not put back a name a newer response in flight carries", () => {
      const state = new DeltaTypeState(T);
      receive(state, { subscribe: ["a"] });
      send(state, s1, "1");
      receive(state, { subscribe: ["a"] });
      assert.deepEqual(send(state, s1, "2"), { resources: ["a@1"], removed: [] });
      receive(state, { nonce: "1", error: "not now" });
      receive(state, { nonce: "2" });
      assert.equal(state.ackedResources().get("a")?.version, "1");
      assert.equal(state.plan(s1), undefined, "the client holds a@1 from the newer response");
    });
  });

  test("item 31: removals are held back on request, while resources still flow", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["*"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    const s2 = fakeSnapshot(2, T, { b: "1", c: "1" });
    assert.deepEqual(send(state, s2, "2", true), { resources: ["c@1"], removed: [] });
    receive(state, { nonce: "2" });
    assert.equal(state.plan(s2, true), undefined);
    assert.deepEqual(shape(state.plan(s2, false)), { resources: [], removed: ["a"] });
  });

  test("a NACK puts back what the client had; the rejected version waits for new config; after a newer ACK a revert is offered", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["*"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    const bad = fakeSnapshot(2, T, { a: "2", b: "1" });
    assert.deepEqual(send(state, bad, "2"), { resources: ["a@2"], removed: [] });
    assert.equal(receive(state, { nonce: "2", error: "a@2 is bad" }), "nack");
    assert.equal(state.state, "NACKED");
    assert.equal(state.lastNack?.message, "a@2 is bad");
    assert.equal(state.plan(bad), undefined, "not offered again");
    assert.deepEqual(state.rejectedResources().get("a")?.version, "2");
    assert.deepEqual(state.ackedResources().get("a")?.version, "1", "the client still runs a@1");
    const next = fakeSnapshot(3, T, { a: "3", b: "1" });
    assert.deepEqual(send(state, next, "3"), { resources: ["a@3"], removed: [] });
    receive(state, { nonce: "3" });
    assert.equal(state.state, "SYNCED");
    assert.equal(state.rejectedResources().size, 0);
    assert.deepEqual(shape(state.plan(bad)), { resources: ["a@2"], removed: [] }, "a revert to a@2 is new config now");
  });

  test("listeners and clusters: after a NACK, a revert is sent and a name the rejected response added is removed, since the client may have applied part of it", () => {
    const state = new DeltaTypeState(T, true);
    receive(state, { subscribe: ["*"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    const bad = fakeSnapshot(2, T, { a: "2", b: "1", c: "1" });
    assert.deepEqual(send(state, bad, "2"), { resources: ["a@2", "c@1"], removed: [] });
    receive(state, { nonce: "2", error: "a@2 is bad" });
    assert.equal(state.plan(bad), undefined, "the rejected versions are not offered again");
    assert.deepEqual(
      send(state, s1, "3"),
      { resources: ["a@1"], removed: ["c"] },
      "back at what it acknowledged: a@1 again, and c (which it may have kept) removed",
    );
    receive(state, { nonce: "3" });
    assert.equal(state.state, "SYNCED");
    assert.equal(send(state, s1, "4"), undefined, "and only once");
  });

  test("routes and endpoints: a NACKed response changed nothing, so a revert sends nothing", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["*"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    send(state, fakeSnapshot(2, T, { a: "2", b: "1" }), "2");
    receive(state, { nonce: "2", error: "a@2 is bad" });
    assert.equal(state.plan(s1), undefined);
  });

  test("a NACKed removal is not sent again, so a client rejecting it is not caught in a loop", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["*"] });
    send(state, s1, "1");
    receive(state, { nonce: "1" });
    const withoutB = fakeSnapshot(2, T, { a: "1" });
    assert.deepEqual(send(state, withoutB, "2"), { resources: [], removed: ["b"] });
    receive(state, { nonce: "2", error: "keep b" });
    assert.equal(state.plan(withoutB), undefined);
    assert.deepEqual(
      shape(state.plan(fakeSnapshot(3, T, { a: "2" }))),
      { resources: ["a@2"], removed: [] },
      "other changes go out without it",
    );
    assert.deepEqual(
      send(state, fakeSnapshot(4, T, { a: "1", b: "2" }), "3"),
      { resources: ["b@2"], removed: [] },
      "b coming back is new config",
    );
    receive(state, { nonce: "3" });
    assert.deepEqual(shape(state.plan(withoutB)), { resources: [], removed: ["b"] }, "and after that a removal is too");
  });

  test("state goes NOT_SENT → STALE → SYNCED, and versions are the snapshot's revision", () => {
    const state = new DeltaTypeState(T);
    receive(state, { subscribe: ["a"] });
    assert.equal(state.state, "NOT_SENT");
    send(state, s1, "1");
    assert.equal(state.state, "STALE");
    assert.equal(state.versionSent, "1");
    assert.equal(state.versionAcked, "");
    receive(state, { nonce: "1" });
    assert.equal(state.state, "SYNCED");
    assert.equal(state.versionAcked, "1");
    assert.equal(state.nonce, "1");
  });
});
