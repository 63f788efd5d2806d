// The RBAC HTTP filter as raw listener config: built from Envoy's JSON, then run by the HTTP
// handler over real sockets: a denied request is answered 403 "RBAC: access denied" before any
// route or upstream (gRPC: PERMISSION_DENIED), each decision is reported, LOG lets everything
// through, and malformed policies are NACKed with their field.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { ConfigErrorCode } from "../../../data-plane/src/config/errors.js";
import { buildListener, type RuntimeHttp } from "../../../data-plane/src/config/index.js";
import { httpListener, type Json, listener, ROUTER_FILTER } from "../config/fixtures.js";
import { staticCluster } from "../upstream/backends.js";
import { h1Request, routeTo, type Server, startHttpBackend, startProxy, type TestProxy } from "./harness.js";

const RBAC = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";

function rbacFilter(name: string, rules: Json | undefined): Json {
  return { name, typed_config: { "@type": RBAC, ...(rules === undefined ? {} : { rules }) } };
}

/** The connection manager of a listener whose http_filters are `filters` then the router. */
function httpWith(...filters: Json[]): RuntimeHttp {
  return buildListener(listener(httpListener({ http_filters: [...filters, ROUTER_FILTER] }))).http as RuntimeHttp;
}

describe("the RBAC HTTP filter", () => {
  let backend: Server;
  const proxies: TestProxy[] = [];
  before(async () => {
    backend = await startHttpBackend((_req, res) => res.end("backend"));
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await backend.close();
  });
  const start = async (http: RuntimeHttp): Promise<TestProxy> => {
    const web = staticCluster("web", { host: "127.0.0.1", port: backend.port, weight: 1, health: "HEALTHY" });
    const p = await startProxy({ routes: [routeTo("web")], clusters: [web], http });
    proxies.push(p);
    return p;
  };

  it("DENY: a matching request gets 403 RBAC: access denied, the rest reach the backend", async () => {
    const deny = rbacFilter("deny-admin", {
      action: "DENY",
      policies: {
        admin: {
          permissions: [{ url_path: { path: { prefix: "/admin" } } }],
          principals: [{ direct_remote_ip: { address_prefix: "127.0.0.0", prefix_len: 8 } }],
        },
      },
    });
    const p = await start(httpWith(deny));
    const denied = await h1Request(p.port, { path: "/admin/users?x=1" });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.toString(), "RBAC: access denied");
    const record = p.records.at(-1);
    assert.equal(record?.cluster, undefined, "no route or upstream was tried");
    const ok = await h1Request(p.port, { path: "/items" });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), "backend");
  });

  it("ALLOW: only requests a policy matches pass; a gRPC call refused gets PERMISSION_DENIED", async () => {
    const allow = rbacFilter("allow-get", {
      action: "ALLOW",
      policies: {
        reads: {
          permissions: [{ header: { name: ":method", string_match: { exact: "GET" } } }],
          principals: [{ any: true }],
        },
      },
    });
    const p = await start(httpWith(allow));
    assert.equal((await h1Request(p.port, { method: "GET" })).status, 200);
    assert.equal((await h1Request(p.port, { method: "POST", body: "x" })).status, 403);
    const session = http2.connect(`http://127.0.0.1:${p.port}`);
    try {
      const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/pkg.Svc/Call",
          "content-type": "application/grpc",
          te: "trailers",
        });
        stream.on("response", (headers) => {
          if (headers["grpc-status"] !== undefined) resolve(headers);
        });
        stream.on("trailers", resolve);
        stream.on("error", reject);
        stream.end();
        stream.resume();
      });
      assert.equal(trailers["grpc-status"], "7", "PERMISSION_DENIED");
    } finally {
      session.close();
    }
  });

  it("LOG, and a filter without rules, let everything through", async () => {
    const log = rbacFilter("log", {
      action: "LOG",
      policies: { all: { permissions: [{ any: true }], principals: [{ any: true }] } },
    });
    const p = await start(httpWith(log, rbacFilter("no-rules", undefined)));
    assert.equal((await h1Request(p.port)).status, 200);
  });

  it("NACKs a policy without principals, naming its field", () => {
    const bad = rbacFilter("bad", {
      action: "ALLOW",
      policies: { p: { permissions: [{ any: true }], principals: [] } },
    });
    assert.throws(
      () => httpWith(bad),
      (error: { code?: string; field?: string }) =>
        error.code === ConfigErrorCode.missingField &&
        error.field ===
          'filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.rules.policies["p"].principals',
    );
  });
});
