// apply, get, diff and delete of mesh documents as operators run them: a file mixing
// Kubernetes-shaped and Envoy-shaped documents, against a real control plane on 127.0.0.1.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { httpRoute, service, workloadEntry } from "../control-plane/mesh/mesh-documents.js";
import { controlPlane, meshYaml, type TestControlPlane, tempDir, weft } from "./cli-harness.js";

let cp: TestControlPlane;
const files = tempDir();
before(async () => {
  cp = await controlPlane();
});
after(async () => {
  await cp?.close();
  files.remove();
});

const file = files.write;

const at = () => ["--server", cp.server];
const yamlOf = (documents: unknown[]) => documents.map((d) => stringify(d)).join("---\n");

describe("mesh documents through weft", () => {
  test("apply takes a file mixing mesh and Envoy documents in one revision; get, diff and delete follow", async () => {
    const mixed = `${yamlOf([service("catalog"), workloadEntry("catalog-1"), httpRoute("catalog", "catalog", [["catalog", 1]])])}---\n${meshYaml("legacy")}`;
    const applied = await weft(["apply", "-f", file("mixed.yaml", mixed), ...at()]);
    assert.equal(applied.status, 0, applied.stderr);
    assert.deepEqual(applied.stdout.trim().split("\n"), [
      "service/catalog created",
      "workloadentry/catalog-1 created",
      "httproute/catalog created",
      "cluster/legacy created",
      "endpoint/legacy created",
      "route/legacy-routes created",
      "revision 1",
    ]);

    const table = await weft(["get", "svc", ...at()]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(
      table.stdout,
      /^NAME +PORTS +ENDPOINTS +ROUTES +VERSION +REVISION\ncatalog +http:8080 +1\/1 +catalog +[0-9a-f]{8} +1\n$/,
    );
    const routes = await weft(["get", "httproutes", ...at()]);
    assert.match(routes.stdout, /catalog +[0-9a-f]{8} +1 +catalog:8080 \(1 rule\)/);
    const all = await weft(["get", "all", ...at()]);
    assert.match(all.stdout, /^Service +catalog .* ports: http:8080$/m);
    assert.match(all.stdout, /^WorkloadEntry +catalog-1 .* address: 127\.0\.0\.1 \(app=catalog\)$/m);

    // -o yaml prints documents that apply back unchanged.
    const dumped = await weft(["get", "all", "-o", "yaml", ...at()]);
    assert.equal(dumped.status, 0, dumped.stderr);
    const reapplied = await weft(["apply", "-f", "-", ...at()], { input: dumped.stdout });
    assert.equal(reapplied.status, 0, reapplied.stderr);
    assert.match(reapplied.stdout, /^service\/catalog unchanged$/m);
    assert.match(reapplied.stdout, /^httproute\/catalog unchanged$/m);
    assert.doesNotMatch(reapplied.stdout, /configured|created/);

    const same = await weft(["diff", "-f", join(files.path, "mixed.yaml"), ...at()]);
    assert.equal(same.status, 0, same.stdout + same.stderr);
    const moved = file("moved.yaml", yamlOf([service("catalog", [{ name: "http", port: 9090 }])]));
    const diff = await weft(["diff", "-f", moved, ...at()]);
    assert.equal(diff.status, 1, diff.stderr);
    assert.match(diff.stdout, /^--- service\/catalog \(server, revision 1\)$/m);
    assert.match(diff.stdout, /^- +port: 8080$/m);
    assert.match(diff.stdout, /^\+ +port: 9090$/m);

    const refused = await weft(["delete", "service", "catalog", ...at()]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /WEFT_REFERENCED/);
    const deleted = await weft(["delete", "httproute", "catalog", ...at()]);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.match(deleted.stdout, /^httproute\/catalog deleted$/m);
  });

  test("one bad mesh document refuses the whole file, naming the file, document and field", async () => {
    const before = await weft(["get", "all", "-o", "json", ...at()]);
    const bad = yamlOf([service("pricing"), httpRoute("pricing", "pricing", [["pricing", 0]])]);
    const run = await weft(["apply", "-f", file("bad.yaml", bad), ...at()]);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /WEFT_INVALID_RESOURCE/);
    assert.match(run.stderr, /bad\.yaml#2 spec\.rules\[0\]\.backendRefs/);
    const afterwards = await weft(["get", "all", "-o", "json", ...at()]);
    assert.equal(afterwards.stdout, before.stdout);
  });

  test("a mesh kind without its apiVersion, or an unknown apiVersion, is refused before anything is sent", async () => {
    const run = await weft([
      "apply",
      "-f",
      file(
        "plain.yaml",
        "kind: Service\nmetadata:\n  name: x\n---\napiVersion: v9\nkind: Service\nmetadata:\n  name: y\n",
      ),
      ...at(),
    ]);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /plain\.yaml#1: apiVersion: missing/);
    assert.match(run.stderr, /plain\.yaml#2: kind: no mesh kind/);
  });
});
