import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { staticCluster } from "../upstream/backends.js";
import {
  echoHeaders,
  h1Request,
  json,
  routeTo,
  type Server,
  startHttpBackend,
  startProxy,
  type TestProxy,
} from "./harness.js";

describe("request headers sent upstream", () => {
  let backend: Server;
  const proxies: TestProxy[] = [];
  const proxy = async (
    http: Parameters<typeof startProxy>[0]["http"] = {},
    route = routeTo("web"),
  ): Promise<TestProxy> => {
    const p = await startProxy({
      routes: [route],
      clusters: [staticCluster("web", { host: "127.0.0.1", port: backend.port, weight: 1, health: "HEALTHY" })],
      http,
    });
    proxies.push(p);
    return p;
  };

  before(async () => {
    backend = await startHttpBackend(echoHeaders);
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await backend.close();
  });

  it("drops hop-by-hop headers and every header the Connection header names", async () => {
    const p = await proxy();
    const seen = json(
      await h1Request(p.port, {
        headers: {
          connection: "keep-alive, x-secret",
          "keep-alive": "timeout=5",
          "proxy-connection": "keep-alive",
          "x-secret": "s",
          te: "gzip",
          "x-kept": "k",
        },
      }),
    ).headers;
    for (const name of ["keep-alive", "proxy-connection", "x-secret", "te", "upgrade"]) {
      assert.equal(seen[name], undefined, name);
    }
    assert.equal(seen["x-kept"], "k");
  });

  it("keeps te only as te: trailers", async () => {
    const p = await proxy();
    const seen = json(await h1Request(p.port, { headers: { te: "trailers, deflate" } })).headers;
    assert.equal(seen.te, "trailers");
  });

  it("sends the authority as host and the method and path unchanged", async () => {
    const p = await proxy();
    const seen = json(
      await h1Request(p.port, { method: "DELETE", path: "/a/b?c=1", headers: { host: "shop.test:81" } }),
    );
    assert.equal(seen.method, "DELETE");
    assert.equal(seen.path, "/a/b?c=1");
    assert.equal(seen.headers.host, "shop.test:81");
  });

  it("replaces the authority with host_rewrite_literal and rewrites the path with prefix_rewrite", async () => {
    const p = await proxy(
      {},
      {
        match: { prefix: "/api/" },
        route: { cluster: "web", host_rewrite_literal: "internal.svc", prefix_rewrite: "/v2/" },
      },
    );
    const seen = json(await h1Request(p.port, { path: "/api/items" }));
    assert.equal(seen.headers.host, "internal.svc");
    assert.equal(seen.path, "/v2/items");
  });

  it("generates an x-request-id when the request has none and keeps the client's otherwise", async () => {
    const p = await proxy();
    const generated = json(await h1Request(p.port)).headers["x-request-id"];
    assert.match(String(generated), /^[0-9a-f-]{36}$/);
    const kept = json(await h1Request(p.port, { headers: { "x-request-id": "abc" } })).headers["x-request-id"];
    assert.equal(kept, "abc");
  });

  it("replaces an external x-request-id at the edge unless told to preserve it", async () => {
    const edge = await proxy({ useRemoteAddress: true });
    assert.notEqual(
      json(await h1Request(edge.port, { headers: { "x-request-id": "abc" } })).headers["x-request-id"],
      "abc",
    );
    const preserving = await proxy({ useRemoteAddress: true, preserveExternalRequestId: true });
    assert.equal(
      json(await h1Request(preserving.port, { headers: { "x-request-id": "abc" } })).headers["x-request-id"],
      "abc",
    );
  });

  it("adds no x-request-id when generate_request_id is off", async () => {
    const p = await proxy({ generateRequestId: false });
    assert.equal(json(await h1Request(p.port)).headers["x-request-id"], undefined);
  });

  it("records the request id it sent upstream", async () => {
    const p = await proxy();
    const record = p.nextRecord();
    const sent = json(await h1Request(p.port)).headers["x-request-id"];
    assert.equal((await record).requestId, sent);
  });

  it("appends the peer address to x-forwarded-for at the edge", async () => {
    const edge = await proxy({ useRemoteAddress: true });
    assert.equal(json(await h1Request(edge.port)).headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(
      json(await h1Request(edge.port, { headers: { "x-forwarded-for": "10.0.0.1" } })).headers["x-forwarded-for"],
      "10.0.0.1, 127.0.0.1",
    );
  });

  it("leaves x-forwarded-for alone with skip_xff_append or away from the edge", async () => {
    const skipping = await proxy({ useRemoteAddress: true, skipXffAppend: true });
    assert.equal(
      json(await h1Request(skipping.port, { headers: { "x-forwarded-for": "10.0.0.1" } })).headers["x-forwarded-for"],
      "10.0.0.1",
    );
    const inner = await proxy();
    assert.equal(json(await h1Request(inner.port)).headers["x-forwarded-for"], undefined);
  });

  it("sets x-forwarded-proto to http when absent and keeps a trusted one", async () => {
    const p = await proxy();
    assert.equal(json(await h1Request(p.port)).headers["x-forwarded-proto"], "http");
    assert.equal(
      json(await h1Request(p.port, { headers: { "x-forwarded-proto": "https" } })).headers["x-forwarded-proto"],
      "https",
    );
  });

  it("passes traceparent and tracestate through untouched", async () => {
    const p = await proxy();
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const seen = json(await h1Request(p.port, { headers: { traceparent, tracestate: "vendor=a,other=b" } })).headers;
    assert.equal(seen.traceparent, traceparent);
    assert.equal(seen.tracestate, "vendor=a,other=b");
  });

  it("appends the configured via", async () => {
    const p = await proxy({ via: "weft-edge" });
    assert.equal(json(await h1Request(p.port, { headers: { via: "1.1 cdn" } })).headers.via, "1.1 cdn, weft-edge");
  });

  it("applies the route's request header additions and removals with each append action", async () => {
    const route = routeTo(
      "web",
      {},
      {
        request_headers_to_remove: ["x-drop"],
        request_headers_to_add: [
          { header: { key: "x-append", value: "new" }, append_action: "APPEND_IF_EXISTS_OR_ADD" },
          { header: { key: "x-absent", value: "added" }, append_action: "ADD_IF_ABSENT" },
          { header: { key: "x-present", value: "ignored" }, append_action: "ADD_IF_ABSENT" },
          { header: { key: "x-over", value: "replaced" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
          { header: { key: "x-only-if", value: "nope" }, append_action: "OVERWRITE_IF_EXISTS" },
          { header: { key: "x-only-if-there", value: "yes" }, append_action: "OVERWRITE_IF_EXISTS" },
          { header: { key: "x-empty", value: "" } },
          { header: { key: "x-empty-kept", value: "" }, keep_empty_value: true },
        ],
      },
    );
    const p = await proxy({}, route);
    const seen = json(
      await h1Request(p.port, {
        headers: { "x-drop": "1", "x-append": "old", "x-present": "mine", "x-over": "old", "x-only-if-there": "old" },
      }),
    ).headers;
    assert.equal(seen["x-drop"], undefined);
    assert.equal(seen["x-append"], "old, new");
    assert.equal(seen["x-absent"], "added");
    assert.equal(seen["x-present"], "mine");
    assert.equal(seen["x-over"], "replaced");
    assert.equal(seen["x-only-if"], undefined);
    assert.equal(seen["x-only-if-there"], "yes");
    assert.equal(seen["x-empty"], undefined);
    assert.equal(seen["x-empty-kept"], "");
  });
});
