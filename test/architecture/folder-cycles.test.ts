import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { describeCycle, type FolderEdge, folderCycles, folderEdges, layerOf } from "./folder-graph.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

function edge(from: string, to: string): FolderEdge {
  return { from, to, file: `${from}/a.ts`, specifier: `../${to}/b.js` };
}

describe("folder-level imports", () => {
  it("no folder of proto, the control plane, the data plane or the CLI takes part in an import cycle", () => {
    const edges = folderEdges(repoRoot);
    assert.ok(edges.length > 20, `only ${edges.length} folder edges found: is the walk broken?`);
    assert.deepEqual(folderCycles(edges).map(describeCycle), []);
  });

  it("a folder is the first directory under a source root, and a file directly under a root is its own layer", () => {
    assert.equal(layerOf("data-plane/src/upstream/balancers/ring-hash.ts"), "data-plane/src/upstream");
    assert.equal(layerOf("control-plane/src/main.ts"), "control-plane/src/main.ts");
    assert.equal(layerOf("proto/gen/envoy/config/listener/v3/listener_pb.ts"), "proto/gen");
    assert.equal(layerOf("proto/json-decode.ts"), "proto");
    assert.equal(layerOf("test/cli/main.test.ts"), undefined);
  });

  it("a cycle through three folders is reported as one closed path naming the import of each step", () => {
    const cycles = folderCycles([edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("c", "d")]);
    assert.deepEqual(cycles.map(describeCycle), [
      "a -> b -> c -> a (a/a.ts imports ../b/b.js; b/a.ts imports ../c/b.js; c/a.ts imports ../a/b.js)",
    ]);
  });

  it("two separate cycles are both reported, and an acyclic graph reports none", () => {
    const cycles = folderCycles([edge("a", "b"), edge("b", "a"), edge("c", "d"), edge("d", "c"), edge("b", "c")]);
    assert.deepEqual(cycles.map((cycle) => cycle.map((step) => step.from).sort()).sort(), [
      ["a", "b"],
      ["c", "d"],
    ]);
    assert.deepEqual(folderCycles([edge("a", "b"), edge("b", "c"), edge("a", "c")]), []);
  });
});
