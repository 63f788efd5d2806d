// The outbound side of a view, from mesh documents to what the proxy's router decides: virtual
// hosts per Service port answering to the Service's names, routes from attached HTTPRoutes and
// GRPCRoutes in Gateway API's precedence, the default route with the mesh's retries, the 404 for
// unknown hosts, and the clusters the routes send to; all accepted by both planes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileOutbound,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_ON,
  type MeshState,
  OUTBOUND_ROUTES,
  type Outbound,
  RULE_RETRY_ON,
  UNKNOWN_HOST_BODY,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import type { RuntimeRouteConfig } from "../../../../data-plane/src/config/index.js";
import type { RouteDecision } from "../../../../data-plane/src/router/index.js";
import { HeaderValueOption_HeaderAppendAction } from "../../../../proto/gen/envoy/config/core/v3/base.js";
import { changed, type Doc, destinationRule, grpcRoute, httpRoute, service } from "../mesh-documents.js";
import { assertBothPlanesAccept, stateOf } from "./both-planes.js";

function outbound(state: MeshState, services?: string[]): { out: Outbound; table: RuntimeRouteConfig["routeTable"] } {
  const out = compileOutbound(state, { services });
  for (const resource of [out.routes, ...out.clusters, ...out.endpoints]) assertBothPlanesAccept(resource);
  const built = assertBothPlanesAccept(out.routes) as RuntimeRouteConfig;
  return { out, table: built.routeTable };
}

function decide(
  table: RuntimeRouteConfig["routeTable"],
  authority: string,
  path = "/",
  headers: Record<string, string> = {},
): RouteDecision | undefined {
  return table.match({ authority, path, headers: new Map(Object.entries(headers)) });
}

/** The route's own 404 for a request no rule of an attached route matches (not the unknown host's no-route). */
const NOT_MATCHED = "404 from the port's last route";

function outcome(decision: RouteDecision | undefined): string | undefined {
  if (
    decision?.action.type === "directResponse" &&
    decision.action.status === 404 &&
    decision.action.body === undefined
  )
    return NOT_MATCHED;
  return forwardedTo(decision);
}

function forwardedTo(decision: RouteDecision | undefined): string | undefined {
  return decision?.action.type === "forward" ? decision.action.cluster : undefined;
}

function route(name: string, parent: Doc["parentRef"], rules: Doc[]): Doc {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name },
    spec: { parentRefs: [{ kind: "Service", ...(parent as Doc) }], rules },
  };
}

const SHOP = [
  service("catalog", [
    { name: "http", port: 8080 },
    { name: "admin", port: 9000 },
    { name: "db", port: 5432, appProtocol: "tcp" },
  ]),
  service("catalog-v1", [{ name: "http", port: 8080 }], { app: "catalog", version: "v1" }),
  service("catalog-v2", [{ name: "http", port: 8080 }], { app: "catalog", version: "v2" }),
  service("pricing", [{ name: "grpc", port: 9090, appProtocol: "grpc" }]),
];

describe("mesh compiler: outbound routes", () => {
  test("a Service port answers to NAME:PORT and NAME.mesh:PORT, its first HTTP port also to NAME and NAME.mesh", () => {
    const { out, table } = outbound(stateOf(...SHOP));
    assert.equal(out.routes.name, OUTBOUND_ROUTES);
    for (const host of ["catalog", "catalog.mesh", "catalog:8080", "CATALOG.mesh:8080"]) {
      assert.equal(forwardedTo(decide(table, host)), "outbound|8080||catalog", host);
    }
    for (const host of ["catalog:9000", "catalog.mesh:9000"]) {
      assert.equal(forwardedTo(decide(table, host)), "outbound|9000||catalog", host);
    }
    assert.equal(forwardedTo(decide(table, "pricing")), "outbound|9090||pricing");
    const hosts = out.routes.message.virtualHosts.map((v) => v.name);
    assert.ok(!hosts.includes("outbound|5432||catalog"), "a tcp port has no virtual host");
  });

  test("a host naming no callable Service finds no route (404 NR, whose body the outbound listener names the host in)", () => {
    const { table } = outbound(stateOf(...SHOP), ["pricing"]);
    for (const host of ["nothing", "catalog", "catalog.mesh:8080"]) assert.equal(decide(table, host), undefined, host);
    assert.match(UNKNOWN_HOST_BODY, /%REQ\(:AUTHORITY\)%/);
    assert.match(UNKNOWN_HOST_BODY, /weft get services/);
  });

  test("without a route, a port's one route sends to itself with the mesh's default retries and no timeout", () => {
    const { out, table } = outbound(stateOf(...SHOP));
    const decision = decide(table, "catalog", "/anything");
    assert.equal(decision?.action.type, "forward");
    if (decision?.action.type !== "forward") return;
    assert.equal(decision.action.timeoutMs, 0);
    assert.equal(decision.action.retryPolicy?.numRetries, DEFAULT_RETRIES);
    const vhost = out.routes.message.virtualHosts.find((v) => v.name === "outbound|8080||catalog");
    // routes[0] is the CONNECT route (connect.ts); the port's own route follows it.
    assert.equal(vhost?.routes[1]?.route?.retryPolicy?.retryOn, DEFAULT_RETRY_ON);
  });

  test("the view holds a cluster and an assignment per port of each callable Service and per backend of their routes", () => {
    const { out } = outbound(stateOf(...SHOP, httpRoute()), ["catalog"]);
    const names = out.clusters.map((c) => c.name);
    assert.deepEqual(names, [
      "outbound|5432||catalog",
      "outbound|8080||catalog",
      "outbound|9000||catalog",
      "outbound|8080||catalog-v1",
      "outbound|8080||catalog-v2",
    ]);
    assert.deepEqual(
      out.endpoints.map((e) => e.name),
      names,
    );
  });

  test("a canary HTTPRoute splits by weight, matches, rewrites, modifies headers and retries as written", () => {
    const { table } = outbound(stateOf(...SHOP, httpRoute()), ["catalog"]);
    const request = { "x-canary": "yes", ":method": "GET" };
    const decision = decide(table, "catalog:8080", "/items/42?debug=1", request);
    assert.equal(decision?.action.type, "forward");
    if (decision?.action.type !== "forward") return;
    const weighted = decision.route.route?.weightedClusters?.clusters.map((c) => [c.name, c.weight]);
    assert.deepEqual(weighted, [
      ["outbound|8080||catalog-v1", 90],
      ["outbound|8080||catalog-v2", 10],
    ]);
    assert.equal(decision.action.path, "/v2/items/42?debug=1");
    assert.equal(decision.action.timeoutMs, 10_000);
    assert.equal(decision.action.retryPolicy?.numRetries, 2);
    assert.equal(decision.action.retryPolicy?.perTryTimeoutMs, 2000);
    assert.equal(decision.action.retryPolicy?.baseIntervalMs, 100);
    assert.deepEqual([...(decision.action.retryPolicy?.retriableStatusCodes ?? [])], [503]);
    // A rule asking for retries also retries connection errors (a reset before the answer).
    assert.equal(decision.route.route?.retryPolicy?.retryOn, `${RULE_RETRY_ON},retriable-status-codes`);
    assert.deepEqual(
      decision.headers.request.map((m) => (m.op === "add" ? [m.op, m.name, m.value, m.appendAction] : [m.op, m.name])),
      [
        ["remove", "x-debug"],
        ["add", "x-via", "weft", HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD],
      ],
    );
    // The route took the port over: a request its rules do not match is a 404, not the default.
    assert.equal(outcome(decide(table, "catalog:8080", "/other", request)), NOT_MATCHED);
    assert.equal(
      outcome(decide(table, "catalog:8080", "/itemsx?debug=1", request)),
      NOT_MATCHED,
      "PathPrefix is element-wise",
    );
    // Port 9000 has no route attached (the parentRef names port 8080): the default route.
    assert.equal(forwardedTo(decide(table, "catalog:9000", "/other")), "outbound|9000||catalog");
  });

  test("rules of every route on a port are ordered by Gateway API precedence, not by route", () => {
    const state = stateOf(
      ...SHOP,
      route("a-catch-all", { name: "catalog", port: 8080 }, [{ backendRefs: [{ name: "catalog-v1", port: 8080 }] }]),
      route("b-prefix", { name: "catalog", port: 8080 }, [
        {
          matches: [{ path: { type: "PathPrefix", value: "/items" } }],
          backendRefs: [{ name: "catalog-v2", port: 8080 }],
        },
      ]),
      route("c-exact", { name: "catalog" }, [
        {
          matches: [{ path: { type: "Exact", value: "/items/special" } }],
          backendRefs: [{ name: "catalog", port: 9000 }],
        },
      ]),
    );
    const { table } = outbound(state, ["catalog"]);
    assert.equal(forwardedTo(decide(table, "catalog", "/items/special")), "outbound|9000||catalog");
    assert.equal(forwardedTo(decide(table, "catalog", "/items/1")), "outbound|8080||catalog-v2");
    assert.equal(forwardedTo(decide(table, "catalog", "/")), "outbound|8080||catalog-v1");
    // c-exact has no port: it attaches to every port of catalog, 9000 included.
    assert.equal(forwardedTo(decide(table, "catalog:9000", "/items/special")), "outbound|9000||catalog");
    assert.equal(outcome(decide(table, "catalog:9000", "/")), NOT_MATCHED);
  });

  test("a redirect filter answers with the redirect; ReplaceFullPath and ReplacePrefixMatch rewrite as Gateway API says", () => {
    const state = stateOf(
      ...SHOP,
      route("moves", { name: "catalog", port: 8080 }, [
        {
          matches: [{ path: { value: "/old" } }],
          filters: [
            {
              type: "RequestRedirect",
              requestRedirect: {
                hostname: "catalog-v2",
                path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/new" },
                statusCode: 301,
              },
            },
          ],
        },
        {
          matches: [{ path: { value: "/strip" } }],
          filters: [
            {
              type: "URLRewrite",
              urlRewrite: { hostname: "inside", path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
            },
          ],
          backendRefs: [{ name: "catalog", port: 8080 }],
        },
        {
          matches: [{ path: { type: "Exact", value: "/full" } }],
          filters: [
            { type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: "/all\\of$1it" } } },
          ],
          backendRefs: [{ name: "catalog", port: 8080 }],
        },
      ]),
    );
    const { table } = outbound(state, ["catalog"]);
    const moved = decide(table, "catalog", "/old/a?x=1");
    assert.equal(moved?.action.type, "redirect");
    if (moved?.action.type === "redirect") {
      assert.equal(moved.action.status, 301);
      assert.equal(moved.action.location, "http://catalog-v2/new/a?x=1");
    }
    const paths = (path: string) => {
      const decision = decide(table, "catalog", path);
      return decision?.action.type === "forward" ? [decision.action.path, decision.action.hostRewrite] : undefined;
    };
    assert.deepEqual(paths("/strip/a/b"), ["/a/b", "inside"]);
    assert.deepEqual(paths("/strip"), ["/", "inside"]);
    assert.deepEqual(paths("/full?q=1"), ["/all\\of$1it?q=1", undefined]);
  });

  test("GRPCRoutes match by service and method; a consistent-hash DestinationRule adds its hash policy", () => {
    const state = stateOf(
      ...SHOP,
      service("pricing-v1", [{ name: "grpc", port: 9090, appProtocol: "grpc" }], { app: "pricing", version: "v1" }),
      grpcRoute(),
      changed(destinationRule("pricing-v1", "pricing-v1"), (doc) => {
        doc.spec.trafficPolicy = { loadBalancer: { consistentHash: { httpHeaderName: "x-user" } } };
      }),
    );
    const { out, table } = outbound(state, ["pricing"]);
    const gold = { "x-tier": "gold" };
    const decision = decide(table, "pricing:9090", "/shop.Pricing/Quote", gold);
    assert.equal(forwardedTo(decision), "outbound|9090||pricing-v1");
    assert.deepEqual(
      decision?.route.route?.hashPolicy.map((p) => p.header?.headerName),
      ["x-user"],
    );
    assert.equal(outcome(decide(table, "pricing:9090", "/shop.Pricing/Other", gold)), NOT_MATCHED);
    assert.equal(outcome(decide(table, "pricing:9090", "/shop.Pricing/Quote")), NOT_MATCHED);
    const cluster = out.clusters.find((c) => c.name === "outbound|9090||pricing-v1");
    assert.ok(cluster);
  });

  test("backends naming no Service port are left out with an issue; with none left the rule answers 500", () => {
    const state = stateOf(
      ...SHOP,
      route("broken", { name: "catalog", port: 8080 }, [
        {
          matches: [{ path: { value: "/half" } }],
          backendRefs: [
            { name: "ghost", port: 8080, weight: 50 },
            { name: "catalog-v1", port: 8080, weight: 50 },
          ],
        },
        { matches: [{ path: { value: "/none" } }], backendRefs: [{ name: "catalog-v1", port: 1 }] },
        { matches: [{ path: { value: "/empty" } }] },
      ]),
    );
    const { out, table } = outbound(state, ["catalog"]);
    assert.equal(forwardedTo(decide(table, "catalog", "/half")), "outbound|8080||catalog-v1");
    const status = (path: string) => {
      const action = decide(table, "catalog", path)?.action;
      return action?.type === "directResponse" ? action.status : undefined;
    };
    assert.equal(status("/none"), 500);
    assert.equal(status("/empty"), 404);
    assert.deepEqual(
      out.issues.map((i) => [i.kind, i.name, i.path]),
      [
        ["httproutes", "broken", "spec.rules[0].backendRefs[0]"],
        ["httproutes", "broken", "spec.rules[1].backendRefs[0]"],
      ],
    );
  });

  test("a RequestMirror filter and a host header modifier are left out with an issue; the rest of the rule applies", () => {
    const state = stateOf(
      ...SHOP,
      route("mirrored", { name: "catalog", port: 8080 }, [
        {
          filters: [
            { type: "RequestMirror", requestMirror: { backendRef: { name: "catalog-v2", port: 8080 } } },
            {
              type: "RequestHeaderModifier",
              requestHeaderModifier: {
                set: [
                  { name: "Host", value: "x" },
                  { name: "x-a", value: "1" },
                ],
              },
            },
          ],
          backendRefs: [{ name: "catalog-v1", port: 8080 }],
        },
      ]),
    );
    const { out, table } = outbound(state, ["catalog"]);
    assert.equal(forwardedTo(decide(table, "catalog", "/")), "outbound|8080||catalog-v1");
    assert.deepEqual(
      out.issues.map((i) => i.path),
      ["spec.rules[0].filters[0]", "spec.rules[0].filters[1].requestHeaderModifier.set[0]"],
    );
  });
});
