// The outbound listener's answer to a host naming no mesh Service: the router's 404 NR, whose body
// the connection manager's local_reply_config writes naming the host (docs/mesh.md, "Outbound
// routes"); and the local reply rewrite itself, as Envoy orders it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  compileOutbound,
  compileOutboundListener,
  UNKNOWN_HOST_BODY,
} from "../../../control-plane/src/mesh/compiler/index.js";
import { Cursor } from "../../../data-plane/src/config/common.js";
import {
  buildConfigSet,
  buildListener,
  ConfigError,
  type RuntimeRouteConfig,
} from "../../../data-plane/src/config/index.js";
import type { RuntimeHttp } from "../../../data-plane/src/config/listener.js";
import { buildLocalReply } from "../../../data-plane/src/config/local-reply.js";
import { ProxyErrorCode } from "../../../data-plane/src/errors.js";
import { rewriteLocalReply } from "../../../data-plane/src/http/local-reply.js";
import type { LocalReplyConfig } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import { decodeJson, TypeUrl } from "../../../proto/index.js";
import { stateOf } from "../../control-plane/mesh/compiler/both-planes.js";
import { httpRoute, service } from "../../control-plane/mesh/mesh-documents.js";
import { h1Request, startProxy, type TestProxy } from "./harness.js";

const LOCAL_REPLY_CONFIG = "envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig";
const localReply = (json: Record<string, unknown>) =>
  buildLocalReply(
    new Cursor("listener", "test"),
    "local_reply_config",
    decodeJson<LocalReplyConfig>(LOCAL_REPLY_CONFIG, json),
  );

describe("the unknown host's 404 through the outbound listener", () => {
  let proxy: TestProxy;
  before(async () => {
    const state = stateOf(service("catalog"), httpRoute("catalog", "catalog", [["catalog", 1]]));
    const out = compileOutbound(state);
    const built = buildConfigSet(TypeUrl.route, [{ name: out.routes.name, resource: out.routes.message }]);
    assert.ok(built.ok);
    const routes = built.set.resources[0] as RuntimeRouteConfig;
    const http = buildListener(compileOutboundListener({ host: "127.0.0.1", port: 15001 }).message).http as RuntimeHttp;
    proxy = await startProxy({ table: routes.routeTable, http });
  });
  after(() => proxy.close());

  test("a Host naming no Service gets 404 with a body naming that host and weft get services", async () => {
    const record = proxy.nextRecord();
    const reply = await h1Request(proxy.port, { headers: { host: "ghost:8080" } });
    assert.equal(reply.status, 404);
    assert.equal(reply.headers["content-type"], "text/plain");
    assert.equal(reply.body.toString(), UNKNOWN_HOST_BODY.replace("%REQ(:AUTHORITY)%", "ghost:8080"));
    assert.match(reply.body.toString(), /weft get services/);
    assert.deepEqual((await record).responseFlags, ["NR"]);
  });

  test("an absolute-form request names the URL's host, not the Host header", async () => {
    const reply = await h1Request(proxy.port, { path: "http://nowhere.mesh/items", headers: { host: "other" } });
    assert.equal(reply.status, 404);
    assert.match(reply.body.toString(), /host nowhere\.mesh;/);
  });

  test("a known host whose routes match nothing gets the route's plain 404, not the unknown-host body", async () => {
    const reply = await h1Request(proxy.port, { path: "/nothing-matches", headers: { host: "catalog" } });
    assert.equal(reply.status, 404);
    assert.equal(reply.body.length, 0);
  });
});

describe("local reply rewrite", () => {
  const request = (headers: Record<string, string>) => (name: string) => headers[name];

  test("the first mapper matching a flag sets body then status, and its format sees the new status", () => {
    const config = localReply({
      mappers: [
        { filter: { response_flag_filter: { flags: ["UH"] } }, status_code: 503, body: { inline_string: "never" } },
        {
          filter: { response_flag_filter: { flags: ["NR", "NC"] } },
          status_code: 410,
          body: { inline_string: "gone" },
          body_format_override: { text_format: "%LOCAL_REPLY_BODY%:%RESPONSE_CODE%:%REQ(:path)%" },
        },
      ],
    });
    const reply = rewriteLocalReply(
      config,
      { status: 404, body: undefined, contentType: undefined },
      ["NR"],
      request({ ":path": "/x" }),
    );
    assert.deepEqual(reply, { status: 410, body: "gone:410:/x", contentType: "text/plain" });
  });

  test("a mapper with no flags matches any flagged reply but not an unflagged one; body_format applies to every reply", () => {
    const config = localReply({
      mappers: [{ filter: { response_flag_filter: {} }, status_code: 500 }],
      body_format: { text_format_source: { inline_string: "[%LOCAL_REPLY_BODY%]" }, content_type: "text/x-weft" },
    });
    assert.deepEqual(
      rewriteLocalReply(
        config,
        { status: 503, body: "no healthy upstream", contentType: undefined },
        ["UH"],
        request({}),
      ),
      {
        status: 500,
        body: "[no healthy upstream]",
        contentType: "text/x-weft",
      },
    );
    assert.deepEqual(
      rewriteLocalReply(config, { status: 400, body: "missing host header", contentType: undefined }, [], request({})),
      {
        status: 400,
        body: "[missing host header]",
        contentType: "text/x-weft",
      },
    );
  });

  test("REQ takes the first of two headers present, cuts to its length, and writes - for an absent one", () => {
    const config = localReply({ body_format: { text_format: "%REQ(x-a?x-b):3%|%REQ(x-c)%" } });
    const reply = rewriteLocalReply(
      config,
      { status: 404, body: undefined, contentType: undefined },
      [],
      request({ "x-b": "abcdef" }),
    );
    assert.equal(reply.body, "abc|-");
  });

  test("the proxy's config builder refuses a format it cannot fill in", () => {
    assert.throws(
      () => localReply({ body_format: { text_format: "%UPSTREAM_HOST%" } }),
      (error: unknown) => error instanceof ConfigError && error.code === ProxyErrorCode.configInvalidValue,
    );
    assert.throws(
      () => localReply({ mappers: [{ status_code: 404 }] }),
      (error: unknown) => error instanceof ConfigError && error.code === ProxyErrorCode.configUnsupportedFeature,
    );
  });
});
