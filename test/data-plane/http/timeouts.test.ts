import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { compileRouteTable } from "../../../data-plane/src/router/index.js";
import { gate } from "../listeners/helpers.js";
import { oneHost } from "../router/fixtures.js";
import { staticCluster } from "../upstream/backends.js";
import { h1Request, routeTo, type Server, startHttpBackend, startProxy, type TestProxy } from "./harness.js";

describe("timeouts and the route table a request keeps", () => {
  let backend: Server;
  const release = gate();
  let arrived = gate();
  const proxies: TestProxy[] = [];
  const start = async (
    routes: Parameters<typeof routeTo>[1] = {},
    http?: Parameters<typeof startProxy>[0]["http"],
  ): Promise<TestProxy> => {
    const p = await startProxy({
      ...(http === undefined ? {} : { http }),
      routes: [routeTo("web", routes)],
      clusters: [staticCluster("web", { host: "127.0.0.1", port: backend.port, weight: 1, health: "HEALTHY" })],
    });
    proxies.push(p);
    return p;
  };

  before(async () => {
    backend = await startHttpBackend((req, res) => {
      if (req.url === "/slow") {
        arrived.open();
        void release.wait.then(() => res.end("late"));
      } else if (req.url === "/stall") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first");
        arrived.open();
        void release.wait.then(() => res.end("rest"));
      } else {
        res.end(req.url);
      }
    });
  });
  after(async () => {
    release.open();
    await Promise.all(proxies.map((p) => p.close()));
    await backend.close();
  });

  it("answers 504 UT when the upstream has not answered within the route timeout", async () => {
    const p = await start({ timeout: "0.1s" });
    const record = p.nextRecord();
    assert.equal((await h1Request(p.port, { path: "/slow" })).status, 504);
    const r = await record;
    assert.deepEqual(r.responseFlags, ["UT"]);
    assert.equal(r.status, 504);
    assert.equal(r.upstreamDurationMs, undefined);
  });

  it("the stream idle timeout ends a request without a route timeout, or with a longer one, as SI", async () => {
    for (const timeout of ["0s", "10s"]) {
      const p = await start({ timeout }, { streamIdleTimeoutMs: 100 });
      const record = p.nextRecord();
      const reply = await h1Request(p.port, { path: "/slow" });
      assert.ok(reply.status >= 400, `route timeout ${timeout}: ${reply.status}`);
      assert.ok((await record).responseFlags.includes("SI"), `route timeout ${timeout}`);
    }
  });

  it("resets the downstream when the timeout passes after the response started, flagged LR and UT", async () => {
    arrived = gate();
    const p = await start({ timeout: "0.2s" });
    const record = p.nextRecord();
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port: p.port, path: "/stall", agent: false }, (res) => {
        res.on("data", () => undefined);
        res.on("end", () => resolve("complete"));
        res.on("error", () => resolve("reset"));
        res.on("aborted", () => resolve("reset"));
      });
      req.on("error", () => resolve("reset"));
    });
    assert.equal(outcome, "reset");
    const r = await record;
    assert.equal(r.status, 200);
    assert.deepEqual([...r.responseFlags].sort(), ["LR", "UT"]);
    assert.ok(r.upstreamDurationMs !== undefined);
  });

  it("keeps the route table it started with when a new one is swapped in mid-request", async () => {
    arrived = gate();
    const p = await start({ prefix_rewrite: "/slow" });
    const reply = h1Request(p.port, { path: "/" });
    await arrived.wait;
    p.setTable(compileRouteTable(oneHost([{ match: { prefix: "/" }, direct_response: { status: 410 } }])));
    assert.equal((await h1Request(p.port)).status, 410);
    release.open();
    const { status, body } = await reply;
    assert.equal(status, 200);
    assert.equal(body.toString(), "late");
  });
});
