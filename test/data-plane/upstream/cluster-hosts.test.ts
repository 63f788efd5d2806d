import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { clustersText } from "../../../data-plane/src/admin/clusters-text.js";
import type { RuntimeCluster, RuntimeEndpoints } from "../../../data-plane/src/config/index.js";
import { ClusterManager } from "../../../data-plane/src/upstream/cluster-manager.js";
import type { ClusterHosts, HostChange, HostMonitor } from "../../../data-plane/src/upstream/host.js";
import type { AttemptOutcome } from "../../../data-plane/src/upstream/resilience.js";
import { assignment, edsCluster, staticCluster } from "./backends.js";
import { seeded } from "./lb-fixtures.js";

const NO_EDS: ReadonlyMap<string, RuntimeEndpoints> = new Map();
const ep = (port: number) => ({ host: "127.0.0.1", port, weight: 1, health: "HEALTHY" as const });

// No request is sent: undici pools open no connection until used.
describe("ClusterManager: hosts with state", () => {
  const managers: ClusterManager[] = [];
  const manager = (options: ConstructorParameters<typeof ClusterManager>[0] = {}) => {
    const m = new ClusterManager({ random: seeded(1), ...options });
    managers.push(m);
    return m;
  };
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
  });

  it("keeps a host's state across updates while its address stays", () => {
    const m = manager();
    void m.update([edsCluster("svc")], new Map([["svc", assignment("svc", ep(1001), ep(1002))]]));
    const [first] = m.hosts("svc")?.hosts() ?? [];
    assert.ok(first);
    first.setEjected(true);
    first.begin();
    void m.update([edsCluster("svc")], new Map([["svc", assignment("svc", ep(1001), ep(1003))]]));
    const again = m.hosts("svc")?.hosts()[0];
    assert.equal(again, first);
    assert.equal(again?.ejected, true);
    assert.equal(again?.activeRequests, 1);
  });

  it("stops picking a host as soon as it is ejected or fails health checks, and picks it again after", () => {
    const m = manager();
    void m.update([staticCluster("web", ep(1001), ep(1002), ep(1003))], NO_EDS);
    const hosts = m.hosts("web")?.hosts() ?? [];
    hosts[0]?.setEjected(true);
    hosts[1]?.setActiveHealthFailed(true);
    // One of three healthy is below the 50% panic threshold: make it two of three.
    hosts[1]?.setActiveHealthFailed(false);
    const picked = new Set(Array.from({ length: 20 }, () => m.pick("web")?.port));
    assert.deepEqual([...picked].sort(), [1002, 1003]);
    const view = m.view()[0];
    assert.deepEqual(
      view?.endpoints.map((e) => [e.address, e.healthFlags, e.healthy]),
      [
        ["127.0.0.1:1001", ["failed_outlier_check"], false],
        ["127.0.0.1:1002", [], true],
        ["127.0.0.1:1003", [], true],
      ],
    );
    assert.match(clustersText(m.view()), /^web::127\.0\.0\.1:1001::health_flags::\/failed_outlier_check$/m);
    assert.equal(view?.lbPolicy, "ROUND_ROBIN");
    assert.equal(view?.panic, false);
    hosts[0]?.setEjected(false);
    assert.equal(new Set(Array.from({ length: 30 }, () => m.pick("web")?.port)).size, 3);
  });

  it("tells listeners of membership changes and outcomes, and runs monitors per cluster", () => {
    const events: string[] = [];
    const m = manager({
      monitors: [
        (cluster, hosts: ClusterHosts): HostMonitor => {
          events.push(`attach ${cluster.name} ${hosts.hosts().length}`);
          hosts.onChange((change: HostChange) =>
            events.push(`change +${change.added.map((h) => h.port)} -${change.removed.map((h) => h.port)}`),
          );
          hosts.onOutcome((host, outcome: AttemptOutcome) => events.push(`${host.port} ${outcome.kind}`));
          return {
            configure: (next: RuntimeCluster) => events.push(`configure ${next.connectTimeoutMs}`),
            close: () => events.push("close"),
          };
        },
      ],
    });
    void m.update([staticCluster("web", ep(1001))], NO_EDS);
    void m.update([staticCluster("web", ep(1001), ep(1002))], NO_EDS);
    m.attemptEnded("web", "127.0.0.1:1002", { kind: "connectFailure" });
    m.attemptEnded("web", "127.0.0.1:9999", { kind: "reset" });
    void m.update([{ ...staticCluster("web", ep(1002)), connectTimeoutMs: 300 }], NO_EDS);
    void m.update([], NO_EDS);
    assert.deepEqual(events, [
      "attach web 1",
      "change +1002 -",
      // Any new config object for the cluster is passed on.
      "configure 1000",
      "1002 connectFailure",
      // A new connect timeout is a new pool: the host is replaced.
      "change +1002 -1001,1002",
      "configure 300",
      "close",
    ]);
  });

  it("passes the request's hash to ring hash, and avoid to every balancer", () => {
    const m = manager();
    const ring: RuntimeCluster = { ...staticCluster("ring", ep(1001), ep(1002), ep(1003)), lbPolicy: "RING_HASH" };
    void m.update([ring], NO_EDS);
    const first = m.pick("ring", { hash: 42n })?.port;
    for (let i = 0; i < 10; i++) assert.equal(m.pick("ring", { hash: 42n })?.port, first);
    const other = m.pick("ring", { hash: 42n, avoid: new Set([`127.0.0.1:${first}`]) })?.port;
    assert.notEqual(other, first);
  });
});
