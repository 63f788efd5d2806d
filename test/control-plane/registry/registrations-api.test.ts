// PUT and DELETE /v1/registrations/NODE: a sidecar's instance becomes a WorkloadEntry marked as
// registered, one revision per change, refused to plain writes, and every bad body is answered
// with its field paths and changes nothing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PORT_ANNOTATION, REGISTERED_BY_ANNOTATION } from "../../../control-plane/src/mesh/index.js";
import { HEALTH_ANNOTATION } from "../../../control-plane/src/registry/index.js";
import { assertError, assertNothingStored, type Harness, harness, put } from "../api/harness.js";

function register(h: Harness, node: string, body: unknown, headers: Record<string, string> = {}) {
  return h.inject({
    method: "PUT",
    url: `/v1/registrations/${encodeURIComponent(node)}`,
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify(body),
  });
}

function deregister(h: Harness, node: string) {
  return h.inject({ method: "DELETE", url: `/v1/registrations/${encodeURIComponent(node)}` });
}

const CATALOG = { service: "catalog", address: "127.0.0.1", ports: { http: 41000 }, labels: { version: "v2" } };

interface Entry {
  metadata: { name: string; annotations: Record<string, string> };
  spec: { address: string; ports?: Record<string, number>; labels: Record<string, string> };
}

async function storedEntry(h: Harness, name: string): Promise<{ entry: Entry; modRevision: number } | undefined> {
  const stored = await h.store.get("workloadentries", name);
  return stored === undefined
    ? undefined
    : { entry: JSON.parse(stored.json) as Entry, modRevision: stored.modRevision };
}

async function withHarness(run: (h: Harness) => Promise<void>, options: Parameters<typeof harness>[0] = {}) {
  const h = await harness(options);
  try {
    await run(h);
  } finally {
    await h.close();
  }
}

describe("registering an instance", () => {
  test("a registration stores a WorkloadEntry named for the node, annotated and labelled app=SERVICE", () =>
    withHarness(async (h) => {
      const response = await register(h, "catalog-7f3a", CATALOG);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json() as {
        nodeId: string;
        kind: string;
        name: string;
        revision: number;
        changed: boolean;
      };
      assert.deepEqual(body, {
        nodeId: "catalog-7f3a",
        kind: "workloadentries",
        name: "catalog-7f3a",
        revision: 1,
        changed: true,
      });
      const stored = await storedEntry(h, "catalog-7f3a");
      assert.ok(stored);
      assert.deepEqual(stored.entry.metadata.annotations, {
        [REGISTERED_BY_ANNOTATION]: "catalog-7f3a",
        [HEALTH_ANNOTATION]: "healthy",
      });
      assert.deepEqual(stored.entry.spec, {
        address: "127.0.0.1",
        ports: { http: 41000 },
        labels: { app: "catalog", version: "v2" },
      });
    }));

  test(`a registration's port is kept as the entry's ${PORT_ANNOTATION} annotation, and a new port is one new revision`, () =>
    withHarness(async (h) => {
      const first = (await register(h, "catalog-1", { ...CATALOG, port: 41001 })).json() as { revision: number };
      const stored = await storedEntry(h, "catalog-1");
      assert.equal(stored?.entry.metadata.annotations[PORT_ANNOTATION], "41001");
      const moved = (await register(h, "catalog-1", { ...CATALOG, port: 41002 })).json() as {
        revision: number;
        changed: boolean;
      };
      assert.deepEqual([moved.revision, moved.changed], [first.revision + 1, true]);
      assert.equal((await storedEntry(h, "catalog-1"))?.entry.metadata.annotations[PORT_ANNOTATION], "41002");
      await register(h, "catalog-1", CATALOG);
      assert.equal((await storedEntry(h, "catalog-1"))?.entry.metadata.annotations[PORT_ANNOTATION], undefined);
    }));

  test("registering again with the same body creates no revision and answers the one holding it", () =>
    withHarness(async (h) => {
      const first = (await register(h, "catalog-1", CATALOG)).json() as { revision: number };
      await put(h, "services", "other", { apiVersion: "v1", kind: "Service", spec: { ports: [{ port: 80 }] } });
      const before = await h.store.current();
      const again = await register(h, "catalog-1", { ...CATALOG, labels: { version: "v2" } });
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(again.json(), {
        nodeId: "catalog-1",
        kind: "workloadentries",
        name: "catalog-1",
        revision: first.revision,
        changed: false,
      });
      assert.equal((await h.store.current()).revision, before.revision);
    }));

  test("a health change is written to the entry as one new revision", () =>
    withHarness(async (h) => {
      const first = (await register(h, "catalog-1", CATALOG)).json() as { revision: number };
      const sick = await register(h, "catalog-1", { ...CATALOG, health: "unhealthy" });
      assert.equal(sick.statusCode, 200, sick.body);
      const body = sick.json() as { revision: number; changed: boolean };
      assert.equal(body.revision, first.revision + 1);
      assert.equal(body.changed, true);
      const stored = await storedEntry(h, "catalog-1");
      assert.equal(stored?.entry.metadata.annotations[HEALTH_ANNOTATION], "unhealthy");
      assert.equal(stored?.modRevision, body.revision);
      const history = await h.store.history({ limit: 1 });
      assert.equal(history[0]?.changes.length, 1, "one change: the entry");
    }));

  test("deregistering removes the entry, and a second deregistration is WEFT_NOT_FOUND", () =>
    withHarness(async (h) => {
      await register(h, "catalog-1", CATALOG);
      const removed = await deregister(h, "catalog-1");
      assert.equal(removed.statusCode, 200, removed.body);
      assert.deepEqual(removed.json(), {
        nodeId: "catalog-1",
        kind: "workloadentries",
        name: "catalog-1",
        revision: 2,
      });
      assert.equal(await h.store.get("workloadentries", "catalog-1"), undefined);
      assertError(await deregister(h, "catalog-1"), 404, "WEFT_NOT_FOUND");
    }));

  test("a plain PUT or DELETE over a registered entry is refused with WEFT_REGISTERED_WORKLOAD", () =>
    withHarness(async (h) => {
      await register(h, "catalog-1", CATALOG);
      const handWritten = {
        apiVersion: "networking.istio.io/v1",
        kind: "WorkloadEntry",
        spec: { address: "10.0.0.9", labels: { app: "catalog" } },
      };
      await assertNothingStored(h, async () => {
        assertError(await put(h, "workloadentries", "catalog-1", handWritten), 409, "WEFT_REGISTERED_WORKLOAD");
        assertError(
          await h.inject({ method: "DELETE", url: "/v1/resources/workloadentries/catalog-1" }),
          409,
          "WEFT_REGISTERED_WORKLOAD",
        );
      });
    }));

  test("a node id that is not a DNS-1123 label gets a derived name, and a hand-written entry's name is left alone", () =>
    withHarness(async (h) => {
      const handWritten = {
        apiVersion: "networking.istio.io/v1",
        kind: "WorkloadEntry",
        spec: { address: "10.0.0.9", labels: { app: "db" } },
      };
      assert.equal((await put(h, "workloadentries", "db", handWritten)).statusCode, 200);

      const taken = (await register(h, "db", { service: "db", address: "127.0.0.2" })).json() as { name: string };
      assert.match(taken.name, /^db-[0-9a-f]{8}$/);
      assert.equal((await storedEntry(h, "db"))?.entry.spec.address, "10.0.0.9", "the hand-written entry is unchanged");

      const odd = (await register(h, "Catalog.Node_1", CATALOG)).json() as { name: string };
      assert.match(odd.name, /^catalog-node-1-[0-9a-f]{8}$/);
      const again = (await register(h, "Catalog.Node_1", { ...CATALOG, health: "unhealthy" })).json() as {
        name: string;
      };
      assert.equal(again.name, odd.name, "the node keeps its entry");
      assert.deepEqual(
        (await h.store.list("workloadentries")).map((entry) => entry.name),
        [odd.name, "db", taken.name].sort(),
      );
    }));
});

describe("bad registrations", () => {
  const cases: { name: string; body: unknown; paths: string[] }[] = [
    { name: "a body without service or address", body: {}, paths: ["service", "address"] },
    {
      name: "unknown fields, a port out of range and an unknown health",
      body: { ...CATALOG, weight: 3, ports: { http: 70000 }, health: "sick", port: 0 },
      paths: ["weight", "ports.http", "port", "health"],
    },
    { name: "a service that is not a DNS-1123 label", body: { ...CATALOG, service: "Catalog_1" }, paths: ["service"] },
    {
      name: "an app label other than the service",
      body: { ...CATALOG, labels: { app: "pricing" } },
      paths: ['labels["app"]'],
    },
    {
      name: "an address that is neither an IP nor a host name, and a bad label key",
      body: { ...CATALOG, address: "not an address", labels: { "bad key": "x" } },
      paths: ["address", 'labels["bad key"]'],
    },
  ];
  for (const { name, body, paths } of cases) {
    test(`${name} is refused with WEFT_INVALID_REGISTRATION at ${paths.join(", ")} and changes nothing`, () =>
      withHarness(async (h) => {
        await assertNothingStored(h, async () => {
          const error = assertError(await register(h, "node-1", body), 400, "WEFT_INVALID_REGISTRATION") as {
            details: { path: string; code?: string }[];
          };
          assert.deepEqual(
            error.details.map((detail) => detail.path),
            paths,
          );
          for (const detail of error.details) assert.match(detail.code ?? "", /^WEFT_/);
        });
      }));
  }

  test("a registration without a body is WEFT_BAD_REQUEST", () =>
    withHarness(async (h) => {
      await assertNothingStored(h, async () => {
        assertError(await h.inject({ method: "PUT", url: "/v1/registrations/node-1" }), 400, "WEFT_BAD_REQUEST");
      });
    }));

  test("with an API token, registering and deregistering need it", () =>
    withHarness(
      async (h) => {
        await assertNothingStored(h, async () => {
          assertError(await register(h, "node-1", CATALOG), 401, "WEFT_UNAUTHORIZED");
          assertError(await deregister(h, "node-1"), 401, "WEFT_UNAUTHORIZED");
        });
        const allowed = await register(h, "node-1", CATALOG, { authorization: "Bearer secret" });
        assert.equal(allowed.statusCode, 200, allowed.body);
      },
      { token: "secret" },
    ));
});
