// Fault injection from mesh documents to Envoy: a rule's ExtensionRef to a FaultInjection puts
// Envoy's HTTPFault in typed_per_filter_config on each route the rule compiles to; the outbound
// listener lists the fault filter (empty: no fault unless a route says) before the router; a
// missing FaultInjection is left out with an issue. All accepted by both planes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as xds from "@grpc/grpc-js-xds";
import { ListenerResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js";
import { RouteConfigurationResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js";
import { compiled } from "../../../../control-plane/src/mesh/compiler/compiled-resource.js";
import { FAULT_FILTER_NAME, faultHttpFilter } from "../../../../control-plane/src/mesh/compiler/fault.js";
import {
  compileOutbound,
  compileOutboundListener,
  type MeshState,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import { parseResource } from "../../../../control-plane/src/resources/index.js";
import { compiledHttpFault } from "../../../../data-plane/src/config/http-fault.js";
import type { RuntimeListener, RuntimeRouteConfig } from "../../../../data-plane/src/config/index.js";
import { KINDS, packAny } from "../../../../proto/index.js";
import { changed, type Doc, grpcRoute, httpRoute, service } from "../mesh-documents.js";
import { assertBothPlanesAccept, envoyJson, stateOf } from "./both-planes.js";

// Registers the HTTP filters gRPC's xDS client knows (router, fault), as a client does.
xds.register();

/** Whether gRPC's own xDS client decodes and validates `resource` (its NACK message otherwise). */
function grpcRefusal(resource: { kind: "listeners" | "routes"; message: unknown }): string | undefined {
  const type = resource.kind === "listeners" ? ListenerResourceType.get() : RouteConfigurationResourceType.get();
  const any = packAny(KINDS[resource.kind].typeName, resource.message as never);
  const context = {
    server: { serverUri: "127.0.0.1:0", channelCreds: [], serverFeatures: [] },
    bootstrap: { xdsServers: [], node: { id: "test" }, authorities: {}, certificateProviders: {} },
  } as never;
  return type.decode(context, { type_url: any.typeUrl, value: Buffer.from(any.value) }).error;
}

const HTTP_FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

function faultInjection(name: string, spec: Doc): Doc {
  return { apiVersion: "weft.dev/v1alpha1", kind: "FaultInjection", metadata: { name }, spec };
}

const extensionRef = (name: string): Doc => ({
  type: "ExtensionRef",
  extensionRef: { group: "weft.dev", kind: "FaultInjection", name },
});

const SHOP = [
  service("catalog"),
  service("catalog-v1", [{ name: "http", port: 8080 }], { app: "catalog", version: "v1" }),
  service("catalog-v2", [{ name: "http", port: 8080 }], { app: "catalog", version: "v2" }),
  service("pricing", [{ name: "grpc", port: 9090, appProtocol: "grpc" }]),
  service("pricing-v1", [{ name: "grpc", port: 9090, appProtocol: "grpc" }]),
];

/** catalog's route with two matches on its one rule, the rule naming FaultInjection `fault`. */
const catalogRoute = (fault: string) =>
  changed(httpRoute(), (d) => {
    d.spec.rules[0].matches.push({ path: { type: "PathPrefix", value: "/health" } });
    d.spec.rules[0].filters.push(extensionRef(fault));
  });

/** The outbound routes as Envoy JSON, checked by both planes, and what the proxy built. */
function compile(state: MeshState) {
  const out = compileOutbound(state);
  const built = assertBothPlanesAccept(out.routes) as RuntimeRouteConfig;
  const json = envoyJson(out.routes) as { virtual_hosts: { name: string; routes: Doc[] }[] };
  // The routes that forward to a Service port: the rule's (a virtual host also holds routes of its
  // own: the 404 for requests no rule matches, and one for CONNECT).
  const routesOf = (host: string) =>
    (json.virtual_hosts.find((v) => v.name === host)?.routes ?? []).filter(
      (route) => (route.match as Doc | undefined)?.connect_matcher === undefined && route.route !== undefined,
    );
  return { out, built, routesOf };
}

/** The control plane stores an API listener (the proxy does not run one, so only validation applies). */
function assertControlPlaneAccepts(resource: ReturnType<typeof compiled<"listeners">>): void {
  assert.equal(parseResource("listeners", envoyJson(resource), { name: resource.name }).name, resource.name);
}

describe("mesh compiler: fault injection", () => {
  test("every route of a rule with an ExtensionRef carries the FaultInjection as HTTPFault under the fault filter's name", () => {
    const state = stateOf(
      ...SHOP,
      catalogRoute("flaky"),
      faultInjection("flaky", {
        delay: { fixedDelay: "2s", percentage: { value: 10 } },
        abort: { httpStatus: 503, percentage: { value: 5 } },
      }),
    );
    const { out, routesOf } = compile(state);
    assert.deepEqual(out.issues, []);
    const routes = routesOf("outbound|8080||catalog");
    assert.equal(routes.length, 2);
    for (const route of routes) {
      assert.deepEqual(route.typed_per_filter_config, {
        [FAULT_FILTER_NAME]: {
          "@type": HTTP_FAULT_TYPE,
          delay: { fixed_delay: "2s", percentage: { numerator: 10 } },
          abort: { http_status: 503, percentage: { numerator: 5 } },
        },
      });
    }
  });

  test("the proxy reads the compiled fault from the route a request matches", () => {
    const state = stateOf(
      ...SHOP,
      catalogRoute("flaky"),
      faultInjection("flaky", { abort: { httpStatus: 503, percentage: { value: 5 } } }),
    );
    const { built } = compile(state);
    const decision = built.routeTable.match({
      authority: "catalog",
      path: "/health",
      headers: new Map(),
    });
    const any = decision?.route.typedPerFilterConfig[FAULT_FILTER_NAME];
    assert.ok(any, "the matched route carries the fault");
    const fault = compiledHttpFault(any);
    assert.deepEqual(fault?.abort, {
      httpStatus: 503,
      grpcStatus: undefined,
      share: { numerator: 5, denominator: 100 },
    });
  });

  test("a GRPCRoute's fault aborts with the gRPC code its name gives; a fractional percentage counts in millionths; absent is 100%", () => {
    const route = changed(grpcRoute(), (d) => (d.spec.rules[0].filters = [extensionRef("unavailable")]));
    const state = stateOf(
      ...SHOP,
      route,
      faultInjection("unavailable", {
        delay: { fixedDelay: "150ms" },
        abort: { grpcStatus: "UNAVAILABLE", percentage: { value: 0.5 } },
      }),
    );
    const { routesOf } = compile(state);
    const [first] = routesOf("outbound|9090||pricing");
    assert.deepEqual(first?.typed_per_filter_config, {
      [FAULT_FILTER_NAME]: {
        "@type": HTTP_FAULT_TYPE,
        delay: { fixed_delay: "0.150s", percentage: { numerator: 100 } },
        abort: { grpc_status: 14, percentage: { numerator: 5000, denominator: "MILLION" } },
      },
    });
  });

  test("an ExtensionRef naming no FaultInjection is left out with an issue at its path; the rule still routes", () => {
    const { out, routesOf } = compile(stateOf(...SHOP, catalogRoute("missing")));
    assert.deepEqual(
      out.issues.map((issue) => [issue.kind, issue.name, issue.path]),
      [["httproutes", "catalog", "spec.rules[0].filters[2].extensionRef.name"]],
    );
    for (const route of routesOf("outbound|8080||catalog")) {
      assert.equal(route.typed_per_filter_config, undefined);
    }
    assert.equal(routesOf("outbound|8080||catalog").length, 2, "the rule still forwards");
  });

  test("the outbound listener lists the fault filter, with no fault of its own, before the router", () => {
    const listener = compileOutboundListener({ host: "127.0.0.1", port: 15001 });
    const json = envoyJson(listener) as {
      filter_chains: { filters: { typed_config: { http_filters: { name: string }[] } }[] }[];
    };
    const names = json.filter_chains[0]?.filters[0]?.typed_config.http_filters.map((f) => f.name);
    assert.deepEqual(names, [FAULT_FILTER_NAME, "envoy.filters.http.router"]);
    const built = assertBothPlanesAccept(listener) as RuntimeListener;
    assert.equal(built.http?.fault?.name, FAULT_FILTER_NAME);
    assert.deepEqual(built.http?.fault?.config, { delay: undefined, abort: undefined, maxActiveFaults: Infinity });
  });

  test("faultHttpFilter is the http_filters entry another connection manager lists before its router", () => {
    assert.deepEqual(faultHttpFilter(), { name: FAULT_FILTER_NAME, typedConfig: { "@type": HTTP_FAULT_TYPE } });
  });

  test("gRPC's xDS client takes the routes' faults and an API listener listing the fault filter", () => {
    const route = changed(grpcRoute(), (d) => (d.spec.rules[0].filters = [extensionRef("unavailable")]));
    const state = stateOf(
      ...SHOP,
      route,
      faultInjection("unavailable", { delay: { fixedDelay: "1s" }, abort: { grpcStatus: "UNAVAILABLE" } }),
    );
    // The rule's routes in a route configuration of their own: the sidecar's also holds routes
    // for CONNECT and direct answers, which a gRPC client has no use for.
    const { routesOf } = compile(state);
    const routes = compiled("routes", {
      name: "pricing",
      virtual_hosts: [{ name: "pricing", domains: ["*"], routes: routesOf("outbound|9090||pricing") }],
    });
    assert.ok(JSON.stringify(envoyJson(routes)).includes(FAULT_FILTER_NAME));
    assert.equal(grpcRefusal(routes), undefined);
    const apiListener = compiled("listeners", {
      name: "pricing",
      apiListener: {
        apiListener: {
          "@type":
            "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
          rds: { routeConfigName: "outbound|routes", configSource: { ads: {} } },
          httpFilters: [
            faultHttpFilter(),
            {
              name: "envoy.filters.http.router",
              typedConfig: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
            },
          ],
        },
      },
    });
    assert.equal(grpcRefusal(apiListener), undefined);
    assertControlPlaneAccepts(apiListener);
  });
});
