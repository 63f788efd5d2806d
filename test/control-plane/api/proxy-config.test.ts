// GET /v1/proxies/NODE/config: what the control plane sends a connected node, cut from the current
// snapshot by the same view xDS uses: written resources, the mesh config compiled for a sidecar,
// and the empty assignments Weft makes, each as Envoy JSON with its origin.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Snapshot } from "../../../control-plane/src/snapshot/snapshot.js";
import { SnapshotBuilder } from "../../../control-plane/src/snapshot/snapshot-builder.js";
import type { ProxyStatus } from "../../../control-plane/src/status/proxy-status.js";
import { KINDS } from "../../../proto/index.js";
import { service, workloadEntry } from "../mesh/mesh-documents.js";
import { assertError, edsCluster, type Harness, harness, type Json, put, staticCluster } from "./harness.js";

const LDS = KINDS.listeners.typeUrl;
const RDS = KINDS.routes.typeUrl;
const CDS = KINDS.clusters.typeUrl;
const EDS = KINDS.endpoints.typeUrl;

function proxy(nodeId: string, metadata: Record<string, unknown> = {}, cluster = "front"): ProxyStatus {
  return {
    nodeId,
    cluster,
    address: "127.0.0.1:50000",
    connectedAt: "2026-01-01T00:00:00.000Z",
    userAgent: "weft 0.1.0",
    metadata,
    revision: null,
    types: {},
  };
}

const webSidecar = proxy(
  "web-1",
  {
    weft: {
      role: "sidecar",
      service: "web",
      inbound: "127.0.0.1:18001",
      app: "127.0.0.1:18000",
      depends: ["catalog"],
    },
  },
  "web",
);

interface ConfigResource {
  name: string;
  version: string;
  origin: string;
  generated: boolean;
  resource: Json;
}
interface ProxyConfig {
  nodeId: string;
  revision: number;
  node: { cluster: string; sidecar: Json | null };
  types: Record<string, { kind: string; subscribed: string[] | null; version: string; resources: ConfigResource[] }>;
}

let h: Harness;
let builder: SnapshotBuilder | undefined;

/** Resolves with the first snapshot at `revision` or later. */
function snapshotAt(revision: number): Promise<Snapshot> {
  const current = builder?.current();
  if (current !== undefined && current.revision >= revision) return Promise.resolve(current);
  return new Promise((resolve) => {
    const stop = builder?.subscribe((snapshot) => {
      if (snapshot.revision < revision) return;
      stop?.();
      resolve(snapshot);
    });
  });
}

before(async () => {
  h = await harness({
    snapshots: {
      current: () => builder?.current(),
      subscribe: (listener) => builder?.subscribe(listener) ?? (() => {}),
    },
  });
  builder = new SnapshotBuilder({ store: h.store, logger: pino({ level: "silent" }) });
  await builder.start();
  for (const [kind, name, body] of [
    ["clusters", "legacy", staticCluster("legacy")],
    ["clusters", "orders", edsCluster("orders")],
    ["services", "catalog", service("catalog")],
    ["workloadentries", "catalog-1", workloadEntry("catalog-1")],
  ] as const) {
    const response = await put(h, kind, name, body);
    assert.equal(response.statusCode, 200, response.body);
  }
  await snapshotAt((await h.store.current()).revision);
});
after(async () => {
  builder?.stop();
  await h?.close();
});

async function configOf(node: string, query = ""): Promise<ProxyConfig> {
  const response = await h.inject({ method: "GET", url: `/v1/proxies/${encodeURIComponent(node)}/config${query}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as ProxyConfig;
}

const byName = (config: ProxyConfig, typeUrl: string) =>
  new Map((config.types[typeUrl]?.resources ?? []).map((r) => [r.name, r]));

describe("GET /v1/proxies/NODE/config", () => {
  test("a sidecar's view holds the written resources and the mesh config compiled for it, each with its origin", async () => {
    h.proxies.list = [webSidecar];
    const config = await configOf("web-1");
    assert.equal(config.nodeId, "web-1");
    assert.equal(config.revision, (await h.store.current()).revision);
    assert.deepEqual(config.node.sidecar, {
      service: "web",
      depends: ["catalog"],
      outbound: "127.0.0.1:15001",
      inbound: "127.0.0.1:18001",
      app: "127.0.0.1:18000",
    });
    assert.deepEqual(Object.keys(config.types), [LDS, RDS, CDS, EDS]);

    const clusters = byName(config, CDS);
    const origins = (names: string[]) =>
      names.map((name) => [name, clusters.get(name)?.origin, clusters.get(name)?.generated]);
    assert.deepEqual(origins(["legacy", "orders", "inbound|app", "outbound|8080||catalog"]), [
      ["legacy", "written", false],
      ["orders", "written", false],
      ["inbound|app", "generated", true],
      ["outbound|8080||catalog", "generated", true],
    ]);
    // Whatever else the mesh compiles for a sidecar is generated, under a reserved name.
    for (const resource of clusters.values())
      assert.equal(resource.generated, !["legacy", "orders"].includes(resource.name), resource.name);
    // Envoy JSON, canonical: the written cluster reads back as it was stored.
    assert.equal(clusters.get("legacy")?.resource.connect_timeout, "0.250s");
    assert.equal(clusters.get("legacy")?.version, (await h.store.get("clusters", "legacy"))?.version);

    const listeners = byName(config, LDS);
    assert.equal(listeners.get("inbound|listener")?.origin, "generated");
    assert.equal(listeners.get("outbound|listener")?.origin, "generated");
    assert.deepEqual(byName(config, RDS).get("outbound|routes")?.origin, "generated");

    const endpoints = byName(config, EDS);
    assert.equal(endpoints.get("orders")?.origin, "synthetic");
    assert.equal(endpoints.get("orders")?.generated, true);
    const catalog = endpoints.get("outbound|8080||catalog")?.resource as {
      endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[];
    };
    assert.equal(catalog.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address.address, "127.0.0.1");
    assert.match(config.types[CDS]?.version ?? "", /.+/);
  });

  test("a proxy that is not a sidecar sees only what was written (and the assignments Weft makes)", async () => {
    h.proxies.list = [proxy("front-1"), webSidecar];
    const config = await configOf("front-1");
    assert.equal(config.node.sidecar, null);
    assert.equal(config.node.cluster, "front");
    assert.deepEqual([...byName(config, CDS).keys()], ["legacy", "orders"]);
    assert.deepEqual([...byName(config, LDS).keys()], []);
    for (const type of Object.values(config.types))
      for (const resource of type.resources) assert.notEqual(resource.origin, "generated", resource.name);
  });

  test("a type the node subscribed to by name shows what those names select; one it has not asked for, the wildcard set", async () => {
    const status = {
      state: "SYNCED",
      versionSent: "",
      versionAcked: "",
      nonce: "",
      revision: null,
      lastNack: null,
    } as const;
    h.proxies.list = [
      {
        ...webSidecar,
        types: {
          [EDS]: { ...status, subscribed: ["outbound|8080||catalog", "nothing-by-this-name"] },
          [CDS]: { ...status, subscribed: ["*"] },
        },
      },
    ];
    const config = await configOf("web-1");
    assert.deepEqual(config.types[EDS]?.subscribed, ["outbound|8080||catalog", "nothing-by-this-name"]);
    assert.deepEqual([...byName(config, EDS).keys()], ["outbound|8080||catalog"]);
    assert.deepEqual(config.types[CDS]?.subscribed, ["*"]);
    assert.ok(byName(config, CDS).has("legacy"));
    assert.ok(byName(config, CDS).has("inbound|app"));
    assert.equal(config.types[LDS]?.subscribed, null);
    assert.ok(byName(config, LDS).has("outbound|listener"));
  });

  test("?type= keeps one kind", async () => {
    h.proxies.list = [webSidecar];
    const config = await configOf("web-1", "?type=clusters");
    assert.deepEqual(Object.keys(config.types), [CDS]);
    assert.equal(config.types[CDS]?.kind, "clusters");
  });

  test("a node with no stream is 404 WEFT_NOT_FOUND and an unknown kind 400 WEFT_BAD_REQUEST", async () => {
    h.proxies.list = [webSidecar];
    assertError(await h.inject({ method: "GET", url: "/v1/proxies/nobody/config" }), 404, "WEFT_NOT_FOUND");
    assertError(
      await h.inject({ method: "GET", url: "/v1/proxies/web-1/config?type=secrets" }),
      400,
      "WEFT_BAD_REQUEST",
    );
  });

  test("without a snapshot source every node is 404 WEFT_NOT_FOUND", async () => {
    const bare = await harness();
    try {
      bare.proxies.list = [webSidecar];
      assertError(await bare.inject({ method: "GET", url: "/v1/proxies/web-1/config" }), 404, "WEFT_NOT_FOUND");
    } finally {
      await bare.close();
    }
  });

  test("the route is in the OpenAPI document", async () => {
    const document = (await h.inject({ method: "GET", url: "/openapi.json" })).json() as { paths: Json };
    assert.ok(document.paths["/v1/proxies/{node}/config"]);
    assert.ok(document.paths["/v1/mesh/services/{name}"]);
  });
});
