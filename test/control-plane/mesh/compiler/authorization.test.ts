// AuthorizationPolicies compiled into RBAC filters on a Service's inbound listener, accepted by
// both planes, and what the proxy then decides for callers with and without certificates.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AUTHZ_ALLOW_FILTER,
  AUTHZ_DENY_FILTER,
  authorizationFilters,
  compileInbound,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import type { RuntimeListener } from "../../../../data-plane/src/config/index.js";
import { authorize, type RuntimeRbac } from "../../../../data-plane/src/config/rbac.js";
import { RequestView } from "../../../../data-plane/src/router/request.js";
import type { DownstreamPeer } from "../../../../data-plane/src/tls/index.js";
import { type Doc, service } from "../mesh-documents.js";
import { assertBothPlanesAccept, stateOf } from "./both-planes.js";

function policy(name: string, spec: Record<string, unknown>): Doc {
  return {
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    metadata: { name },
    spec: { targetRefs: [{ kind: "Service", name: "catalog" }], ...spec },
  };
}

function peer(service: string): DownstreamPeer {
  return {
    sans: { URI: [`spiffe://weft.local/service/${service}`], DNS: [], EMAIL: [], IP_ADDRESS: [] },
    subject: "",
    hash: "00",
    der: Buffer.alloc(0),
    localUri: undefined,
  };
}

/** The inbound listener's RBAC filters for catalog under `policies`. */
function filtersOf(...policies: Doc[]): readonly RuntimeRbac[] {
  const state = stateOf(
    service("catalog", [
      { name: "http", port: 8080 },
      { name: "admin", port: 9090 },
    ]),
    ...policies,
  );
  const inbound = compileInbound({
    listen: { host: "127.0.0.1", port: 15006 },
    app: { host: "127.0.0.1", port: 3000 },
    protocol: "http",
    authorization: authorizationFilters(state, "catalog", [8080, 9090]),
  });
  const listener = assertBothPlanesAccept(inbound.listener) as RuntimeListener;
  return listener.http?.rbac ?? [];
}

/** Whether every filter lets a call through. */
function allowed(
  filters: readonly RuntimeRbac[],
  call: { from?: string; method?: string; path?: string; authority?: string },
): boolean {
  const headers = new Map([[":method", call.method ?? "GET"]]);
  const view = new RequestView({
    authority: call.authority ?? "catalog",
    path: call.path ?? "/items",
    headers: (name) => (name === ":authority" ? (call.authority ?? "catalog") : headers.get(name)),
  });
  const request = {
    view,
    destinationPort: 15006,
    peer: call.from === undefined ? undefined : peer(call.from),
    remoteIp: "127.0.0.1",
  };
  return filters.every((filter) => authorize(filter, request).allowed);
}

describe("mesh compiler: authorization policies", () => {
  test("no policy: no filter, every call allowed", () => {
    assert.deepEqual(filtersOf(), []);
  });

  test("ALLOW from web only: web passes, another service and a caller without a certificate do not", () => {
    const filters = filtersOf(
      policy("web-only", {
        action: "ALLOW",
        rules: [{ from: [{ source: { principals: ["weft.local/service/web"] } }] }],
      }),
    );
    assert.deepEqual(
      filters.map((f) => f.name),
      [AUTHZ_ALLOW_FILTER],
    );
    assert.equal(allowed(filters, { from: "web" }), true);
    assert.equal(allowed(filters, { from: "intruder" }), false);
    assert.equal(allowed(filters, {}), false);
  });

  test("DENY runs first and wins; operations match methods, paths (prefix) and ports", () => {
    const filters = filtersOf(
      policy("allow-all-mesh", { rules: [{ from: [{ source: { principals: ["*"] } }] }] }),
      policy("no-admin", {
        action: "DENY",
        rules: [{ to: [{ operation: { paths: ["/admin/*"], methods: ["POST", "DELETE"] } }] }],
      }),
      policy("no-9090", { action: "DENY", rules: [{ to: [{ operation: { ports: ["9090"] } }] }] }),
    );
    assert.deepEqual(
      filters.map((f) => f.name),
      [AUTHZ_DENY_FILTER, AUTHZ_ALLOW_FILTER],
    );
    assert.equal(allowed(filters, { from: "web", method: "POST", path: "/admin/users" }), false);
    assert.equal(allowed(filters, { from: "web", method: "GET", path: "/admin/users" }), true);
    assert.equal(allowed(filters, { from: "web", authority: "catalog:9090" }), false);
    assert.equal(allowed(filters, { from: "web", authority: "catalog:8080" }), true);
    assert.equal(allowed(filters, { from: "web", authority: "catalog" }), true, "no port: the first port");
    assert.equal(allowed(filters, {}), false, "`*` principals need a certificate");
  });

  test("notPrincipals and an ALLOW policy without rules", () => {
    const except = filtersOf(
      policy("not-intruder", { rules: [{ from: [{ source: { notPrincipals: ["*/intruder"] } }] }] }),
    );
    assert.equal(allowed(except, { from: "web" }), true);
    assert.equal(allowed(except, { from: "intruder" }), false);
    const nothing = filtersOf(policy("nobody", { action: "ALLOW" }));
    assert.equal(allowed(nothing, { from: "web" }), false, "an ALLOW policy without rules allows nothing");
  });
});
