// `weft proxy` end to end: a real control plane, proxies and backends as child processes on
// 127.0.0.1. Config goes in through the REST API; traffic goes through the proxy.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { TypeUrl } from "../../proto/index.js";
import { get, startLoad } from "./load.js";
import { Api, edsCluster, endpoints, httpListener, type Json, routes, tcpListener } from "./mesh.js";
import {
  type BackendProcess,
  backendReceived,
  backendRequests,
  bin,
  type ControlPlane,
  eventually,
  freePort,
  type ProxyProcess,
  refusesConnections,
  startBackend,
  startControlPlane,
  startProxy,
  tempDir,
} from "./processes.js";

async function admin(proxy: ProxyProcess, path: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${proxy.admin}${path}`);
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

/** Waits until `proxy` answers `expected` on port (a fresh connection each try). */
function servesBody(port: number, expected: string, path = "/"): Promise<true> {
  return eventually(`127.0.0.1:${port}${path} to answer ${expected}`, async () => {
    const { status, body } = await get(port, path);
    return status === 200 && body === expected ? true : undefined;
  });
}

/** Names of the listeners /config_dump lists, sorted. */
function listenerNames(dump: Json): string[] {
  return (dump.listeners as { resources: { name: string }[] }).resources.map((l) => l.name).sort();
}

/** `weft status --server URL` to its end: its stdout (the caller's WEFT_* variables left out). */
function weftStatus(server: string): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("WEFT_")));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, "status", "--server", server], { env, timeout: 30_000 }, (error, stdout) =>
      error === null ? resolve(stdout) : reject(error),
    );
  });
}

/** Waits until every type of `nodeId` is SYNCED in /v1/proxies. */
function synced(api: Api, nodeId: string): Promise<true> {
  return eventually(`${nodeId} to be SYNCED`, async () => {
    const proxy = (await api.proxies()).find((p) => p.nodeId === nodeId);
    if (proxy === undefined) return undefined;
    const states = Object.values(proxy.types).map((t) => t.state);
    return states.length === 4 && states.every((s) => s === "SYNCED") ? true : undefined;
  });
}

describe("weft proxy, state of the world", () => {
  let cp: ControlPlane;
  let api: Api;
  let proxy: ProxyProcess;
  let a: BackendProcess;
  let b: BackendProcess;
  let c: BackendProcess;
  let port: number;

  before(async () => {
    [cp, a, b, c, port] = await Promise.all([
      startControlPlane(),
      startBackend("a"),
      startBackend("b"),
      startBackend("c"),
      freePort(),
    ]);
    api = new Api(`http://${cp.api}`);
    await api.apply([
      { kind: "clusters", resource: edsCluster("svc-a") },
      { kind: "endpoints", resource: endpoints("svc-a", [a.port]) },
      { kind: "routes", resource: routes("main", { "svc-a": 1 }) },
      { kind: "listeners", resource: httpListener("front", port, "main") },
    ]);
    proxy = await startProxy("sotw-1", [cp.xds]);
  });
  after(async () => {
    await Promise.all([proxy?.stop(), cp?.stop(), a?.stop(), b?.stop(), c?.stop()]);
  });

  test("a proxy applies what the API holds and /ready turns 200", async () => {
    await servesBody(port, "a");
    const ready = await admin(proxy, "/ready");
    assert.equal(ready.status, 200);
    await synced(api, "sotw-1");
  });

  test("/config_dump shows each resource's own version, as the API gives it, and each type's acknowledged version once", async () => {
    const { status, json } = await admin(proxy, "/config_dump");
    assert.equal(status, 200);
    const status2 = (await api.proxies()).find((p) => p.nodeId === "sotw-1");
    const types = {
      listeners: TypeUrl.listener,
      routes: TypeUrl.route,
      clusters: TypeUrl.cluster,
      endpoints: TypeUrl.endpoint,
    };
    for (const [kind, typeUrl] of Object.entries(types)) {
      const dumped = json[kind] as {
        versionInfo: string;
        resources: { name: string; version: string; state: string }[];
      };
      assert.equal(dumped.versionInfo, status2?.types[typeUrl]?.versionAcked, `${kind}: the type's version`);
      assert.ok(dumped.resources.length > 0, kind);
      for (const resource of dumped.resources) {
        const stored = (await (await fetch(`${api.base}/v1/resources/${kind}/${resource.name}`)).json()) as Json;
        assert.equal(resource.version, stored.version, `${kind}/${resource.name}: the resource's own version`);
        assert.equal(resource.state, "ACTIVE", `${kind}/${resource.name}`);
      }
    }
  });

  test("hot reload under keep-alive load fails no request: route, cluster, endpoint and listener changes", async () => {
    const load = startLoad(port, { concurrency: 8 });
    try {
      // Each stage lets traffic run until the change it follows shows in the answers.
      await load.answered(20, "a");
      // A new cluster and a route shifting half the traffic to it, in one atomic apply.
      await api.apply([
        { kind: "clusters", resource: edsCluster("svc-b") },
        { kind: "endpoints", resource: endpoints("svc-b", [b.port]) },
        { kind: "routes", resource: routes("main", { "svc-a": 50, "svc-b": 50 }) },
      ]);
      await synced(api, "sotw-1");
      await load.answered(20, "b");
      // An endpoint change: svc-a moves from a to c.
      await api.put("endpoints", "svc-a", endpoints("svc-a", [c.port]));
      await synced(api, "sotw-1");
      await load.answered(20, "c");
      // A listener change at the same address (updated in place).
      await api.put("listeners", "front", httpListener("front", port, "main", { server_name: "weft-front" }));
      await synced(api, "sotw-1");
      await load.answered(40);
      // A cluster change (connect timeout), and back to one cluster.
      await api.put("clusters", "svc-a", { ...edsCluster("svc-a"), connect_timeout: "2s" });
      await api.put("routes", "main", routes("main", { "svc-a": 1 }));
      await synced(api, "sotw-1");
      await load.answered(40);
    } finally {
      const result = await load.stop();
      assert.deepEqual(result.failures, [], `failed requests out of ${result.sent}`);
      assert.ok((result.bodies.get("a") ?? 0) > 0, "a served before the endpoint change");
      assert.ok((result.bodies.get("b") ?? 0) > 0, "b served after the weight shift");
      assert.ok((result.bodies.get("c") ?? 0) > 0, "c served after the endpoint change");
    }
    const { headers } = await get(port);
    assert.equal(headers.server, "weft-front");
    await api.put("endpoints", "svc-a", endpoints("svc-a", [a.port]));
    await servesBody(port, "a");
  });

  test("HTTP/2 clients see no failure while the route shifts", async () => {
    const load = startLoad(port, { concurrency: 8, protocol: "h2" });
    try {
      await load.answered(20);
      await api.put("routes", "main", routes("main", { "svc-a": 1, "svc-b": 1 }));
      await synced(api, "sotw-1");
      await load.answered(20, "b");
      await api.put("routes", "main", routes("main", { "svc-a": 1 }));
      await synced(api, "sotw-1");
      await load.answered(20);
    } finally {
      const result = await load.stop();
      assert.deepEqual(result.failures, []);
      assert.ok((result.bodies.get("b") ?? 0) > 0);
    }
  });

  test("a config the proxy rejects keeps the last good one, and shows NACKED in /v1/proxies", async () => {
    const bad = httpListener("two-chains", await freePort(), "main");
    const chains = bad.filter_chains as Json[];
    // The control plane accepts filter chain matching; this proxy does not implement it yet.
    bad.filter_chains = [chains[0], { ...chains[0], filter_chain_match: { destination_port: 9999 } }];
    await api.put("listeners", "two-chains", bad);
    const status = await eventually("LDS NACKED", async () => {
      const p = (await api.proxies()).find((x) => x.nodeId === "sotw-1");
      const lds = p?.types[TypeUrl.listener];
      return lds?.state === "NACKED" ? lds : undefined;
    });
    assert.match(status.lastNack?.message ?? "", /two-chains/);
    // Still serving what it had.
    assert.deepEqual((await get(port)).body, "a");
    const dump = await admin(proxy, "/config_dump");
    assert.notEqual((dump.json.xds as { lastNack: unknown }).lastNack, null);
    const names = (dump.json.listeners as { resources: { name: string }[] }).resources.map((l) => l.name);
    assert.deepEqual(names, ["front"]);
    await api.delete("listeners", "two-chains");
    await synced(api, "sotw-1");
  });

  test("a removed listener lets its in-flight request finish, then stops accepting", async () => {
    const port2 = await freePort();
    await api.put("listeners", "side", httpListener("side", port2, "main"));
    await servesBody(port2, "a");
    const before = await backendRequests(a);
    const slow = get(port2, "/slow?ms=800");
    await backendReceived(a, before, "the slow request to reach backend a");
    await api.delete("listeners", "side");
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "a");
    await eventually("the port to refuse connections", async () => {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port2, "127.0.0.1");
        socket.on("connect", () => {
          socket.destroy();
          resolve(false);
        });
        socket.on("error", () => resolve(true));
      });
      return refused ? true : undefined;
    });
  });

  test("a TCP proxy listener forwards bytes to its cluster", async () => {
    const port3 = await freePort();
    await api.put("listeners", "tcp", tcpListener("tcp", port3, "svc-a"));
    await servesBody(port3, "a");
    await api.delete("listeners", "tcp");
  });

  test("a port already taken is NACKed for that listener while the others apply", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const fresh = await freePort();
    try {
      await api.apply([
        { kind: "listeners", resource: httpListener("taken", taken, "main") },
        { kind: "listeners", resource: httpListener("fresh", fresh, "main") },
      ]);
      await eventually("LDS NACKED for the taken port", async () => {
        const p = (await api.proxies()).find((x) => x.nodeId === "sotw-1");
        const lds = p?.types[TypeUrl.listener];
        return lds?.state === "NACKED" && /taken/.test(lds.lastNack?.message ?? "") ? true : undefined;
      });
      await servesBody(fresh, "a");
      // The refused listener is not held: only the NACK tells of it.
      const dump = await admin(proxy, "/config_dump");
      assert.deepEqual(listenerNames(dump.json), ["fresh", "front"]);
      assert.match((dump.json.xds as { lastNack: { message: string } }).lastNack.message, /taken/);
    } finally {
      await api.delete("listeners", "taken");
      await api.delete("listeners", "fresh");
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    await synced(api, "sotw-1");
  });

  test("a listener refused for a taken port and then deleted is gone, and is not bound once the port is free", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    let blocked = true;
    try {
      await api.put("listeners", "squatter", httpListener("squatter", taken, "main"));
      await eventually("LDS NACKED for the taken port", async () => {
        const lds = (await api.proxies()).find((x) => x.nodeId === "sotw-1")?.types[TypeUrl.listener];
        return lds?.state === "NACKED" && /squatter/.test(lds.lastNack?.message ?? "") ? true : undefined;
      });
      await api.delete("listeners", "squatter");
      await synced(api, "sotw-1");
      assert.deepEqual(listenerNames((await admin(proxy, "/config_dump")).json), ["front"]);
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      blocked = false;
      // Unrelated changes after the port is freed: a route update reconciles the listeners.
      await api.put("routes", "main", routes("main", { "svc-a": 1 }, { timeout: "9s" }));
      await api.put("clusters", "svc-a", { ...edsCluster("svc-a"), connect_timeout: "3s" });
      await synced(api, "sotw-1");
      await eventually("the route update to be in use", async () => {
        const dump = await admin(proxy, "/config_dump");
        const main = (dump.json.routes as { resources: { name: string; resource: Json }[] }).resources.find(
          (r) => r.name === "main",
        );
        return JSON.stringify(main?.resource ?? {}).includes('"9s"') ? true : undefined;
      });
      assert.equal(await refusesConnections(taken), true, "nothing listens on the freed port");
      assert.deepEqual(listenerNames((await admin(proxy, "/config_dump")).json), ["front"]);
      await servesBody(port, "a");
    } finally {
      if (blocked) await new Promise<void>((resolve) => blocker.close(() => resolve()));
      await api.put("routes", "main", routes("main", { "svc-a": 1 }));
    }
    await synced(api, "sotw-1");
  });
});

describe("weft proxy whose first listener waits for its routes on a port another process holds", () => {
  test("the LDS response is NACKed naming it, and no later route update binds it", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    let blocked = true;
    const [cp, a, sibling] = await Promise.all([startControlPlane(), startBackend("a"), freePort()]);
    const api = new Api(`http://${cp.api}`);
    let proxy: ProxyProcess | undefined;
    try {
      // Both listeners name routes the control plane does not have yet: both warm.
      await api.apply([
        { kind: "clusters", resource: edsCluster("svc") },
        { kind: "endpoints", resource: endpoints("svc", [a.port]) },
        { kind: "listeners", resource: httpListener("held", taken, "later") },
        { kind: "listeners", resource: httpListener("sibling", sibling, "later") },
      ]);
      proxy = await startProxy("first-held", [cp.xds]);
      const lds = await eventually("LDS NACKED naming the listener on the held port", async () => {
        const status = (await api.proxies()).find((p) => p.nodeId === "first-held")?.types[TypeUrl.listener];
        return status?.state === "NACKED" ? status : undefined;
      });
      assert.match(lds.lastNack?.message ?? "", /"held"/);
      assert.equal(lds.versionAcked, "", "no listener response was acknowledged");
      const row = (await weftStatus(`http://${cp.api}`)).split("\n").find((line) => line.startsWith("first-held "));
      assert.match(row ?? "", /^first-held\s+-\s+SYNCED [0-9a-f]{8}\s+NACKED\s/, "weft status: LDS NACKED");
      assert.match(row ?? "", /LDS \d+s ago: .*held/);
      assert.deepEqual(listenerNames((await admin(proxy, "/config_dump")).json), ["sibling"]);

      // The port is free and the routes arrive: the sibling serves, the refused listener stays unbound.
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      blocked = false;
      await api.put("routes", "later", routes("later", { svc: 1 }));
      await servesBody(sibling, "a");
      assert.equal(await refusesConnections(taken), true, "nothing listens on the freed port");
      const dump = await admin(proxy, "/config_dump");
      assert.deepEqual(listenerNames(dump.json), ["sibling"]);
      const listeners = (await api.proxies()).find((p) => p.nodeId === "first-held")?.types[TypeUrl.listener];
      assert.equal(listeners?.state, "NACKED", "the control plane's listeners are still the refused ones");
    } finally {
      if (blocked) await new Promise<void>((resolve) => blocker.close(() => resolve()));
      await Promise.all([proxy?.stop(), cp.stop(), a.stop()]);
    }
  });
});

describe("weft proxy without its control plane", () => {
  test("keeps serving when the control plane dies, and resyncs when it returns", async () => {
    const dataDir = tempDir();
    const xdsPort = await freePort();
    const xdsListen = `127.0.0.1:${xdsPort}`;
    const [a, b, port] = await Promise.all([startBackend("a"), startBackend("b"), freePort()]);
    let cp = await startControlPlane({ dataDir, xdsListen });
    let api = new Api(`http://${cp.api}`);
    await api.apply([
      { kind: "clusters", resource: edsCluster("svc") },
      { kind: "endpoints", resource: endpoints("svc", [a.port]) },
      { kind: "routes", resource: routes("main", { svc: 1 }) },
      { kind: "listeners", resource: httpListener("front", port, "main") },
    ]);
    const proxy = await startProxy("survivor", [xdsListen]);
    try {
      await servesBody(port, "a");
      await cp.kill();
      const load = startLoad(port, { concurrency: 4 });
      // Requests keep being answered while the control plane is down.
      await load.answered(50).catch(async (error: unknown) => {
        await load.stop();
        throw error;
      });
      const during = await load.stop();
      assert.deepEqual(during.failures, []);
      assert.ok(during.sent > 0);
      const dump = await admin(proxy, "/config_dump");
      assert.equal((dump.json.xds as { connected: boolean }).connected, false);

      cp = await startControlPlane({ dataDir, xdsListen });
      api = new Api(`http://${cp.api}`);
      await api.put("endpoints", "svc", endpoints("svc", [b.port]));
      await servesBody(port, "b");
      await synced(api, "survivor");
    } finally {
      assert.equal(await proxy.stop(), 0);
      await Promise.all([cp.stop(), a.stop(), b.stop()]);
    }
  });
});

describe("weft proxy, delta xDS", () => {
  test("follows endpoint and route changes under load without a failed request", async () => {
    const [cp, a, b, port] = await Promise.all([startControlPlane(), startBackend("a"), startBackend("b"), freePort()]);
    const api = new Api(`http://${cp.api}`);
    await api.apply([
      { kind: "clusters", resource: edsCluster("svc") },
      { kind: "endpoints", resource: endpoints("svc", [a.port]) },
      { kind: "routes", resource: routes("main", { svc: 1 }) },
      { kind: "listeners", resource: httpListener("front", port, "main") },
    ]);
    const proxy = await startProxy("delta-1", [cp.xds], ["--xds-delta"]);
    try {
      await servesBody(port, "a");
      const load = startLoad(port, { concurrency: 8 });
      await load.answered(20, "a");
      await api.put("endpoints", "svc", endpoints("svc", [a.port, b.port]));
      await synced(api, "delta-1");
      await load.answered(20, "b");
      await api.put("endpoints", "svc", endpoints("svc", [b.port]));
      await synced(api, "delta-1");
      await load.answered(40);
      const result = await load.stop();
      assert.deepEqual(result.failures, []);
      assert.ok((result.bodies.get("b") ?? 0) > 0);
      const ready = await admin(proxy, "/ready");
      assert.equal(ready.status, 200);
    } finally {
      await Promise.all([proxy.stop(), cp.stop(), a.stop(), b.stop()]);
    }
  });
});

describe("weft proxy process", () => {
  test("SIGTERM lets an in-flight request finish, then exits 0", async () => {
    const [cp, a, port] = await Promise.all([startControlPlane(), startBackend("a"), freePort()]);
    const api = new Api(`http://${cp.api}`);
    await api.apply([
      { kind: "clusters", resource: edsCluster("svc") },
      { kind: "endpoints", resource: endpoints("svc", [a.port]) },
      { kind: "routes", resource: routes("main", { svc: 1 }) },
      { kind: "listeners", resource: httpListener("front", port, "main") },
    ]);
    const proxy = await startProxy("drainer", [cp.xds]);
    try {
      await servesBody(port, "a");
      const before = await backendRequests(a);
      const slow = get(port, "/slow?ms=700");
      await backendReceived(a, before, "the slow request to reach backend a");
      const exit = proxy.stop();
      const answer = await slow;
      assert.equal(answer.status, 200);
      assert.equal(await exit, 0);
    } finally {
      await Promise.all([cp.stop(), a.stop()]);
    }
  });

  test("/ready answers 503 until the first listeners and clusters arrive", async () => {
    const proxy = await startProxy("lonely", ["127.0.0.1:1"]);
    try {
      const ready = await admin(proxy, "/ready");
      assert.equal(ready.status, 503);
    } finally {
      assert.equal(await proxy.stop(), 0);
    }
  });
});
