// Reading -f documents: the forms accepted, and every problem reported with where it is.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { unifiedDiff } from "../../cli/src/commands/line-diff.js";
import { parseDocuments, sourcePaths } from "../../cli/src/commands/resource-documents.js";
import { CliErrorCode } from "../../cli/src/errors.js";

describe("parseDocuments", () => {
  test("takes kind in any spelling, {kind, resource} items, API bodies, lists and @type", async () => {
    const text = [
      "kind: cluster\nname: a",
      "kind: routes\nresource: {name: b}",
      JSON.stringify({ resources: [{ kind: "endpoints", resource: { clusterName: "c" } }] }),
      JSON.stringify([{ kind: "Listener", name: "d" }]),
      '"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration\nname: e',
    ].join("\n---\n");
    const documents = await parseDocuments([{ name: "f.yaml", text }]);
    assert.deepEqual(
      documents.map((d) => [d.kind, d.name, d.source]),
      [
        ["clusters", "a", "f.yaml#1"],
        ["routes", "b", "f.yaml#2"],
        ["endpoints", "c", "f.yaml#3.resources[0]"],
        ["listeners", "d", "f.yaml#4[0]"],
        ["routes", "e", "f.yaml#5"],
      ],
    );
    assert.deepEqual(documents[0]?.resource, { name: "a" });
  });

  test("lists every problem at once: unknown kind, missing name, a resource given twice, duplicate keys", async () => {
    await assert.rejects(
      parseDocuments([
        { name: "a.yaml", text: "kind: Secret\nname: x\n---\nkind: Cluster\n---\nkind: Cluster\nname: y" },
        { name: "b.yaml", text: "kind: Cluster\nname: y" },
        { name: "c.yaml", text: "kind: Cluster\nname: z\nname: z" },
      ]),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, CliErrorCode.invalidDocument);
        assert.match(error.message, /a\.yaml#1: kind: unknown kind "Secret"/);
        assert.match(error.message, /a\.yaml#2: name: every resource needs its name/);
        assert.match(error.message, /b\.yaml#1: cluster\/y is also given at a\.yaml#3/);
        assert.match(error.message, /c\.yaml: line 3/);
        return true;
      },
    );
  });

  test("API paths are rewritten to where the resource was written", async () => {
    const documents = await parseDocuments([
      { name: "m.yaml", text: "kind: Cluster\nname: a\n---\nkind: Cluster\nname: b" },
    ]);
    const rewrite = sourcePaths(documents);
    assert.equal(rewrite("resources[1].resource.connect_timeout"), "m.yaml#2 connect_timeout");
    assert.equal(rewrite("resources[0].resource"), "m.yaml#1");
    assert.equal(rewrite("nothing applied: resources[1].kind: bad"), "nothing applied: m.yaml#2 kind: bad");
  });
});

describe("unifiedDiff", () => {
  test("equal texts give nothing; a change gives the removed line before the added one, with context", () => {
    assert.equal(unifiedDiff("a\nb\n", "a\nb\n"), "");
    const before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const after = "1\n2\n3\n4\n5\nsix\n7\n8\n9\n";
    assert.equal(unifiedDiff(before, after), "@@\n 3\n 4\n 5\n-6\n+six\n 7\n 8\n 9\n");
    assert.equal(unifiedDiff("", "x\n"), "@@\n+x\n");
  });
});
