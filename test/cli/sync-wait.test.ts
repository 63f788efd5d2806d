// What `apply --wait` counts as synced, against fakes of GET /v1/proxies and the resource lists.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ApiKind, ProxyStatus, ResourceList, TypeStatus } from "../../cli/src/client/index.js";
import { judgeProxies, waitAfterWrite, waitForSync } from "../../cli/src/commands/sync-wait.js";
import { CliErrorCode } from "../../cli/src/errors.js";
import { type SnapshotResource, versionOfResources } from "../../control-plane/src/snapshot/snapshot.js";

const CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
const LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

const clusters = new Map([
  ["a", "aaaaaaaaaaaaaaaaaaaaaaaa"],
  ["b", "bbbbbbbbbbbbbbbbbbbbbbbb"],
]);
const routes = new Map([
  ["r1", "111111111111111111111111"],
  ["r2", "222222222222222222222222"],
]);
const stored = new Map<ApiKind, Map<string, string>>([
  ["clusters", clusters],
  ["routes", routes],
  ["endpoints", new Map()],
  ["listeners", new Map()],
]);

/** The control plane's own version_info of these resources. */
function sotwVersion(resources: Map<string, string>, names?: string[]): string {
  const chosen = [...resources].filter(([name]) => names === undefined || names.includes(name));
  return versionOfResources(chosen.map(([name, version]) => ({ name, version }) as SnapshotResource));
}

function typeStatus(fields: Partial<TypeStatus>): TypeStatus {
  return {
    state: "SYNCED",
    versionSent: "",
    versionAcked: "",
    nonce: "1",
    subscribed: ["*"],
    lastNack: null,
    ...fields,
  };
}

function proxy(nodeId: string, types: Record<string, TypeStatus>): ProxyStatus {
  return { nodeId, cluster: "", address: "127.0.0.1:1", connectedAt: new Date().toISOString(), userAgent: "t", types };
}

describe("judgeProxies", () => {
  test("a state-of-the-world ACK counts only for the version the store's resources give", () => {
    const current = sotwVersion(clusters);
    const [synced, behind] = judgeProxies(
      [
        proxy("new", { [CDS]: typeStatus({ versionSent: current, versionAcked: current }) }),
        proxy("old", { [CDS]: typeStatus({ versionSent: "0".repeat(24), versionAcked: "0".repeat(24) }) }),
      ],
      stored,
      Date.now(),
    );
    assert.equal(synced?.synced, true);
    assert.equal(behind?.synced, false);
    assert.deepEqual(behind?.waitingFor, ["CDS SYNCED"]);
  });

  test("a subscription by name selects only those names", () => {
    const version = sotwVersion(routes, ["r1"]);
    const [verdict] = judgeProxies(
      [
        proxy("p", {
          [RDS]: typeStatus({ subscribed: ["r1", "missing"], versionSent: version, versionAcked: version }),
        }),
      ],
      stored,
      Date.now(),
    );
    assert.equal(verdict?.synced, true);
  });

  test("a NACK of the current version fails; a NACK of an older one is only waited past", () => {
    const current = sotwVersion(clusters);
    const lastNack = { message: "bad cluster", at: new Date().toISOString() };
    const [now, earlier] = judgeProxies(
      [
        proxy("now", { [CDS]: typeStatus({ state: "NACKED", versionSent: current, versionAcked: "x", lastNack }) }),
        proxy("earlier", { [CDS]: typeStatus({ state: "NACKED", versionSent: "f".repeat(24), lastNack }) }),
      ],
      stored,
      Date.now(),
    );
    assert.deepEqual(now?.nacks, ["CDS: bad cluster"]);
    assert.deepEqual(earlier?.nacks, []);
    assert.equal(earlier?.synced, false);
  });

  test("where the version cannot be computed (delta revisions, endpoint subscriptions) SYNCED is enough", () => {
    const [delta, eds] = judgeProxies(
      [
        proxy("delta", { [CDS]: typeStatus({ versionSent: "7", versionAcked: "7" }) }),
        proxy("eds", { [EDS]: typeStatus({ subscribed: ["a"], versionAcked: "e".repeat(24) }) }),
      ],
      stored,
      Date.now(),
    );
    assert.equal(delta?.synced, true);
    assert.equal(eds?.synced, true);
  });

  test("a listener scoped to other nodes is not part of a proxy's listener version", () => {
    const listeners = new Map([
      ["front", "ffffffffffffffffffffffff"],
      ["sidecar", "ssssssssssssssssssssssss"],
      ["shared", "cccccccccccccccccccccccc"],
    ]);
    const scopes = new Map([
      ["front", { nodeClusters: new Set(["front"]), nodeIds: undefined }],
      ["sidecar", { nodeClusters: undefined, nodeIds: new Set(["sidecar-1"]) }],
    ]);
    const frontVersion = sotwVersion(listeners, ["front", "shared"]);
    const sidecarVersion = sotwVersion(listeners, ["sidecar", "shared"]);
    const lds = (version: string) => ({ [LDS]: typeStatus({ versionSent: version, versionAcked: version }) });
    const verdicts = judgeProxies(
      [
        { ...proxy("front-1", lds(frontVersion)), cluster: "front" },
        { ...proxy("sidecar-1", lds(sidecarVersion)), cluster: "app" },
        { ...proxy("other", lds(sidecarVersion)), cluster: "front" },
      ],
      new Map([...stored, ["listeners", listeners]]),
      Date.now(),
      scopes,
    );
    assert.deepEqual(
      verdicts.map((v) => v.synced),
      [true, true, false],
    );
  });
});

function source(proxies: ProxyStatus[]) {
  return {
    proxies: async () => proxies,
    list: async (kind: ApiKind): Promise<ResourceList> => ({
      kind,
      revision: 1,
      items: [...(stored.get(kind) ?? [])].map(([name, version]) => ({
        kind,
        name,
        version,
        revision: 1,
        resource: {},
      })),
    }),
  };
}

describe("waitForSync", () => {
  test("resolves at once when no proxy is connected, and says so", async () => {
    const lines: string[] = [];
    await waitForSync(source([]), { timeoutMs: 1000, progress: (line) => lines.push(line) });
    assert.deepEqual(lines, ["no proxies connected"]);
  });

  test("times out naming each proxy still behind and what it waits for", async () => {
    const lines: string[] = [];
    const behind = proxy("slow-1", { [CDS]: typeStatus({ state: "STALE", versionSent: sotwVersion(clusters) }) });
    await assert.rejects(
      waitForSync(source([behind]), { timeoutMs: 50, intervalMs: 10, progress: (line) => lines.push(line) }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, CliErrorCode.waitTimeout);
        assert.match(error.message, /0\/1 proxies synced .*slow-1 \(CDS STALE\)/);
        return true;
      },
    );
    assert.deepEqual(lines, ["0/1 proxies synced"]);
  });

  test("reads listener scopes from the stored listeners' metadata", async () => {
    const version = "ffffffffffffffffffffffff";
    const scoped = {
      kind: "listeners" as const,
      name: "front",
      version,
      revision: 1,
      resource: { metadata: { filter_metadata: { weft: { node_clusters: ["front"] } } } },
    };
    const api = {
      ...source([
        proxy("sidecar-1", {
          [LDS]: typeStatus({ versionSent: sotwVersion(new Map()), versionAcked: sotwVersion(new Map()) }),
        }),
      ]),
      list: async (kind: ApiKind): Promise<ResourceList> => ({
        kind,
        revision: 1,
        items: kind === "listeners" ? [scoped] : [],
      }),
    };
    await waitForSync(api, { timeoutMs: 1000, intervalMs: 10, progress: () => {} });
  });

  test("fails at once when a proxy rejects the current config", async () => {
    const lastNack = { message: "no such thing", at: new Date().toISOString() };
    const nacked = proxy("n", { [CDS]: typeStatus({ state: "NACKED", versionSent: sotwVersion(clusters), lastNack }) });
    await assert.rejects(waitForSync(source([nacked]), { timeoutMs: 5000, progress: () => {} }), {
      code: CliErrorCode.proxyNacked,
    });
  });
});

describe("judgeProxies with an empty subscription", () => {
  test("a type subscribed to no names is owed nothing: synced whatever version it acknowledged last", () => {
    const [verdict] = judgeProxies(
      [
        proxy("p", {
          [RDS]: typeStatus({ subscribed: [], versionSent: "0".repeat(24), versionAcked: "0".repeat(24) }),
        }),
      ],
      stored,
      Date.now(),
    );
    assert.equal(verdict?.synced, true);
  });
});

describe("waitAfterWrite", () => {
  const lastNack = { message: "no such thing", at: new Date().toISOString() };
  const nacked = () =>
    proxy("n", { [CDS]: typeStatus({ state: "NACKED", versionSent: sotwVersion(clusters), lastNack }) });
  const flags = { wait: true, waitTimeout: 5000 };

  test("a rejection says the config stays stored and names the rollback that undoes the write", async () => {
    await assert.rejects(
      waitAfterWrite(source([nacked()]), flags, { revision: 7, before: 6 }, { progress: () => {} }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, CliErrorCode.proxyNacked);
        assert.equal(
          error.message.split("\n")[1],
          "the config stays stored as revision 7; to undo it: weft rollback 6",
        );
        return true;
      },
    );
  });

  test("after a command that wrote nothing, no rollback is suggested", async () => {
    await assert.rejects(
      waitAfterWrite(source([nacked()]), flags, { revision: 7, before: undefined }, { progress: () => {} }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, CliErrorCode.proxyNacked);
        assert.doesNotMatch(error.message, /weft rollback/);
        return true;
      },
    );
  });

  test("without --wait nothing is read", async () => {
    const unreachable = {
      proxies: () => Promise.reject(new Error("read")),
      list: () => Promise.reject(new Error("read")),
    };
    await waitAfterWrite(unreachable, { waitTimeout: 5000 }, { revision: 7, before: 6 }, { progress: () => {} });
  });
});
