// GET /v1/mesh/services[/NAME]: Services as operators see them, read from the store's current
// state: endpoints from written and registered WorkloadEntries, attached routes with backend
// shares, the DestinationRule, connected sidecars that may call the Service, its compile issues.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProxyStatus } from "../../../control-plane/src/status/proxy-status.js";
import { changed, destinationRule, httpRoute, service, workloadEntry } from "../mesh/mesh-documents.js";
import { assertError, type Harness, harness, type Json, put } from "./harness.js";

function sidecar(nodeId: string, service: string, depends?: string[]): ProxyStatus {
  return {
    nodeId,
    cluster: service,
    address: "127.0.0.1:50000",
    connectedAt: "2026-01-01T00:00:00.000Z",
    userAgent: "weft 0.1.0",
    metadata: { weft: { role: "sidecar", service, ...(depends === undefined ? {} : { depends }) } },
    revision: null,
    types: {},
  };
}

let h: Harness;
before(async () => {
  h = await harness();
  const entry = (name: string, health?: string) =>
    changed(workloadEntry(name, { app: "catalog", version: "v1" }), (doc) => {
      doc.spec.address = `10.0.0.${name.slice(-1)}`;
      if (health !== undefined) doc.metadata.annotations = { "weft.dev/health": health };
    });
  for (const [kind, name, body] of [
    ["services", "catalog", service("catalog")],
    ["services", "catalog-v1", service("catalog-v1", undefined, { app: "catalog", version: "v1" })],
    ["services", "catalog-v2", service("catalog-v2", undefined, { app: "catalog", version: "v2" })],
    ["workloadentries", "catalog-1", entry("catalog-1")],
    ["workloadentries", "catalog-2", entry("catalog-2", "unhealthy")],
    [
      "httproutes",
      "catalog",
      httpRoute("catalog", "catalog", [
        ["catalog-v1", 3],
        ["catalog-v2", 1],
        ["ghost", 5],
      ]),
    ],
    ["destinationrules", "catalog", destinationRule("catalog", "catalog")],
  ] as const) {
    const response = await put(h, kind, name, body);
    assert.equal(response.statusCode, 200, response.body);
  }
  const registered = await h.inject({
    method: "PUT",
    url: "/v1/registrations/catalog-node-3",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({ service: "catalog", address: "10.0.0.3", labels: { version: "v1" } }),
  });
  assert.equal(registered.statusCode, 200, registered.body);
});
after(async () => {
  await h?.close();
});

describe("GET /v1/mesh/services", () => {
  test("every Service with its ports, endpoints healthy over total, attached routes and stored revision", async () => {
    const response = await h.inject({ method: "GET", url: "/v1/mesh/services" });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as { revision: number; services: Json[] };
    assert.equal(body.revision, (await h.store.current()).revision);
    assert.deepEqual(
      body.services.map((s) => s.name),
      ["catalog", "catalog-v1", "catalog-v2"],
    );
    const [catalog] = body.services;
    assert.deepEqual(catalog?.ports, [
      { name: "http", port: 8080, appProtocol: "http", cluster: "outbound|8080||catalog" },
    ]);
    // Two written entries (one unhealthy) and one registered sidecar.
    assert.deepEqual(catalog?.endpoints, { healthy: 2, total: 3 });
    assert.deepEqual(catalog?.routes, [{ kind: "httproutes", name: "catalog" }]);
    const stored = await h.store.get("services", "catalog");
    assert.equal(catalog?.version, stored?.version);
    assert.equal(catalog?.revision, stored?.modRevision);
    assert.deepEqual(body.services[2]?.endpoints, { healthy: 0, total: 0 });
  });
});

describe("GET /v1/mesh/services/NAME", () => {
  test("one Service with its rules, backends and shares, DestinationRule, endpoints, callers and issues", async () => {
    h.proxies.list = [
      sidecar("billing-1", "billing", ["pricing"]),
      sidecar("web-1", "web", ["catalog"]),
      sidecar("web-2", "web"),
    ];
    const response = await h.inject({ method: "GET", url: "/v1/mesh/services/catalog" });
    assert.equal(response.statusCode, 200, response.body);
    const detail = (response.json() as { service: Json }).service as {
      attachedRoutes: { name: string; rules: { backends: Json[] }[] }[];
      destinationRule: { name: string } | null;
      endpointList: { entry: string; health: string; registeredBy: string | null }[];
      callers: Json[];
      issues: { kind: string; name: string; path: string }[];
      selector: Json;
    };
    assert.deepEqual(detail.selector, { app: "catalog" });
    assert.deepEqual(
      detail.attachedRoutes[0]?.rules[0]?.backends.map((b) => [b.service, b.share, b.missing]),
      [
        ["catalog-v1", 0.75, false],
        ["catalog-v2", 0.25, false],
        ["ghost", 0, true],
      ],
    );
    assert.equal(detail.destinationRule?.name, "catalog");
    assert.deepEqual(
      detail.endpointList.map((e) => [e.entry, e.health, e.registeredBy]),
      [
        ["catalog-1", "HEALTHY", null],
        ["catalog-2", "UNHEALTHY", null],
        ["catalog-node-3", "HEALTHY", "catalog-node-3"],
      ],
    );
    assert.deepEqual(detail.callers, [
      { nodeId: "web-1", service: "web", restricted: true },
      { nodeId: "web-2", service: "web", restricted: false },
    ]);
    // The compiler's issue about the backend naming no Service, at its field path.
    assert.ok(
      detail.issues.some((i) => i.kind === "httproutes" && i.name === "catalog" && i.path.includes("backendRefs[2]")),
      JSON.stringify(detail.issues),
    );
  });

  test("the PeerAuthentication deciding a Service's mTLS mode, and a losing one among its issues", async () => {
    const pa = (name: string, mode: string, target?: string) => ({
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
      metadata: { name },
      spec: { ...(target === undefined ? {} : { targetRefs: [{ kind: "Service", name: target }] }), mtls: { mode } },
    });
    const detailOf = async (name: string) => {
      const response = await h.inject({ method: "GET", url: `/v1/mesh/services/${name}` });
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { service: Json }).service as {
        peerAuthentication: Json | null;
        issues: { kind: string; name: string; path: string }[];
      };
    };
    assert.equal((await detailOf("catalog-v2")).peerAuthentication, null);
    for (const [name, body] of [
      ["a-mesh", pa("a-mesh", "PERMISSIVE")],
      ["b-catalog", pa("b-catalog", "STRICT", "catalog")],
      ["c-catalog", pa("c-catalog", "DISABLE", "catalog")],
    ] as const) {
      const response = await put(h, "peerauthentications", name, body);
      assert.equal(response.statusCode, 200, response.body);
    }
    const catalog = await detailOf("catalog");
    assert.deepEqual(catalog.peerAuthentication, { name: "b-catalog", mode: "STRICT", meshWide: false });
    assert.ok(catalog.issues.some((i) => i.kind === "peerauthentications" && i.name === "c-catalog"));
    const other = await detailOf("catalog-v2");
    assert.deepEqual(other.peerAuthentication, { name: "a-mesh", mode: "PERMISSIVE", meshWide: true });
    assert.ok(!other.issues.some((i) => i.kind === "peerauthentications"), "c-catalog concerns catalog only");
    for (const name of ["a-mesh", "b-catalog", "c-catalog"]) {
      const response = await h.inject({ method: "DELETE", url: `/v1/resources/peerauthentications/${name}` });
      assert.equal(response.statusCode, 200, response.body);
    }
  });

  test("a name no Service has is 404 WEFT_NOT_FOUND, a malformed one 400 WEFT_INVALID_NAME", async () => {
    assertError(await h.inject({ method: "GET", url: "/v1/mesh/services/ghost" }), 404, "WEFT_NOT_FOUND");
    assertError(await h.inject({ method: "GET", url: "/v1/mesh/services/a%20b" }), 400, "WEFT_INVALID_NAME");
  });
});

describe("operator reads and the API token", () => {
  test("with a token, the mesh summaries and a proxy's config need it like every other read", async () => {
    const guarded = await harness({ token: "secret" });
    try {
      for (const url of ["/v1/mesh/services", "/v1/mesh/services/catalog", "/v1/proxies/web-1/config"]) {
        assertError(await guarded.inject({ method: "GET", url }), 401, "WEFT_UNAUTHORIZED");
        const allowed = await guarded.inject({ method: "GET", url, headers: { authorization: "Bearer secret" } });
        assert.notEqual(allowed.statusCode, 401, url);
      }
    } finally {
      await guarded.close();
    }
  });
});
