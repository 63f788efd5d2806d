// Mesh documents through the REST API: PUT/GET/DELETE and list per plural, mixed atomic applies,
// reference warnings and referenced deletes, If-Match, history and rollback, and the registry's
// WorkloadEntries refused to plain writes.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { stringify } from "yaml";
import { StoreWriter } from "../../../control-plane/src/api/store-writer.js";
import { DetailCode, ErrorCode, ValidationCode } from "../../../control-plane/src/errors.js";
import { parseMeshDocument, REGISTERED_BY_ANNOTATION } from "../../../control-plane/src/mesh/index.js";
import { FieldErrorCode } from "../../../proto/index.js";
import { changed, destinationRule, grpcRoute, httpRoute, service, workloadEntry } from "../mesh/mesh-documents.js";
import { assertError, assertNothingStored, type Harness, harness, type Json, put, staticCluster } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.close());

function apply(body: unknown, query = "") {
  return h.inject({
    method: "POST",
    url: `/v1/apply${query}`,
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
}

function applyYaml(documents: unknown[], query = "") {
  return h.inject({
    method: "POST",
    url: `/v1/apply${query}`,
    headers: { "content-type": "application/yaml" },
    payload: documents.map((d) => stringify(d)).join("---\n"),
  });
}

const details = (error: Json) => (error.details as { path: string; code?: string }[]).map((d) => [d.path, d.code]);

describe("mesh kinds in /v1/resources", () => {
  test("each plural takes a PUT, answers GET with the document as stored, lists, and deletes", async () => {
    const documents: [string, Json][] = [
      ["services", service("catalog")],
      ["workloadentries", workloadEntry("catalog-1")],
      ["httproutes", httpRoute("catalog", "catalog", [["catalog", 1]])],
      ["grpcroutes", changed(grpcRoute(), (d) => (d.spec.rules[0].backendRefs[0].name = "catalog"))],
      ["destinationrules", destinationRule()],
    ];
    for (const [kind, document] of documents) {
      const name = String((document.metadata as Json).name);
      const written = await put(h, kind, name, document);
      assert.equal(written.statusCode, 200, written.body);
      const body = written.json();
      assert.deepEqual([body.kind, body.name], [kind, name]);
      assert.equal(body.version, parseMeshDocument(kind as "services", document).version);
      const read = await h.inject({ method: "GET", url: `/v1/resources/${kind}/${name}` });
      assert.equal(read.statusCode, 200);
      assert.deepEqual(read.json().resource, document);
      assert.equal(read.headers.etag, `"${body.revision}"`);
      const list = await h.inject({ method: "GET", url: `/v1/resources/${kind}` });
      assert.deepEqual(
        list.json().items.map((item: Json) => item.name),
        [name],
      );
    }
    const deleted = await h.inject({ method: "DELETE", url: "/v1/resources/destinationrules/catalog" });
    assert.equal(deleted.statusCode, 200, deleted.body);
    assertError(
      await h.inject({ method: "GET", url: "/v1/resources/destinationrules/catalog" }),
      404,
      ErrorCode.notFound,
    );
  });

  test("a PUT may leave metadata.name out; one naming another name is a mismatch", async () => {
    const unnamed = changed(service("x"), (d) => delete d.metadata.name);
    assert.equal((await put(h, "services", "catalog", unnamed)).statusCode, 200);
    assertError(await put(h, "services", "other", service("catalog")), 400, ErrorCode.nameMismatch);
    assertError(await put(h, "services", "catalog", httpRoute()), 400, ErrorCode.kindMismatch);
  });

  test("a refused document answers every problem with its field path and changes nothing", async () => {
    const bad = changed(httpRoute(), (d) => {
      d.spec.rules[0].backendRefs[1].weight = -5;
      d.spec.rules[0].backendRefs[0].extra = true;
    });
    await assertNothingStored(h, async () => {
      const error = assertError(await put(h, "httproutes", "catalog", bad), 400, ErrorCode.invalidResource);
      assert.deepEqual(details(error), [
        ["spec.rules[0].backendRefs[0].extra", FieldErrorCode.unknownField],
        ["spec.rules[0].backendRefs[1].weight", FieldErrorCode.outOfRange],
      ]);
    });
  });

  test("a route naming Services that do not exist is stored with one warning per reference", async () => {
    await put(h, "services", "catalog-v1", service("catalog-v1"));
    const response = await put(h, "httproutes", "catalog", httpRoute());
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      response.json().warnings.map((w: Json) => [w.path, w.code]),
      [
        ["spec.parentRefs[0].name", DetailCode.missingReference],
        ["spec.rules[0].backendRefs[1].name", DetailCode.missingReference],
      ],
    );
  });

  test("deleting a Service a route names is refused with its referrers unless forced", async () => {
    await put(h, "services", "catalog", service("catalog"));
    await put(h, "httproutes", "catalog", httpRoute("catalog", "catalog", [["catalog", 1]]));
    await put(h, "destinationrules", "catalog", destinationRule());
    await assertNothingStored(h, async () => {
      const error = assertError(
        await h.inject({ method: "DELETE", url: "/v1/resources/services/catalog" }),
        409,
        ErrorCode.referenced,
      );
      assert.deepEqual(details(error), [
        ["httproutes/catalog", DetailCode.referencedBy],
        ["httproutes/catalog", DetailCode.referencedBy],
        ["destinationrules/catalog", DetailCode.referencedBy],
      ]);
    });
    const forced = await h.inject({ method: "DELETE", url: "/v1/resources/services/catalog?force=true" });
    assert.equal(forced.statusCode, 200, forced.body);
  });

  test("If-Match guards a mesh document as it guards an Envoy resource", async () => {
    const first = (await put(h, "services", "catalog", service("catalog"))).json();
    const stale = await put(h, "services", "catalog", service("catalog", [{ port: 81 }]), {
      "if-match": `"${first.revision + 1}"`,
    });
    assertError(stale, 409, ErrorCode.conflict);
    const fresh = await put(h, "services", "catalog", service("catalog", [{ port: 81 }]), {
      "if-match": `"${first.revision}"`,
    });
    assert.equal(fresh.statusCode, 200, fresh.body);
  });

  test("an unknown plural is refused, naming the mesh plurals too", async () => {
    const error = assertError(
      await h.inject({ method: "GET", url: "/v1/resources/gateways" }),
      404,
      ErrorCode.unknownKind,
    );
    assert.match(String(error.message), /services, workloadentries, httproutes, grpcroutes, destinationrules/);
  });
});

describe("mixed applies", () => {
  test("Kubernetes-shaped and Envoy-shaped YAML documents apply together as one revision", async () => {
    const response = await applyYaml([
      service("catalog"),
      { kind: "Cluster", ...staticCluster("legacy") },
      httpRoute("catalog", "catalog", [["catalog", 1]]),
    ]);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.revision, 1);
    assert.deepEqual(
      body.resources.map((r: Json) => `${r.kind}/${r.name}`),
      ["services/catalog", "clusters/legacy", "httproutes/catalog"],
    );
    assert.equal(body.warnings, undefined, "the route's Service is in the same apply");
    assert.deepEqual(
      (await h.store.current()).resources.map((r) => `${r.kind}/${r.name}`),
      ["clusters/legacy", "services/catalog", "httproutes/catalog"],
    );
  });

  test("the JSON body takes mesh kinds by plural or by document kind", async () => {
    const response = await apply({
      resources: [
        { kind: "services", resource: service("a") },
        { kind: "WorkloadEntry", resource: workloadEntry("a-1") },
      ],
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      response.json().resources.map((r: Json) => r.kind),
      ["services", "workloadentries"],
    );
  });

  test("one bad mesh document refuses the whole apply, its problems at the document's path", async () => {
    const weightless = httpRoute("catalog", "catalog", [["catalog", 0]]);
    await assertNothingStored(h, async () => {
      const error = assertError(
        await applyYaml([
          { kind: "Cluster", ...staticCluster("legacy") },
          service("catalog"),
          weightless,
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } },
        ]),
        400,
        ErrorCode.invalidResource,
      );
      assert.deepEqual(details(error), [
        ["documents[2].spec.rules[0].backendRefs", ValidationCode.outOfRange],
        ["documents[3].kind", ErrorCode.unknownKind],
      ]);
    });
  });

  test("a dry run validates mesh documents and says what would change", async () => {
    await put(h, "services", "catalog", service("catalog"));
    const response = await applyYaml([service("catalog"), service("pricing")], "?dryRun=true");
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      response.json().resources.map((r: Json) => [r.name, r.changed]),
      [
        ["catalog", false],
        ["pricing", true],
      ],
    );
    assert.equal((await h.store.current()).revision, 1);
  });
});

describe("history and rollback over mesh kinds", () => {
  test("a revision's diff shows the mesh document's fields, and rollback restores the earlier document", async () => {
    await put(h, "services", "catalog", service("catalog"));
    await put(h, "services", "catalog", service("catalog", [{ name: "http", port: 9090 }]));
    const revision = (await h.inject({ method: "GET", url: "/v1/revisions/2" })).json();
    assert.deepEqual(revision.changes[0].diff, [{ path: "spec.ports[0].port", before: 8080, after: 9090 }]);
    const rollback = await h.inject({ method: "POST", url: "/v1/revisions/1/rollback" });
    assert.equal(rollback.statusCode, 200, rollback.body);
    assert.deepEqual(
      (await h.inject({ method: "GET", url: "/v1/resources/services/catalog" })).json().resource,
      service("catalog"),
    );
  });
});

describe("registered WorkloadEntries", () => {
  const registered = changed(workloadEntry("catalog-7f3a"), (d) => {
    d.metadata.annotations = { [REGISTERED_BY_ANNOTATION]: "control-plane" };
  });

  test("a plain write of an entry marked as registered is refused", async () => {
    await assertNothingStored(h, async () => {
      assertError(await put(h, "workloadentries", "catalog-7f3a", registered), 409, ErrorCode.registeredWorkload);
      assertError(await applyYaml([registered]), 409, ErrorCode.registeredWorkload);
    });
  });

  test("the registry's write passes; plain writes over it, deletes and rollbacks leave it alone", async () => {
    await put(h, "services", "catalog", service("catalog"));
    const parsed = parseMeshDocument("workloadentries", registered);
    // The registry writes through its own StoreWriter on the same store.
    await new StoreWriter(h.store, h.metrics).write(
      async () => ({
        mutations: [{ op: "put", kind: parsed.kind, name: parsed.name, json: parsed.json, version: parsed.version }],
        description: "register catalog-7f3a",
        done: (result) => result,
      }),
      { asRegistry: true },
    );
    await assertNothingStored(h, async () => {
      assertError(
        await put(h, "workloadentries", "catalog-7f3a", workloadEntry("catalog-7f3a")),
        409,
        ErrorCode.registeredWorkload,
      );
      assertError(
        await h.inject({ method: "DELETE", url: "/v1/resources/workloadentries/catalog-7f3a?force=true" }),
        409,
        ErrorCode.registeredWorkload,
      );
    });
    const rollback = await h.inject({ method: "POST", url: "/v1/revisions/0/rollback" });
    assert.equal(rollback.statusCode, 200, rollback.body);
    assert.deepEqual(
      (await h.store.current()).resources.map((r) => `${r.kind}/${r.name}`),
      ["workloadentries/catalog-7f3a"],
    );
  });
});
