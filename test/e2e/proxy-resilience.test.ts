// The proxy's resilience features end to end: real control plane, proxy and backends that fail on
// command. Retries mask a flaky backend; outlier detection and active health checks take a failing
// endpoint out and bring it back; a circuit breaker sheds a burst; all while config changes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { get, startLoad } from "./load.js";
import { Api, edsCluster, endpoints, httpListener, type Json, routes } from "./mesh.js";
import {
  type BackendProcess,
  type ControlPlane,
  eventually,
  freePort,
  type ProxyProcess,
  startBackend,
  startControlPlane,
  startProxy,
} from "./processes.js";

/** Tells a backend how to misbehave (see fixtures/backend.mjs); answers its request count. */
async function control(backend: BackendProcess, command: string): Promise<number> {
  const { body } = await get(backend.port, `/_control/${command}`);
  return (JSON.parse(body) as { requests: number }).requests;
}

interface EndpointState {
  address: string;
  healthy?: boolean;
  healthFlags?: string[];
  outlier?: { ejected: boolean };
  healthCheck?: { healthy: boolean };
}

async function endpointStates(proxy: ProxyProcess, cluster: string): Promise<Map<number, EndpointState>> {
  const res = await fetch(`${proxy.admin}/clusters`);
  const json = (await res.json()) as { clusters: { name: string; endpoints: EndpointState[] }[] };
  const found = json.clusters.find((c) => c.name === cluster);
  return new Map((found?.endpoints ?? []).map((e) => [Number(e.address.split(":").pop()), e]));
}

async function stat(proxy: ProxyProcess, metric: string): Promise<number> {
  const text = await (await fetch(`${proxy.admin}/stats/prometheus`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(metric))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

describe("weft proxy resilience", () => {
  let cp: ControlPlane;
  let api: Api;
  let proxy: ProxyProcess;
  let a: BackendProcess;
  let b: BackendProcess;

  before(async () => {
    [cp, a, b] = await Promise.all([startControlPlane(), startBackend("a"), startBackend("b")]);
    api = new Api(`http://${cp.api}`);
    proxy = await startProxy("resilient", [cp.xds]);
  });
  after(async () => {
    await Promise.all([proxy?.stop(), cp?.stop(), a?.stop(), b?.stop()]);
  });

  /** A listener on a fresh port routing to `cluster` (with `route` extras), and the cluster's endpoints. */
  async function mesh(name: string, cluster: Json, ports: number[], routeExtra: Json = {}): Promise<number> {
    const port = await freePort();
    await api.apply([
      { kind: "clusters", resource: cluster },
      { kind: "endpoints", resource: endpoints(String(cluster.name), ports) },
      { kind: "routes", resource: routes(name, { [String(cluster.name)]: 1 }, routeExtra) },
      { kind: "listeners", resource: httpListener(name, port, name) },
    ]);
    await eventually(`listener ${name}`, async () => ((await get(port)).status === 200 ? true : undefined));
    return port;
  }

  test("retries mask a flaky backend, also under load while the cluster changes", async () => {
    await control(a, "ok");
    // max_retries above Envoy's default of 3 concurrent retries: six clients retry at once here.
    const retryCluster = { ...edsCluster("retry-svc"), circuit_breakers: { thresholds: [{ max_retries: 100 }] } };
    const port = await mesh("retry", retryCluster, [a.port], {
      retry_policy: { retry_on: "5xx,reset", num_retries: 3, retry_back_off: { base_interval: "0.01s" } },
    });
    const before = await control(a, "fail?status=503&count=2");
    const answer = await get(port);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "a");
    assert.equal((await control(a, "stats")) - before, 3, "two failed attempts, then the answer");
    assert.ok((await stat(proxy, "weft_proxy_upstream_retries_total")) >= 2);

    // Two endpoints, one failing every request: retries go to the other one; no request fails
    // while endpoints and the cluster change underneath.
    await api.put("endpoints", "retry-svc", endpoints("retry-svc", [a.port, b.port]));
    await control(a, "fail?status=503");
    const load = startLoad(port, { concurrency: 6 });
    try {
      // Each stage lets traffic run until it shows: answers from b while a fails, a's resets used up.
      await load.answered(30, "b");
      await api.put("clusters", "retry-svc", { ...retryCluster, connect_timeout: "2s" });
      await load.answered(30, "b");
      const resetFrom = await control(a, "reset?count=5");
      await eventually("a to reset 5 connections", async () =>
        (await control(a, "stats")) >= resetFrom + 5 ? true : undefined,
      );
      await load.answered(30, "b");
    } finally {
      const result = await load.stop();
      await control(a, "ok");
      assert.deepEqual(result.failures, [], `failed requests out of ${result.sent}`);
      assert.ok(result.sent > 50);
    }
  });

  test("outlier detection ejects an endpoint that keeps failing, and readmits it after its time", async () => {
    await control(a, "ok");
    const cluster = {
      ...edsCluster("outlier-svc"),
      outlier_detection: {
        consecutive_5xx: 3,
        interval: "0.2s",
        base_ejection_time: "1s",
        max_ejection_percent: 100,
      },
    };
    const port = await mesh("outlier", cluster, [a.port, b.port]);
    await control(a, "fail?status=503");
    await eventually("a to be ejected", async () => {
      await get(port);
      const state = (await endpointStates(proxy, "outlier-svc")).get(a.port);
      return state?.outlier?.ejected === true ? state : undefined;
    });
    const state = (await endpointStates(proxy, "outlier-svc")).get(a.port);
    assert.ok(state?.healthFlags?.includes("failed_outlier_check"));
    for (let i = 0; i < 10; i++) assert.equal((await get(port)).body, "b", "an ejected endpoint takes no traffic");
    assert.ok((await stat(proxy, "weft_proxy_outlier_ejections_total")) >= 1);
    await control(a, "ok");
    await eventually("a to take traffic again", async () => ((await get(port)).body === "a" ? true : undefined));
  });

  test("active health checks take an unhealthy endpoint out and bring it back", async () => {
    await control(a, "ok");
    const cluster = {
      ...edsCluster("checked-svc"),
      health_checks: [
        {
          timeout: "0.5s",
          interval: "0.1s",
          unhealthy_threshold: 1,
          healthy_threshold: 1,
          http_health_check: { path: "/health" },
        },
      ],
    };
    const port = await mesh("checked", cluster, [a.port, b.port]);
    await eventually("both endpoints healthy", async () => {
      const states = await endpointStates(proxy, "checked-svc");
      return states.get(a.port)?.healthy && states.get(b.port)?.healthy ? true : undefined;
    });
    await control(a, "fail?status=503");
    await eventually("a failing its health check", async () => {
      const state = (await endpointStates(proxy, "checked-svc")).get(a.port);
      return state?.healthFlags?.includes("failed_active_hc") ? true : undefined;
    });
    for (let i = 0; i < 10; i++) assert.equal((await get(port)).body, "b");
    assert.ok((await stat(proxy, 'weft_proxy_health_check_total{cluster="checked-svc",result="failure"}')) >= 1);
    await control(a, "ok");
    await eventually("a healthy again", async () => {
      const state = (await endpointStates(proxy, "checked-svc")).get(a.port);
      return state?.healthy === true ? true : undefined;
    });
  });

  test("a circuit breaker answers a burst beyond max_requests with 503 and the overflow flag at once", async () => {
    await control(a, "ok");
    const cluster = {
      ...edsCluster("guarded-svc"),
      circuit_breakers: { thresholds: [{ max_requests: 2, max_pending_requests: 2 }] },
    };
    const port = await mesh("guarded", cluster, [a.port]);
    const burst = await Promise.all(Array.from({ length: 10 }, () => get(port, "/slow?ms=600")));
    const shed = burst.filter((r) => r.status === 503);
    const served = burst.filter((r) => r.status === 200);
    assert.ok(served.length >= 2 && served.length <= 4, `served ${served.length}`);
    assert.equal(shed.length + served.length, 10);
    for (const r of shed) assert.equal(r.headers["x-envoy-overloaded"], "true");
    assert.ok((await stat(proxy, "weft_proxy_circuit_breaker_overflows_total")) >= shed.length);
    assert.ok((await stat(proxy, 'weft_proxy_responses_by_flag_total{flag="UO"}')) >= shed.length);
    // Raising the limit at run time lets the same burst through.
    await api.put("clusters", "guarded-svc", {
      ...cluster,
      circuit_breakers: { thresholds: [{ max_requests: 20, max_pending_requests: 20 }] },
    });
    await eventually("the raised limit", async () => {
      const again = await Promise.all(Array.from({ length: 10 }, () => get(port, "/slow?ms=100")));
      return again.every((r) => r.status === 200) ? true : undefined;
    });
  });
});
