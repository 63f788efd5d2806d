// Listeners scoped to some nodes by metadata.filter_metadata.weft (node_clusters, node_ids): only
// those nodes receive them; nodes sharing what they see share one view and encoded response.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nodeScopedViews } from "../../../control-plane/src/snapshot/node-scope.js";
import { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { type Harness, LDS, listener, names, request, startHarness } from "./harness.js";

const scoped = (name: string, port: number, weft: Record<string, unknown>) => ({
  ...listener(name, "routes", port),
  metadata: { filter_metadata: { weft } },
});

function ldsNames(h: Harness, node: { id: string; cluster: string }): Promise<string[]> {
  const stream = h.ads();
  stream.send(request({ node, typeUrl: LDS }));
  return stream.next().then((response) => {
    stream.cancel();
    return names(response, (b) => Listener.decode(b)).sort();
  });
}

describe("node-scoped listeners", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ view: nodeScopedViews() });
    await h.put(
      ["listeners", listener("everyone", "routes", 10001)],
      ["listeners", scoped("front-only", 10002, { node_clusters: ["front"] })],
      ["listeners", scoped("edge-1-only", 10003, { node_ids: ["edge-1"] })],
      ["listeners", scoped("both", 10004, { node_clusters: ["front"], node_ids: ["edge-2"] })],
    );
  });
  after(() => h.close());

  test("a listener without a scope reaches every node; a scoped one only the nodes it names", async () => {
    assert.deepEqual(await ldsNames(h, { id: "side-1", cluster: "sidecar" }), ["everyone"]);
    assert.deepEqual(await ldsNames(h, { id: "front-1", cluster: "front" }), ["everyone", "front-only"]);
    assert.deepEqual(await ldsNames(h, { id: "edge-1", cluster: "sidecar" }), ["edge-1-only", "everyone"]);
    assert.deepEqual(await ldsNames(h, { id: "edge-2", cluster: "front" }), ["both", "everyone", "front-only"]);
  });

  test("a listener requested by name outside its scope is not sent", async () => {
    const stream = h.ads();
    stream.send(
      request({ node: { id: "side-1", cluster: "sidecar" }, typeUrl: LDS, resourceNames: ["front-only", "everyone"] }),
    );
    const response = await stream.next();
    assert.deepEqual(
      names(response, (b) => Listener.decode(b)),
      ["everyone"],
    );
    stream.cancel();
  });

  test("two nodes that see the same listeners get the same version", async () => {
    const versions: string[] = [];
    for (const id of ["side-1", "side-2"]) {
      const stream = h.ads();
      stream.send(request({ node: { id, cluster: "sidecar" }, typeUrl: LDS }));
      versions.push((await stream.next()).versionInfo);
      stream.cancel();
    }
    assert.equal(versions[0], versions[1]);
  });
});
