// POST /v1/apply: JSON and multi-document YAML, all or nothing as one revision, dryRun, If-Match.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import {
  assertError,
  assertNothingStored,
  endpoints,
  type Harness,
  harness,
  listener,
  put,
  route,
  staticCluster,
} from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.close());

function apply(body: unknown, query = "", headers: Record<string, string> = {}) {
  return h.inject({
    method: "POST",
    url: `/v1/apply${query}`,
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify(body),
  });
}

function applyYaml(text: string, query = "") {
  return h.inject({
    method: "POST",
    url: `/v1/apply${query}`,
    headers: { "content-type": "application/yaml" },
    payload: text,
  });
}

const MESH = [
  { kind: "clusters", resource: staticCluster("web") },
  { kind: "routes", resource: route("web-route", "web") },
  { kind: "listeners", resource: listener("ingress", "web-route") },
  { kind: "endpoints", resource: endpoints("web-eds") },
];

describe("POST /v1/apply with JSON", () => {
  test("stores every resource in one revision and answers {revision, resources:[{kind,name,version}]}", async () => {
    const response = await apply({ resources: MESH });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.revision, 1);
    assert.equal(body.warnings, undefined, "every reference is satisfied within the apply");
    assert.deepEqual(
      body.resources.map((r: { kind: string; name: string }) => `${r.kind}/${r.name}`),
      ["clusters/web", "routes/web-route", "listeners/ingress", "endpoints/web-eds"],
    );
    for (const item of body.resources) {
      assert.deepEqual(Object.keys(item).sort(), ["changed", "kind", "name", "version"]);
      const stored = await h.store.get(item.kind, item.name);
      assert.equal(stored?.version, item.version);
      assert.equal(stored?.modRevision, 1);
    }
    const history = await h.store.history();
    assert.equal(history.length, 1, "one apply, one revision");
  });

  test("kinds may also be Envoy's message names", async () => {
    const response = await apply({
      resources: [
        { kind: "Cluster", resource: staticCluster("a") },
        { kind: "ClusterLoadAssignment", resource: endpoints("b") },
      ],
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      response.json().resources.map((r: { kind: string }) => r.kind),
      ["clusters", "endpoints"],
    );
  });

  test("re-applying the same content changes nothing: changed false, no new revision", async () => {
    await apply({ resources: MESH });
    const again = (await apply({ resources: MESH })).json();
    assert.equal(again.revision, 1);
    assert.ok(again.resources.every((r: { changed: boolean }) => r.changed === false));
  });

  test("the revision's description and changes count only the resources the apply changed", async () => {
    await apply({ resources: MESH });
    const changed = [{ kind: "clusters", resource: staticCluster("web", 8081) }, ...MESH.slice(1)];
    const added = { kind: "clusters", resource: staticCluster("extra") };
    const answer = (await apply({ resources: [...changed, added] })).json();
    assert.equal(answer.revision, 2);
    const record = await h.store.revisionRecord(2);
    assert.equal(record?.description, "apply 2 resources");
    assert.deepEqual(
      record?.changes.map((c) => `${c.kind}/${c.name}`),
      ["clusters/extra", "clusters/web"],
    );
  });

  test("references to resources neither stored nor applied are reported as warnings with their path", async () => {
    const body = (await apply({ resources: [{ kind: "routes", resource: route("r", "ghost") }] })).json();
    assert.deepEqual(
      body.warnings.map((w: { path: string; code: string }) => [w.path, w.code]),
      [["resources[0].resource.virtual_hosts[0].routes[0].route.cluster", "WEFT_MISSING_REFERENCE"]],
    );
  });

  test("an empty list is fine and changes nothing", async () => {
    await assertNothingStored(h, async () => {
      const response = await apply({ resources: [] });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { revision: 0, resources: [] });
    });
  });
});

describe("POST /v1/apply with YAML", () => {
  test("a multi-document stream: each document {kind: Message, ...fields} or {kind, resource}", async () => {
    const text = [
      "kind: Cluster",
      "name: web",
      "type: STATIC",
      "connect_timeout: 1s",
      "load_assignment:",
      "  cluster_name: web",
      "  endpoints:",
      "  - lb_endpoints:",
      "    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 80}}}",
      "---",
      "kind: routes",
      "resource:",
      "  name: r",
      "  virtual_hosts:",
      "  - name: all",
      "    domains: ['*']",
      "    routes:",
      "    - match: {prefix: /}",
      "      route: {cluster: web}",
      "---",
      "",
    ].join("\n");
    const response = await applyYaml(text);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      response.json().resources.map((r: { kind: string; name: string }) => `${r.kind}/${r.name}`),
      ["clusters/web", "routes/r"],
    );
    assert.ok(await h.store.get("routes", "r"));
  });

  test("the JSON form, written as YAML, works too", async () => {
    const response = await applyYaml(
      `resources:\n- kind: clusters\n  resource: ${JSON.stringify(staticCluster("y"))}\n`,
    );
    assert.equal(response.statusCode, 200, response.body);
  });

  test('a document with "@type" and no kind takes its kind from the type URL', async () => {
    const response = await applyYaml(
      `"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster\n${Object.entries(staticCluster("t"))
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join("\n")}\n`,
    );
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().resources[0].kind, "clusters");
  });

  test("a problem in any document names the document", async () => {
    const error = assertError(
      await applyYaml(`kind: Cluster\n${"name: ok\ntype: STATIC\n"}---\nkind: Cluster\nname: bad\nbogus: 1\n`),
      400,
      ErrorCode.invalidResource,
    );
    const paths = (error.details as { path: string }[]).map((d) => d.path);
    assert.ok(paths.includes("documents[1].bogus"), String(paths));
  });
});

describe("all or nothing", () => {
  test("one invalid resource: 400 listing every problem, and nothing is stored", async () => {
    await put(h, "clusters", "before", staticCluster("before"));
    await assertNothingStored(h, async () => {
      const error = assertError(
        await apply({
          resources: [
            { kind: "clusters", resource: staticCluster("good") },
            { kind: "clusters", resource: { ...staticCluster("bad"), colour: "red" } },
            { kind: "routes", resource: { name: "r2", virtual_hosts: "nope" } },
          ],
        }),
        400,
        ErrorCode.invalidResource,
      );
      const paths = (error.details as { path: string }[]).map((d) => d.path);
      assert.deepEqual(paths, ["resources[1].resource.colour", "resources[2].resource.virtual_hosts"]);
    });
    assert.equal(await h.store.get("clusters", "good"), undefined);
  });

  test("an unknown kind is reported at resources[i].kind", async () => {
    await assertNothingStored(h, async () => {
      const error = assertError(
        await apply({ resources: [{ kind: "secrets", resource: {} }, { resource: {} }] }),
        400,
        ErrorCode.invalidResource,
      );
      assert.deepEqual(
        (error.details as { path: string; code: string }[]).map((d) => [d.path, d.code]),
        [
          ["resources[0].kind", "WEFT_UNKNOWN_KIND"],
          ["resources[1].kind", "WEFT_UNKNOWN_KIND"],
        ],
      );
    });
  });

  test("the same resource twice in one apply is refused", async () => {
    await assertNothingStored(h, async () => {
      const error = assertError(
        await apply({
          resources: [
            { kind: "clusters", resource: staticCluster("dup", 1) },
            { kind: "Cluster", resource: staticCluster("dup", 2) },
          ],
        }),
        400,
        ErrorCode.invalidResource,
      );
      assert.equal((error.details as { code: string }[])[0]?.code, "WEFT_DUPLICATE_RESOURCE");
    });
  });

  test("a body of another shape is refused", async () => {
    for (const body of [[], { resources: {} }, { resources: [], extra: 1 }, { resources: [42] }, "x"]) {
      await assertNothingStored(h, async () => assertError(await apply(body), 400, ErrorCode.invalidResource));
    }
    await assertNothingStored(h, async () =>
      assertError(await h.inject({ method: "POST", url: "/v1/apply" }), 400, ErrorCode.badRequest),
    );
  });

  test("a duplicate key anywhere in the body refuses the whole apply", async () => {
    await assertNothingStored(h, async () =>
      assertError(
        await h.inject({
          method: "POST",
          url: "/v1/apply",
          headers: { "content-type": "application/json" },
          payload: '{"resources":[{"kind":"clusters","resource":{"name":"a","name":"a"}}]}',
        }),
        400,
        ErrorCode.invalidJson,
      ),
    );
  });
});

describe("dryRun and If-Match", () => {
  test("?dryRun=true validates and reports, but stores nothing", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    await assertNothingStored(h, async () => {
      const response = await apply({ resources: MESH }, "?dryRun=true");
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.dryRun, true);
      assert.equal(body.revision, 1, "the current revision");
      assert.deepEqual(
        body.resources.map((r: { name: string; changed: boolean }) => [r.name, r.changed]),
        [
          ["web", false],
          ["web-route", true],
          ["ingress", true],
          ["web-eds", true],
        ],
      );
    });
  });

  test("?dryRun=true still refuses invalid resources", async () => {
    assertError(
      await apply({ resources: [{ kind: "clusters", resource: { bogus: 1 } }] }, "?dryRun=true"),
      400,
      ErrorCode.invalidResource,
    );
  });

  test("If-Match states the store revision: 200 when it holds, 409 WEFT_CONFLICT when not", async () => {
    await put(h, "clusters", "x", staticCluster("x"));
    const resources = [{ kind: "clusters", resource: staticCluster("y") }];
    await assertNothingStored(h, async () =>
      assertError(await apply({ resources }, "", { "if-match": "0" }), 409, ErrorCode.conflict),
    );
    const ok = await apply({ resources }, "", { "if-match": "1" });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().revision, 2);
  });
});
