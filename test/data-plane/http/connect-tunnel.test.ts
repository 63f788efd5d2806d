// CONNECT on the outbound listener, as undici's EnvHttpProxyAgent uses it (it tunnels by default):
// `CONNECT catalog:80` is terminated into the listener itself (the compiled connect route and
// cluster), and each request inside the tunnel is routed by its Host through the Service's routes;
// a name no Service has gets the 404 naming it; a listener that does not enable CONNECT refuses it.
import assert from "node:assert/strict";
import { type ChildProcess, execFile } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import {
  compileConnectCluster,
  compileOutbound,
  compileOutboundListener,
  OUTBOUND_CONNECT_CLUSTER,
} from "../../../control-plane/src/mesh/compiler/index.js";
import { buildConfigSet, buildListener, type RuntimeRouteConfig } from "../../../data-plane/src/config/index.js";
import type { RuntimeHttp } from "../../../data-plane/src/config/listener.js";
import { TypeUrl } from "../../../proto/index.js";
import { stateOf } from "../../control-plane/mesh/compiler/both-planes.js";
import { service } from "../../control-plane/mesh/mesh-documents.js";
import { staticCluster } from "../upstream/backends.js";
import { routeTo, type Server, startHttpBackend, startProxy, type TestProxy } from "./harness.js";

/** catalog: `x-canary: yes` to catalog-v2, everything else to catalog-v1. */
const CANARY_ROUTE = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "catalog" },
  spec: {
    parentRefs: [{ kind: "Service", name: "catalog", port: 8080 }],
    rules: [
      {
        matches: [{ headers: [{ name: "x-canary", value: "yes" }] }],
        backendRefs: [{ name: "catalog-v2", port: 8080 }],
      },
      { backendRefs: [{ name: "catalog-v1", port: 8080 }] },
    ],
  },
};

/** Runs fetch with undici's EnvHttpProxyAgent in a child process whose own env sets HTTP_PROXY. */
function fetchThroughProxy(proxyPort: number, calls: [string, Record<string, string>][]): Promise<[number, string][]> {
  const script = `
    import { EnvHttpProxyAgent, fetch } from "undici";
    const agent = new EnvHttpProxyAgent();
    const out = [];
    for (const [url, headers] of JSON.parse(process.argv[1])) {
      const response = await fetch(url, { dispatcher: agent, headers });
      out.push([response.status, await response.text()]);
    }
    await agent.close();
    process.stdout.write(JSON.stringify(out));
  `;
  const env = { PATH: process.env.PATH ?? "", HTTP_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: "" };
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-e", script, JSON.stringify(calls)],
      { env, cwd: process.cwd(), timeout: 20_000 },
      (error, stdout, stderr) => {
        children.delete(child);
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as [number, string][]);
      },
    );
    children.add(child);
  });
}

/** Child processes still running, stopped by PID when the suite ends. */
const children = new Set<ChildProcess>();

describe("CONNECT through the outbound listener", () => {
  let v1: Server;
  let v2: Server;
  let proxy: TestProxy;
  before(async () => {
    v1 = await startHttpBackend((req, res) => res.end(`v1 ${req.headers.host} ${req.url}`));
    v2 = await startHttpBackend((req, res) => res.end(`v2 ${req.headers.host} ${req.url}`));
    const state = stateOf(service("catalog"), service("catalog-v1"), service("catalog-v2"), CANARY_ROUTE);
    const out = compileOutbound(state);
    const built = buildConfigSet(TypeUrl.route, [{ name: out.routes.name, resource: out.routes.message }]);
    assert.ok(built.ok);
    const routes = built.set.resources[0] as RuntimeRouteConfig;
    const http = buildListener(compileOutboundListener({ host: "127.0.0.1", port: 15001 }).message).http as RuntimeHttp;
    assert.equal(http.connect, true);
    proxy = await startProxy({ table: routes.routeTable, http });
    // The compiled connect cluster points at the outbound listener's address: here, the test proxy's port.
    const connect = buildConfigSet(TypeUrl.cluster, [
      {
        name: OUTBOUND_CONNECT_CLUSTER,
        resource: compileConnectCluster({ host: "127.0.0.1", port: proxy.port }).message,
      },
    ]);
    assert.ok(connect.ok);
    const endpoint = (port: number) => ({ host: "127.0.0.1", port, weight: 1, health: "HEALTHY" as const });
    await proxy.clusters.update(
      [
        ...(connect.set.resources as never[]),
        staticCluster("outbound|8080||catalog-v1", endpoint(v1.port)),
        staticCluster("outbound|8080||catalog-v2", endpoint(v2.port)),
      ],
      new Map(),
    );
  });
  after(async () => {
    for (const child of children) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid);
    await proxy.close();
    await v1.close();
    await v2.close();
  });

  test("EnvHttpProxyAgent tunnels to a Service by name and each request in the tunnel follows the Service's routes", async () => {
    const replies = await fetchThroughProxy(proxy.port, [
      ["http://catalog/items", {}],
      ["http://catalog/items", { "x-canary": "yes" }],
      ["http://catalog.mesh:8080/x?y=1", {}],
    ]);
    assert.deepEqual(replies, [
      [200, "v1 catalog /items"],
      [200, "v2 catalog /items"],
      [200, "v1 catalog.mesh:8080 /x?y=1"],
    ]);
    const methods = proxy.records.map((r) => r.method);
    assert.ok(methods.includes("CONNECT"), `the agent tunnelled: ${methods.join(",")}`);
    assert.ok(proxy.records.some((r) => r.method === "GET" && r.authority === "catalog"));
  });

  test("a CONNECT to a name no Service has gets 404 naming the host", async () => {
    const reply = await rawConnect(proxy.port, "ghost:80");
    assert.match(reply, /^HTTP\/1\.1 404 /);
    assert.match(reply, /no mesh service answers to host ghost:80; `weft get services`/);
  });

  test("a listener whose connection manager does not enable CONNECT still answers it 403", async () => {
    const plain = await startProxy({ routes: [routeTo("outbound|8080||catalog-v1")] });
    try {
      assert.match(await rawConnect(plain.port, "catalog:80"), /^HTTP\/1\.1 403 /);
    } finally {
      await plain.close();
    }
  });
});

/** Sends `CONNECT target` on a raw socket and returns what comes back until the proxy closes. */
function rawConnect(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () =>
      socket.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`),
    );
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}
