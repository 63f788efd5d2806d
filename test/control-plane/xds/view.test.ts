// The per-proxy view hook: streams see only what the view gives them, with no change to the
// stream logic (issue 3, "who gets what").
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Snapshot,
  type SnapshotResource,
  type SnapshotView,
  selectFrom,
} from "../../../control-plane/src/snapshot/snapshot.js";
import { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { CDS, cluster, type Harness, names, request, startHarness } from "./harness.js";

/** Hides clusters named team-b-* from nodes of cluster "team-a". */
function teamView(node: { cluster: string }, snapshot: Snapshot): SnapshotView {
  if (node.cluster !== "team-a") return snapshot;
  const filter = (typeUrl: string): ReadonlyMap<string, SnapshotResource> =>
    typeUrl === CDS
      ? new Map([...snapshot.resources(typeUrl)].filter(([name]) => !name.startsWith("team-b-")))
      : snapshot.resources(typeUrl);
  return {
    revision: snapshot.revision,
    resources: filter,
    select: (typeUrl, sub) => snapshot.memo(`team-a\n${typeUrl}\n${sub.key}`, () => selectFrom(filter(typeUrl), sub)),
    memo: (key, make) => snapshot.memo(`team-a\n${key}`, make),
  };
}

describe("per-proxy views", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ view: teamView });
    await h.put(["clusters", cluster("team-a-web")], ["clusters", cluster("team-b-db")]);
  });
  after(() => h.close());

  test("a view selects what each node receives; nodes outside it receive everything", async () => {
    const a = h.ads();
    a.send(request({ node: { id: "a-1", cluster: "team-a" }, typeUrl: CDS }));
    assert.deepEqual(
      names(await a.next(), (b) => Cluster.decode(b)),
      ["team-a-web"],
    );
    const other = h.ads();
    other.send(request({ node: { id: "c-1", cluster: "team-c" }, typeUrl: CDS }));
    assert.deepEqual(names(await other.next(), (b) => Cluster.decode(b)).sort(), ["team-a-web", "team-b-db"]);
    a.cancel();
    other.cancel();
  });
});
