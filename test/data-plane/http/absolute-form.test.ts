import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { EnvHttpProxyAgent, ProxyAgent, request } from "undici";
import { ResponseFlag } from "../../../data-plane/src/observer/request-observer.js";
import { compileRouteTable } from "../../../data-plane/src/router/index.js";
import { type Json, routeConfiguration } from "../router/fixtures.js";
import { staticCluster } from "../upstream/backends.js";
import { echoHeaders, type Server, startHttpBackend, startProxy, type TestProxy } from "./harness.js";

/** A virtual host answering to a mesh service's names, as the sidecar's outbound listener has one per service. */
function serviceHost(name: string, port: number, route: Json = {}): Json {
  return {
    name,
    domains: [name, `${name}:${port}`, `${name}.mesh`, `${name}.mesh:${port}`],
    routes: [{ match: { prefix: "/" }, route: { cluster: name, ...route } }],
  };
}

interface RawReply {
  readonly head: string;
  readonly status: number;
  readonly body: string;
  /** Whether the proxy closed the connection after answering. */
  readonly closed: true;
}

/** Writes `text` on a fresh connection and reads until the proxy closes it (requests say Connection: close). */
function raw(port: number, text: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const reply = Buffer.concat(chunks).toString("latin1");
      const split = reply.indexOf("\r\n\r\n");
      const head = split === -1 ? reply : reply.slice(0, split);
      resolve({
        head,
        status: Number(head.split(" ")[1]),
        body: split === -1 ? "" : reply.slice(split + 4),
        closed: true,
      });
    });
  });
}

interface Echo {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

describe("absolute-form requests (HTTP_PROXY style)", () => {
  let catalog: Server;
  let pricing: Server;
  let proxy: TestProxy;
  let proxyUrl: string;

  before(async () => {
    catalog = await startHttpBackend(echoHeaders);
    pricing = await startHttpBackend(echoHeaders);
    proxy = await startProxy({
      table: compileRouteTable(
        routeConfiguration({
          name: "outbound",
          virtual_hosts: [
            serviceHost("catalog", 8080),
            serviceHost("pricing", 9090, { host_rewrite_literal: "pricing.internal", prefix_rewrite: "/v2/" }),
            {
              name: "elsewhere",
              domains: ["elsewhere"],
              routes: [{ match: { prefix: "/" }, direct_response: { status: 418, body: { inline_string: "host" } } }],
            },
          ],
        }),
      ),
      clusters: [
        staticCluster("catalog", { host: "127.0.0.1", port: catalog.port, weight: 1, health: "HEALTHY" }),
        staticCluster("pricing", { host: "127.0.0.1", port: pricing.port, weight: 1, health: "HEALTHY" }),
      ],
    });
    proxyUrl = `http://127.0.0.1:${proxy.port}`;
  });
  after(async () => {
    await proxy.close();
    await catalog.close();
    await pricing.close();
  });

  it("routes undici's ProxyAgent request by the URL's name and sends it upstream in origin-form", async () => {
    const agent = new ProxyAgent({ uri: proxyUrl, proxyTunnel: false });
    try {
      const recorded = proxy.nextRecord();
      const res = await request("http://catalog/items?page=2", { dispatcher: agent });
      assert.equal(res.statusCode, 200);
      const seen = (await res.body.json()) as Echo;
      assert.equal(seen.method, "GET");
      assert.equal(seen.path, "/items?page=2");
      assert.equal(seen.headers.host, "catalog");
      const record = await recorded;
      assert.equal(record.authority, "catalog");
      assert.equal(record.path, "/items?page=2");
      assert.equal(record.cluster, "catalog");
    } finally {
      await agent.close();
    }
  });

  it("serves undici's EnvHttpProxyAgent given the proxy as its HTTP proxy", async () => {
    const agent = new EnvHttpProxyAgent({ httpProxy: proxyUrl, noProxy: "", proxyTunnel: false });
    try {
      const res = await request("http://catalog.mesh:8080/items", { dispatcher: agent });
      assert.equal(res.statusCode, 200);
      const seen = (await res.body.json()) as Echo;
      assert.equal(seen.path, "/items");
      assert.equal(seen.headers.host, "catalog.mesh:8080");
    } finally {
      await agent.close();
    }
  });

  it("refuses undici's default tunnelling ProxyAgent with 403 to its CONNECT, leaving the proxy serving", async () => {
    const agent = new ProxyAgent({ uri: proxyUrl });
    try {
      const recorded = proxy.nextRecord();
      await assert.rejects(request("http://catalog/items", { dispatcher: agent }), { code: "UND_ERR_ABORTED" });
      const record = await recorded;
      assert.equal(record.method, "CONNECT");
      assert.equal(record.status, 403);
      assert.equal(record.cluster, undefined);
    } finally {
      await agent.close();
    }
  });

  it("takes the authority from the URL, not from a Host header that names another virtual host", async () => {
    const reply = await raw(
      proxy.port,
      "GET http://catalog:8080/items HTTP/1.1\r\nHost: elsewhere\r\nConnection: close\r\n\r\n",
    );
    assert.equal(reply.status, 200);
    const seen = JSON.parse(reply.body) as Echo;
    assert.equal(seen.path, "/items");
    assert.equal(seen.headers.host, "catalog:8080");
  });

  it("accepts an absolute-form request without a Host header", async () => {
    const reply = await raw(proxy.port, "GET http://catalog/ HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.equal(reply.status, 200);
    assert.equal((JSON.parse(reply.body) as Echo).headers.host, "catalog");
  });

  it("still answers an origin-form HTTP/1.1 request without a Host header 400, and records it", async () => {
    const recorded = proxy.nextRecord();
    const reply = await raw(proxy.port, "GET /items HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.equal(reply.status, 400);
    assert.equal((await recorded).status, 400);
  });

  it("reaches a service by NAME, NAME:PORT, NAME.mesh and NAME.mesh:PORT, and by a port no domain lists", async () => {
    for (const authority of ["catalog", "catalog:8080", "catalog.mesh", "catalog.mesh:8080", "CATALOG.mesh:7000"]) {
      const recorded = proxy.nextRecord();
      const reply = await raw(proxy.port, `GET http://${authority}/x HTTP/1.1\r\nConnection: close\r\n\r\n`);
      assert.equal(reply.status, 200, authority);
      assert.equal((JSON.parse(reply.body) as Echo).headers.host, authority);
      assert.equal((await recorded).cluster, "catalog", authority);
    }
  });

  it("answers a name no virtual host lists 404 with no route", async () => {
    const recorded = proxy.nextRecord();
    const reply = await raw(
      proxy.port,
      "GET http://inventory/x HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\n\r\n",
    );
    assert.equal(reply.status, 404);
    const record = await recorded;
    assert.equal(record.authority, "inventory");
    assert.deepEqual(record.responseFlags, [ResponseFlag.noRoute]);
  });

  it("applies the route's host and prefix rewrites to what the URL gave", async () => {
    const reply = await raw(proxy.port, "GET http://pricing:9090/quote?sku=1 HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.equal(reply.status, 200);
    const seen = JSON.parse(reply.body) as Echo;
    assert.equal(seen.path, "/v2/quote?sku=1");
    assert.equal(seen.headers.host, "pricing.internal");
  });

  it("sends an empty path as /, before a query too", async () => {
    const bare = await raw(proxy.port, "OPTIONS http://catalog HTTP/1.1\r\nConnection: close\r\n\r\n");
    const seen = JSON.parse(bare.body) as Echo;
    assert.equal(seen.method, "OPTIONS");
    assert.equal(seen.path, "/");
    const query = await raw(proxy.port, "GET http://catalog?q=1 HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.equal((JSON.parse(query.body) as Echo).path, "/?q=1");
  });

  it("refuses an https:// target with 403 and forwards nothing", async () => {
    const recorded = proxy.nextRecord();
    const reply = await raw(proxy.port, "GET https://catalog/items HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.equal(reply.status, 403);
    assert.equal((await recorded).cluster, undefined);
  });

  it("answers CONNECT 403 and closes the connection", async () => {
    const recorded = proxy.nextRecord();
    const reply = await raw(proxy.port, "CONNECT catalog:8080 HTTP/1.1\r\nHost: catalog:8080\r\n\r\n");
    assert.equal(reply.status, 403);
    assert.match(reply.head, /\r\nconnection: close/i);
    assert.ok(reply.body.length > 0);
    const record = await recorded;
    assert.equal(record.method, "CONNECT");
    assert.equal(record.status, 403);
  });

  it("answers an HTTP/2 CONNECT 403 too", async () => {
    const session = http2.connect(proxyUrl);
    const recorded = proxy.nextRecord();
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const stream = session.request({ ":method": "CONNECT", ":authority": "catalog:8080" }, { endStream: false });
        stream.on("response", (headers) => resolve(headers[":status"]));
        stream.on("error", reject);
      });
      assert.equal(status, 403);
    } finally {
      session.destroy();
    }
    // The stream (the client's side stays open, as a tunnel's would) ends with the session.
    const record = await recorded;
    assert.equal(record.method, "CONNECT");
    assert.equal(record.protocol, "HTTP/2");
  });

  for (const target of [
    "ftp://catalog/x",
    "http://user:secret@catalog/x",
    "http:///x",
    "http://catalog:port/x",
    "http://[::1/x",
    "http://catalog:99999/x",
    "http://[::1]:65536/x",
  ]) {
    it(`answers the malformed target ${target} 400`, async () => {
      const recorded = proxy.nextRecord();
      const reply = await raw(proxy.port, `GET ${target} HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\n\r\n`);
      assert.equal(reply.status, 400);
      const record = await recorded;
      assert.equal(record.status, 400);
      assert.equal(record.cluster, undefined);
    });
  }
});
