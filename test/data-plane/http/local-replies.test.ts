import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { DEFAULT_LOAD_BALANCING } from "../../../data-plane/src/config/index.js";
import { compileRouteTable } from "../../../data-plane/src/router/index.js";
import { oneHost } from "../router/fixtures.js";
import { edsCluster, staticCluster } from "../upstream/backends.js";
import { h1Request, routeTo, type Server, startHttpBackend, startProxy, type TestProxy } from "./harness.js";

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("replies the proxy makes itself", () => {
  let backend: Server;
  const proxies: TestProxy[] = [];
  const start = async (options: Parameters<typeof startProxy>[0]): Promise<TestProxy> => {
    const p = await startProxy(options);
    proxies.push(p);
    return p;
  };
  const web = () => staticCluster("web", { host: "127.0.0.1", port: backend.port, weight: 1, health: "HEALTHY" });

  before(async () => {
    backend = await startHttpBackend((_req, res) => res.end("backend"));
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await backend.close();
  });

  it("answers 400 to a request without a host", async () => {
    const p = await start({ routes: [routeTo("web")], clusters: [web()] });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(p.port, "127.0.0.1", () => socket.write("GET / HTTP/1.0\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
  });

  it("answers 404 NR when no route matches, and when there is no route table yet", async () => {
    const p = await start({ routes: [{ match: { prefix: "/api" }, route: { cluster: "web" } }], clusters: [web()] });
    const record = p.nextRecord();
    assert.equal((await h1Request(p.port, { path: "/other" })).status, 404);
    const { status, responseFlags, cluster, upstreamAddress } = await record;
    assert.deepEqual(
      { status, responseFlags, cluster, upstreamAddress },
      { status: 404, responseFlags: ["NR"], cluster: undefined, upstreamAddress: undefined },
    );
    p.setTable(undefined);
    assert.equal((await h1Request(p.port, { path: "/api" })).status, 404);
  });

  it("answers a redirect with its status and location", async () => {
    const p = await start({
      routes: [{ match: { prefix: "/" }, redirect: { host_redirect: "new.test", response_code: "FOUND" } }],
    });
    const reply = await h1Request(p.port, { path: "/x", headers: { host: "old.test" } });
    assert.equal(reply.status, 302);
    assert.equal(reply.headers.location, "http://new.test/x");
  });

  it("answers a direct response with its status and body, flagged DR", async () => {
    const p = await start({
      routes: [{ match: { prefix: "/" }, direct_response: { status: 418, body: { inline_string: "teapot" } } }],
    });
    const record = p.nextRecord();
    const reply = await h1Request(p.port);
    assert.equal(reply.status, 418);
    assert.equal(reply.body.toString(), "teapot");
    assert.deepEqual((await record).responseFlags, ["DR"]);
    assert.equal((await record).bytesSent, 6);
  });

  it("answers 404 to a non-forwarding route", async () => {
    const p = await start({ routes: [{ match: { prefix: "/" }, non_forwarding_action: {} }] });
    assert.equal((await h1Request(p.port)).status, 404);
  });

  it("answers cluster_not_found_response_code, flagged NC, for an unknown cluster", async () => {
    const p = await start({ routes: [routeTo("ghost", { cluster_not_found_response_code: "NOT_FOUND" })] });
    const record = p.nextRecord();
    assert.equal((await h1Request(p.port)).status, 404);
    assert.deepEqual((await record).responseFlags, ["NC"]);
    assert.equal((await record).cluster, "ghost");
  });

  it("answers 503 UH when the cluster has no healthy endpoint", async () => {
    const p = await start({
      routes: [routeTo("sick")],
      // Panic mode off: with Envoy's default 50% threshold a cluster of unhealthy hosts would be
      // balanced over all of them instead.
      clusters: [
        {
          ...staticCluster("sick", { host: "127.0.0.1", port: backend.port, weight: 1, health: "UNHEALTHY" }),
          loadBalancing: { ...DEFAULT_LOAD_BALANCING, healthyPanicThreshold: 0 },
        },
      ],
    });
    const record = p.nextRecord();
    assert.equal((await h1Request(p.port)).status, 503);
    assert.deepEqual((await record).responseFlags, ["UH"]);
  });

  it("answers 503 UF when the endpoint refuses the connection", async () => {
    const port = await deadPort();
    const p = await start({
      routes: [routeTo("dead")],
      clusters: [staticCluster("dead", { host: "127.0.0.1", port, weight: 1, health: "HEALTHY" })],
    });
    const record = p.nextRecord();
    const reply = await h1Request(p.port, { method: "POST", body: "payload" });
    assert.equal(reply.status, 503);
    const r = await record;
    assert.deepEqual(r.responseFlags, ["UF"]);
    assert.equal(r.upstreamAddress, `127.0.0.1:${port}`);
    assert.equal(r.cluster, "dead");
  });

  it("answers 503 UR when the upstream resets before its headers", async () => {
    const rude = await startHttpBackend((req) => req.socket.destroy());
    after(() => rude.close());
    const p = await start({
      routes: [routeTo("rude")],
      clusters: [staticCluster("rude", { host: "127.0.0.1", port: rude.port, weight: 1, health: "HEALTHY" })],
    });
    const record = p.nextRecord();
    assert.equal((await h1Request(p.port)).status, 503);
    assert.deepEqual((await record).responseFlags, ["UR"]);
  });

  it("waits for a warming cluster's endpoints and then forwards", async () => {
    const p = await start({ routes: [routeTo("later")], clusters: [edsCluster("later")] });
    const reply = h1Request(p.port);
    setTimeout(() => {
      void p.clusters.update(
        [edsCluster("later")],
        new Map([
          [
            "later",
            {
              clusterName: "later",
              localities: [
                {
                  priority: 0,
                  weight: 1,
                  endpoints: [{ host: "127.0.0.1", port: backend.port, weight: 1, health: "HEALTHY" }],
                },
              ],
            },
          ],
        ]),
      );
    }, 50);
    const { status, body } = await reply;
    assert.equal(status, 200);
    assert.equal(body.toString(), "backend");
  });

  it("answers 503 UH when a warming cluster stays empty past the route timeout", async () => {
    const p = await start({ routes: [routeTo("never", { timeout: "0.1s" })], clusters: [edsCluster("never")] });
    const record = p.nextRecord();
    assert.equal((await h1Request(p.port)).status, 503);
    assert.deepEqual((await record).responseFlags, ["UH"]);
  });

  it("applies the route's response header mutations and sets server to weft", async () => {
    const p = await start({
      table: compileRouteTable(
        oneHost([
          {
            match: { prefix: "/" },
            route: { cluster: "web" },
            response_headers_to_add: [{ header: { key: "x-route", value: "r" } }],
            response_headers_to_remove: ["x-powered-by"],
          },
        ]),
      ),
      clusters: [web()],
    });
    const reply = await h1Request(p.port);
    assert.equal(reply.headers["x-route"], "r");
    assert.equal(reply.headers.server, "weft");
  });
});
