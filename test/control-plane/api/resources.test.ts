// /v1/resources/KIND[/NAME]: the happy paths and the README's shapes, YAML bodies, warnings,
// referential integrity and If-Match.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  assertError,
  assertNothingStored,
  edsCluster,
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

describe("PUT /v1/resources/KIND/NAME", () => {
  test("stores the resource and answers {kind, name, version, revision}", async () => {
    const response = await put(h, "clusters", "web", staticCluster("web"));
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ["kind", "name", "revision", "version"]);
    assert.equal(body.kind, "clusters");
    assert.equal(body.name, "web");
    assert.equal(body.revision, 1);
    const stored = await h.store.get("clusters", "web");
    assert.equal(stored?.version, body.version, "version is the stored content hash, as proxies see it");
    assert.equal(stored?.modRevision, 1);
    assert.equal(response.headers.etag, '"1"');
  });

  test("each write creates the next revision; replacing changes the version", async () => {
    const first = (await put(h, "clusters", "web", staticCluster("web", 8080))).json();
    const second = (await put(h, "clusters", "web", staticCluster("web", 8081))).json();
    assert.equal(second.revision, first.revision + 1);
    assert.notEqual(second.version, first.version);
  });

  test("a put of identical content creates no revision and reports the one holding it", async () => {
    const first = (await put(h, "clusters", "web", staticCluster("web"))).json();
    await put(h, "clusters", "other", staticCluster("other"));
    const again = (await put(h, "clusters", "web", staticCluster("web"))).json();
    assert.equal(again.revision, first.revision);
    assert.equal(again.version, first.version);
    assert.equal((await h.store.current()).revision, 2);
  });

  test("the name may be left out of the body: NAME fills it in", async () => {
    const { name: _name, ...body } = staticCluster("web");
    const response = await put(h, "clusters", "web", body);
    assert.equal(response.statusCode, 200);
    assert.equal(JSON.parse((await h.store.get("clusters", "web"))?.json ?? "{}").name, "web");
  });

  test("endpoints are named by cluster_name (or clusterName)", async () => {
    assert.equal((await put(h, "endpoints", "svc", endpoints("svc"))).statusCode, 200);
    const { cluster_name: _c, ...rest } = endpoints("svc2");
    assert.equal((await put(h, "endpoints", "svc2", { clusterName: "svc2", ...rest })).statusCode, 200);
  });

  test("camelCase, wrappers as numbers, durations as strings and a matching @type are accepted", async () => {
    const response = await put(h, "clusters", "camel", {
      "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
      name: "camel",
      type: "STATIC",
      connectTimeout: "1.5s",
      perConnectionBufferLimitBytes: 32768,
      loadAssignment: staticCluster("camel").load_assignment,
    });
    assert.equal(response.statusCode, 200, response.body);
    const stored = JSON.parse((await h.store.get("clusters", "camel"))?.json ?? "{}");
    assert.equal(stored.connect_timeout, "1.500s");
    assert.equal(stored.per_connection_buffer_limit_bytes, 32768);
  });

  test("takes YAML with Content-Type: application/yaml", async () => {
    const yaml = [
      "name: web",
      "type: STATIC",
      "connect_timeout: 0.25s",
      "load_assignment:",
      "  cluster_name: web",
      "  endpoints:",
      "  - lb_endpoints:",
      "    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}",
    ].join("\n");
    const response = await h.inject({
      method: "PUT",
      url: "/v1/resources/clusters/web",
      headers: { "content-type": "application/yaml" },
      payload: yaml,
    });
    assert.equal(response.statusCode, 200, response.body);
    const json = (await put(h, "clusters", "web", staticCluster("web"))).json();
    assert.equal(json.version, response.json().version, "YAML and JSON of the same resource have the same version");
  });

  test("a reference to a missing resource is stored, with a warning naming it", async () => {
    const response = await put(h, "routes", "r", route("r", "nowhere"));
    assert.equal(response.statusCode, 200);
    const { warnings } = response.json();
    assert.deepEqual(warnings, [
      {
        path: "virtual_hosts[0].routes[0].route.cluster",
        code: "WEFT_MISSING_REFERENCE",
        message: warnings[0]?.message,
      },
    ]);
    assert.match(String(warnings[0]?.message), /nowhere/);
    assert.ok(await h.store.get("routes", "r"));
  });

  test("no warnings when every reference exists", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    const response = await put(h, "routes", "r", route("r", "web"));
    assert.equal(response.json().warnings, undefined);
  });

  test("names may hold any printable ASCII but '/', percent-encoded", async () => {
    const name = "svc.ns:8080_a-b~!*'()";
    const response = await put(h, "clusters", name, staticCluster(name));
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().name, name);
    const read = await h.inject({ method: "GET", url: `/v1/resources/clusters/${encodeURIComponent(name)}` });
    assert.equal(read.json().name, name);
  });
});

describe("GET /v1/resources/KIND/NAME", () => {
  test("answers {kind, name, version, revision, resource} with the canonical JSON", async () => {
    const written = (await put(h, "clusters", "web", { ...staticCluster("web"), connect_timeout: "2.000s" })).json();
    const response = await h.inject({ method: "GET", url: "/v1/resources/clusters/web" });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ["kind", "name", "resource", "revision", "version"]);
    assert.equal(body.version, written.version);
    assert.equal(body.revision, written.revision);
    assert.equal(body.resource.name, "web");
    assert.equal(body.resource.connect_timeout, "2s", "proto field names, canonical values");
    assert.equal(response.headers.etag, `"${written.revision}"`);
  });

  test("404 WEFT_NOT_FOUND for a resource that does not exist", async () => {
    assertError(await h.inject({ method: "GET", url: "/v1/resources/clusters/nope" }), 404, "WEFT_NOT_FOUND");
  });

  test("404 WEFT_UNKNOWN_KIND for a kind that does not exist", async () => {
    assertError(await h.inject({ method: "GET", url: "/v1/resources/secrets/x" }), 404, "WEFT_UNKNOWN_KIND");
    assertError(await h.inject({ method: "GET", url: "/v1/resources/Cluster" }), 404, "WEFT_UNKNOWN_KIND");
  });
});

describe("GET /v1/resources/KIND", () => {
  test("lists one kind, sorted by name, with the revision read at", async () => {
    await put(h, "clusters", "b", staticCluster("b"));
    await put(h, "clusters", "a", staticCluster("a"));
    await put(h, "endpoints", "e", endpoints("e"));
    const response = await h.inject({ method: "GET", url: "/v1/resources/clusters" });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.kind, "clusters");
    assert.equal(body.revision, 3);
    assert.deepEqual(
      body.items.map((item: { name: string }) => item.name),
      ["a", "b"],
    );
    assert.deepEqual(Object.keys(body.items[0]).sort(), ["kind", "name", "resource", "revision", "version"]);
  });

  test("an empty kind lists nothing", async () => {
    const body = (await h.inject({ method: "GET", url: "/v1/resources/listeners" })).json();
    assert.deepEqual(body, { kind: "listeners", revision: 0, items: [] });
  });
});

describe("DELETE /v1/resources/KIND/NAME", () => {
  test("removes the resource as a new revision and answers {kind, name, revision}", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    const response = await h.inject({ method: "DELETE", url: "/v1/resources/clusters/web" });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { kind: "clusters", name: "web", revision: 2 });
    assert.equal(await h.store.get("clusters", "web"), undefined);
  });

  test("404 for a resource that does not exist", async () => {
    await assertNothingStored(h, async () =>
      assertError(await h.inject({ method: "DELETE", url: "/v1/resources/clusters/nope" }), 404, "WEFT_NOT_FOUND"),
    );
  });

  test("409 WEFT_REFERENCED naming every referrer while others reference it", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    await put(h, "routes", "r1", route("r1", "web"));
    await put(h, "routes", "r2", route("r2", "web"));
    await assertNothingStored(h, async () => {
      const error = assertError(
        await h.inject({ method: "DELETE", url: "/v1/resources/clusters/web" }),
        409,
        "WEFT_REFERENCED",
      );
      const details = error.details as { path: string; code: string; message: string }[];
      assert.deepEqual(
        details.map((d) => d.path),
        ["routes/r1", "routes/r2"],
      );
      assert.ok(details.every((d) => d.code === "WEFT_REFERENCED_BY" && d.message.includes("route.cluster")));
    });
  });

  test("references across kinds: listener -> route, EDS cluster -> endpoints", async () => {
    await put(h, "routes", "r", route("r", "web"));
    await put(h, "listeners", "l", listener("l", "r"));
    await put(h, "endpoints", "svc", endpoints("svc"));
    await put(h, "clusters", "eds", edsCluster("eds", "svc"));
    const route409 = assertError(
      await h.inject({ method: "DELETE", url: "/v1/resources/routes/r" }),
      409,
      "WEFT_REFERENCED",
    );
    assert.deepEqual(
      (route409.details as { path: string }[]).map((d) => d.path),
      ["listeners/l"],
    );
    const eds409 = assertError(
      await h.inject({ method: "DELETE", url: "/v1/resources/endpoints/svc" }),
      409,
      "WEFT_REFERENCED",
    );
    assert.deepEqual(
      (eds409.details as { path: string }[]).map((d) => d.path),
      ["clusters/eds"],
    );
  });

  test("?force=true deletes a referenced resource anyway", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    await put(h, "routes", "r", route("r", "web"));
    const response = await h.inject({ method: "DELETE", url: "/v1/resources/clusters/web?force=true" });
    assert.equal(response.statusCode, 200);
    assert.equal(await h.store.get("clusters", "web"), undefined);
  });

  test("once the referrer is gone, the delete goes through", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    await put(h, "routes", "r", route("r", "web"));
    assert.equal((await h.inject({ method: "DELETE", url: "/v1/resources/routes/r" })).statusCode, 200);
    assert.equal((await h.inject({ method: "DELETE", url: "/v1/resources/clusters/web" })).statusCode, 200);
  });
});

describe("If-Match on one resource", () => {
  test("a PUT with the current revision succeeds, a stale one gets 409 WEFT_CONFLICT", async () => {
    const first = (await put(h, "clusters", "web", staticCluster("web"))).json();
    const ok = await put(h, "clusters", "web", staticCluster("web", 1), { "if-match": String(first.revision) });
    assert.equal(ok.statusCode, 200);
    await assertNothingStored(h, async () =>
      assertError(
        await put(h, "clusters", "web", staticCluster("web", 2), { "if-match": String(first.revision) }),
        409,
        "WEFT_CONFLICT",
      ),
    );
  });

  test("the ETag of a GET is accepted back as If-Match", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    const etag = String((await h.inject({ method: "GET", url: "/v1/resources/clusters/web" })).headers.etag);
    assert.equal((await put(h, "clusters", "web", staticCluster("web", 3), { "if-match": etag })).statusCode, 200);
  });

  test("If-Match: 0 creates only: 200 when absent, 409 when it exists", async () => {
    assert.equal((await put(h, "clusters", "web", staticCluster("web"), { "if-match": "0" })).statusCode, 200);
    assertError(await put(h, "clusters", "web", staticCluster("web", 2), { "if-match": "0" }), 409, "WEFT_CONFLICT");
  });

  test("If-Match with a revision on a missing resource is a 409, on PUT and DELETE", async () => {
    assertError(await put(h, "clusters", "ghost", staticCluster("ghost"), { "if-match": "1" }), 409, "WEFT_CONFLICT");
    assertError(
      await h.inject({ method: "DELETE", url: "/v1/resources/clusters/ghost", headers: { "if-match": "1" } }),
      409,
      "WEFT_CONFLICT",
    );
  });

  test("If-Match: * requires the resource to exist", async () => {
    assertError(await put(h, "clusters", "web", staticCluster("web"), { "if-match": "*" }), 409, "WEFT_CONFLICT");
    await put(h, "clusters", "web", staticCluster("web"));
    assert.equal((await put(h, "clusters", "web", staticCluster("web", 2), { "if-match": "*" })).statusCode, 200);
  });

  test("a DELETE with a stale revision gets 409 and deletes nothing", async () => {
    await put(h, "clusters", "web", staticCluster("web"));
    await put(h, "clusters", "web", staticCluster("web", 2));
    await assertNothingStored(h, async () =>
      assertError(
        await h.inject({ method: "DELETE", url: "/v1/resources/clusters/web", headers: { "if-match": "1" } }),
        409,
        "WEFT_CONFLICT",
      ),
    );
    const ok = await h.inject({ method: "DELETE", url: "/v1/resources/clusters/web", headers: { "if-match": "2" } });
    assert.equal(ok.statusCode, 200);
  });

  test("a malformed If-Match is a 400", async () => {
    assertError(
      await put(h, "clusters", "web", staticCluster("web"), { "if-match": 'W/"1"' }),
      400,
      "WEFT_BAD_REQUEST",
    );
    assertError(await put(h, "clusters", "web", staticCluster("web"), { "if-match": "abc" }), 400, "WEFT_BAD_REQUEST");
  });
});
