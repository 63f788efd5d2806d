// The Secret type in the type states on their own, fed hand-built snapshots whose secrets are
// served by name only (Snapshot's named-only resources): docs/xds-protocol.md #52 without sockets.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { servedSecrets } from "../../../control-plane/src/snapshot/served-secrets.js";
import { Snapshot } from "../../../control-plane/src/snapshot/snapshot.js";
import { DeltaTypeState } from "../../../control-plane/src/xds/delta-type-state.js";
import { SotwTypeState } from "../../../control-plane/src/xds/sotw-type-state.js";
import { TypeUrl } from "../../../proto/index.js";
import { fakeResource } from "./type-state-fakes.js";

const SDS = TypeUrl.secret;
const NOW = new Date(0);

/** A snapshot at `revision` serving ROOTCA (at `version`) by name only. */
const withRoot = (revision: number, version: string) =>
  new Snapshot(
    revision,
    new Map(),
    [],
    NOW,
    undefined,
    new Map([[SDS, new Map([["ROOTCA", fakeResource(SDS, "ROOTCA", version)]])]]),
  );

const sotwRequest = (names: string[], nonce = "", version = "") => ({
  responseNonce: nonce,
  resourceNames: names,
  versionInfo: version,
  errorDetail: undefined,
});
const deltaRequest = (subscribe: string[], nonce = "") => ({
  responseNonce: nonce,
  resourceNamesSubscribe: subscribe,
  resourceNamesUnsubscribe: [],
  initialResourceVersions: {},
  errorDetail: undefined,
});

describe("the Secret type's state", () => {
  test("item 52: SotW: ROOTCA is planned for a subscription naming it, with a version of its own", () => {
    const state = new SotwTypeState(SDS, false);
    const snapshot = withRoot(1, "r1");
    state.receive(sotwRequest(["ROOTCA"]), snapshot, NOW);
    const plan = state.plan(snapshot);
    assert.deepEqual(
      plan?.resources.map((r) => r.name),
      ["ROOTCA"],
    );
    assert.notEqual(plan?.version, "");
  });

  test("item 52: SotW: a wildcard subscription selects no secret, legacy or `*`", () => {
    for (const names of [[], ["*"]]) {
      const state = new SotwTypeState(SDS, false);
      const snapshot = withRoot(1, "r1");
      state.receive(sotwRequest(names), snapshot, NOW);
      assert.deepEqual(state.plan(snapshot)?.resources ?? [], []);
    }
  });

  test("item 52: SotW: an acknowledged root is sent again only when its version changes", () => {
    const state = new SotwTypeState(SDS, false);
    const first = withRoot(1, "r1");
    state.receive(sotwRequest(["ROOTCA"]), first, NOW);
    const plan = state.plan(first);
    assert.ok(plan);
    state.sent(plan, "1");
    state.receive(sotwRequest(["ROOTCA"], "1", plan.version), first, NOW);
    assert.equal(state.plan(withRoot(2, "r1")), undefined, "the same root at a later revision: nothing to send");
    const rotated = state.plan(withRoot(3, "r2"));
    assert.deepEqual(
      rotated?.resources.map((r) => `${r.name}@${r.version}`),
      ["ROOTCA@r2"],
    );
    assert.notEqual(rotated?.version, plan.version);
  });

  test("item 52: delta: ROOTCA is sent and `default`, never served, is named removed", () => {
    const state = new DeltaTypeState(SDS);
    const snapshot = withRoot(1, "r1");
    state.receive(deltaRequest(["ROOTCA", "default"]), NOW);
    const plan = state.plan(snapshot);
    assert.deepEqual(
      plan?.resources.map((r) => r.name),
      ["ROOTCA"],
    );
    assert.deepEqual([...(plan?.removed ?? [])], ["default"]);
  });

  test("item 52: delta: a wildcard subscription is sent no secret", () => {
    const state = new DeltaTypeState(SDS);
    const snapshot = withRoot(1, "r1");
    state.receive(deltaRequest(["*"]), NOW);
    assert.deepEqual(state.plan(snapshot)?.resources ?? [], []);
  });

  test("the served ROOTCA is made from the trust bundle given, its version from its content", () => {
    const a = servedSecrets({ trustBundlePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" });
    const b = servedSecrets({ trustBundlePem: "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n" });
    const rootA = a.get(SDS)?.get("ROOTCA");
    const rootB = b.get(SDS)?.get("ROOTCA");
    assert.deepEqual([...(a.get(SDS)?.keys() ?? [])], ["ROOTCA"], "ROOTCA only: `default` is not served");
    assert.ok(rootA && rootB);
    assert.notEqual(rootA.version, rootB.version);
    assert.equal(rootA.typeUrl, SDS);
  });
});
