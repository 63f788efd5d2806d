import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import type { RuntimeEndpoints } from "../../../data-plane/src/config/index.js";
import { ClusterManager } from "../../../data-plane/src/upstream/cluster-manager.js";
import type { HostState as Upstream } from "../../../data-plane/src/upstream/host.js";
import { assignment, type Backend, edsCluster, endpoint, startBackend, staticCluster } from "./backends.js";

const NO_EDS: ReadonlyMap<string, RuntimeEndpoints> = new Map();

/** Sends `path` through the upstream's pool, counting it in flight, and returns the body. */
async function send(upstream: Upstream, path = "/"): Promise<string> {
  upstream.begin();
  try {
    const { statusCode, body } = await upstream.pool.request({ method: "GET", path });
    assert.equal(statusCode, 200);
    return await body.text();
  } finally {
    upstream.end();
  }
}

function pick(manager: ClusterManager, cluster: string): Upstream {
  const upstream = manager.pick(cluster);
  assert.ok(upstream, `no upstream for ${cluster}`);
  return upstream;
}

describe("ClusterManager", () => {
  let a: Backend;
  let b: Backend;
  const managers: ClusterManager[] = [];
  const manager = (): ClusterManager => {
    const m = new ClusterManager({ keepAliveTimeoutMs: 1000 });
    managers.push(m);
    return m;
  };

  before(async () => {
    [a, b] = await Promise.all([startBackend("a"), startBackend("b")]);
  });
  after(async () => {
    await Promise.all(managers.map((m) => m.close()));
    await Promise.all([a.close(), b.close()]);
  });

  it("round-robins requests across two backends", async () => {
    const m = manager();
    void m.update([staticCluster("web", endpoint(a), endpoint(b))], NO_EDS);
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) bodies.push(await send(pick(m, "web")));
    assert.deepEqual(bodies, ["a", "b", "a", "b"]);
  });

  it("answers undefined for an unknown, warming or empty cluster; an all-unhealthy one panics", () => {
    const m = manager();
    void m.update(
      [edsCluster("pending"), staticCluster("sick", { ...endpoint(a), health: "UNHEALTHY" }), staticCluster("empty")],
      NO_EDS,
    );
    assert.equal(m.pick("nope"), undefined);
    assert.equal(m.pick("pending"), undefined);
    // Every host unhealthy is below the 50% panic threshold: Envoy balances over all of them.
    assert.equal(m.pick("sick")?.address, `127.0.0.1:${a.port}`);
    assert.equal(m.pick("empty"), undefined);
    assert.deepEqual(
      m.view().map((c) => [c.name, c.endpoints.length]),
      [
        ["pending", 0],
        ["sick", 1],
        ["empty", 0],
      ],
    );
  });

  it("adds an endpoint without disturbing another endpoint's in-flight request", async () => {
    const m = manager();
    void m.update([edsCluster("svc")], new Map([["svc", assignment("svc", endpoint(a))]]));
    const first = pick(m, "svc");
    const slow = send(first, "/slow");
    await a.slowArrived();
    assert.equal(first.activeRequests, 1);
    assert.deepEqual(
      m.view()[0]?.endpoints.map((e) => [e.address, e.activeRequests]),
      [[`127.0.0.1:${a.port}`, 1]],
    );

    await m.update([edsCluster("svc")], new Map([["svc", assignment("svc", endpoint(a), endpoint(b))]]));
    const next = [pick(m, "svc"), pick(m, "svc")];
    assert.equal(next[0]?.pool, first.pool, "the staying endpoint keeps its pool");
    assert.equal(first.pool.closed, false);
    assert.deepEqual((await Promise.all(next.map((u) => send(u)))).sort(), ["a", "b"]);

    a.release();
    assert.equal(await slow, "a");
    assert.equal(first.activeRequests, 0);
  });

  it("lets a removed endpoint's in-flight request finish, then closes its pool", async () => {
    const m = manager();
    void m.update([staticCluster("svc", endpoint(a))], NO_EDS);
    const removed = pick(m, "svc");
    const slow = send(removed, "/slow");
    await a.slowArrived();

    let drained = false;
    const drain = m.update([staticCluster("svc", endpoint(b))], NO_EDS).then(() => {
      drained = true;
    });
    assert.equal(removed.pool.closed, true, "closing: takes no new requests");
    assert.equal(await send(pick(m, "svc")), "b");
    await tick();
    assert.equal(drained, false, "still draining while the request is in flight");

    a.release();
    assert.equal(await slow, "a");
    await drain;
    assert.equal(drained, true);
  });

  it("close() closes every pool and refuses further updates", async () => {
    const m = new ClusterManager();
    void m.update([staticCluster("web", endpoint(a), endpoint(b))], NO_EDS);
    const upstreams = [pick(m, "web"), pick(m, "web")];
    await Promise.all(upstreams.map((u) => send(u)));
    await m.close();
    for (const u of upstreams) assert.equal(u.pool.closed, true);
    assert.equal(m.pick("web"), undefined);
    assert.throws(() => m.update([], NO_EDS), /closed/);
  });
});
