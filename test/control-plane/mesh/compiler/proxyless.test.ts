// The resources a gRPC proxyless client asks for (xds:///NAME, xds:///NAME:PORT), from mesh
// documents to Envoy JSON: API listeners with the outbound compile's routes reshaped for gRPC,
// clusters with a balancer gRPC runs, all accepted by gRPC's own xDS client code.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileProxyless,
  type MeshState,
  type Proxyless,
  proxylessListenerNames,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import { Cluster_LbPolicy } from "../../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { type Doc, service } from "../mesh-documents.js";
import { envoyJson, stateOf } from "./both-planes.js";
import { assertGrpcAccepts } from "./grpc-accepts.js";

type Json = Record<string, unknown>;

const grpcPort = (port: number, appProtocol = "grpc"): Doc => ({ name: `p${port}`, port, appProtocol });

function workload(name: string, labels: Record<string, string>): Doc {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    metadata: { name },
    spec: { address: "127.0.0.1", ports: { p9090: 50051 }, labels },
  };
}

function grpcRouteDoc(name: string, spec: Json): Doc {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", metadata: { name }, spec };
}

function httpRouteDoc(name: string, spec: Json): Doc {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name }, spec };
}

function destinationRuleDoc(name: string, host: string, loadBalancer: Json): Doc {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name },
    spec: { host, trafficPolicy: { loadBalancer } },
  };
}

/** pricing (http 8080, grpc 9090, h2c 9091) split between pricing-v1 and pricing-v2 by a GRPCRoute. */
function shop(): MeshState {
  return stateOf(
    service("pricing", [{ name: "http", port: 8080 }, grpcPort(9090), grpcPort(9091, "kubernetes.io/h2c")]),
    service("pricing-v1", [grpcPort(9090)], { app: "pricing", version: "v1" }),
    service("pricing-v2", [grpcPort(9090)], { app: "pricing", version: "v2" }),
    workload("pricing-a", { app: "pricing", version: "v1" }),
    {
      ...workload("pricing-b", { app: "pricing", version: "v1" }),
      spec: { address: "127.0.0.2", labels: { app: "pricing", version: "v1" }, weight: 2 },
    },
    grpcRouteDoc("pricing", {
      parentRefs: [{ kind: "Service", name: "pricing", port: 9090 }],
      rules: [
        {
          matches: [{ method: { service: "shop.Pricing", method: "Quote" } }],
          backendRefs: [
            { name: "pricing-v1", port: 9090, weight: 90 },
            { name: "pricing-v2", port: 9090, weight: 10 },
          ],
        },
        { backendRefs: [{ name: "pricing-v1", port: 9090 }] },
      ],
    }),
    httpRouteDoc("pricing-h2", {
      parentRefs: [{ kind: "Service", name: "pricing", port: 9091 }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/shop.Pricing" } }],
          backendRefs: [{ name: "pricing-v2", port: 9090 }],
          timeouts: { request: "3s" },
          retry: { attempts: 3, backoff: "100ms" },
        },
        {
          matches: [{ path: { type: "PathPrefix", value: "/shop.Stock" } }],
          backendRefs: [{ name: "pricing-v1", port: 9090 }],
          retry: { attempts: 0 },
        },
        {
          matches: [{ path: { type: "PathPrefix", value: "/debug" }, queryParams: [{ name: "x", value: "1" }] }],
          backendRefs: [{ name: "pricing-v1", port: 9090 }],
        },
        {
          matches: [{ path: { type: "Exact", value: "/old.Pricing/Quote" } }],
          filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "elsewhere" } }],
        },
      ],
    }),
    destinationRuleDoc("pricing-v2", "pricing-v2", { simple: "LEAST_REQUEST" }),
  );
}

function compileAll(state: MeshState): Proxyless {
  const out = compileProxyless(state);
  for (const resource of [...out.listeners, ...out.clusters, ...out.endpoints]) assertGrpcAccepts(resource);
  return out;
}

/** The value at `keys` inside `value`, or undefined where one is missing. */
function dig(value: unknown, ...keys: string[]): unknown {
  let at = value;
  for (const key of keys) at = typeof at === "object" && at !== null ? (at as Json)[key] : undefined;
  return at;
}

/** The HCM of an API listener, as Envoy JSON. */
function hcmOf(out: Proxyless, name: string): Json {
  const listener = out.listeners.find((l) => l.name === name);
  assert.ok(listener, `listener ${name}`);
  const json = envoyJson(listener);
  return (json.api_listener as Json).api_listener as Json;
}

function virtualHostOf(out: Proxyless, name: string): Json {
  const hosts = (hcmOf(out, name).route_config as Json).virtual_hosts as Json[];
  assert.equal(hosts.length, 1);
  return hosts[0] as Json;
}

describe("mesh compiler: gRPC proxyless clients", () => {
  test("each grpc, http2 or h2c Service port gets an API listener NAME:PORT, and the Service's first such port also NAME", () => {
    const out = compileAll(shop());
    assert.deepEqual(
      out.listeners.map((l) => l.name),
      ["pricing", "pricing-v1", "pricing-v1:9090", "pricing-v2", "pricing-v2:9090", "pricing:9090", "pricing:9091"],
    );
    const names = proxylessListenerNames(shop().services.get("pricing") as never);
    assert.deepEqual(
      names.map((n) => [n.name, n.port.port]),
      [
        ["pricing", 9090],
        ["pricing:9090", 9090],
        ["pricing:9091", 9091],
      ],
    );
  });

  test("a Service with only http and tcp ports has no proxyless listener", () => {
    const out = compileAll(
      stateOf(
        service("catalog", [
          { name: "http", port: 8080 },
          { name: "db", port: 5432, appProtocol: "tcp" },
        ]),
      ),
    );
    assert.deepEqual(out.listeners, []);
    assert.deepEqual(out.clusters, []);
  });

  test("the listener holds its routes inline, answers to the authority gRPC sends, and ends its filters with the router", () => {
    const out = compileAll(shop());
    const hcm = hcmOf(out, "pricing");
    const filters = hcm.http_filters as Json[];
    assert.equal(
      dig(filters.at(-1), "typed_config", "@type"),
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
    );
    assert.deepEqual(virtualHostOf(out, "pricing").domains, ["pricing", "pricing:9090"]);
    assert.deepEqual(virtualHostOf(out, "pricing:9090"), virtualHostOf(out, "pricing"));
    assert.deepEqual(virtualHostOf(out, "pricing:9091").domains, ["pricing:9091"]);
    assert.deepEqual(virtualHostOf(out, "pricing-v1").domains, ["pricing-v1", "pricing-v1:9090"]);
  });

  test("GRPCRoute rules keep their precedence and weights", () => {
    const routes = virtualHostOf(compileAll(shop()), "pricing").routes as Json[];
    assert.equal(routes.length, 2);
    const [quote, rest] = routes as [Json, Json];
    assert.deepEqual(quote.match, { path: "/shop.Pricing/Quote" });
    assert.deepEqual((quote.route as Json).weighted_clusters, {
      clusters: [
        { name: "outbound|9090||pricing-v1", weight: 90 },
        { name: "outbound|9090||pricing-v2", weight: 10 },
      ],
    });
    assert.deepEqual(rest.match, { prefix: "/" });
    assert.equal((rest.route as Json).cluster, "outbound|9090||pricing-v1");
    assert.equal((rest.route as Json).max_stream_duration, undefined, "no timeout: the caller's deadline holds");
  });

  test("HTTPRoute retries are kept (none for attempts 0: gRPC NACKs num_retries 0); a request timeout becomes max_stream_duration", () => {
    const routes = virtualHostOf(compileAll(shop()), "pricing:9091").routes as Json[];
    const byRegex = (text: string) =>
      routes.find((r) => JSON.stringify(r.match).includes(text))?.route as Json | undefined;
    const quote = byRegex("shop\\\\.Pricing");
    assert.deepEqual(quote?.max_stream_duration, { max_stream_duration: "3s" });
    assert.equal(dig(quote, "retry_policy", "num_retries"), 3);
    assert.deepEqual(dig(quote, "retry_policy", "retry_back_off"), { base_interval: "0.100s" });
    const stock = byRegex("shop\\\\.Stock");
    assert.equal(stock?.cluster, "outbound|9090||pricing-v1");
    assert.equal(stock?.retry_policy, undefined);
  });

  test("a port with no route attached goes to itself with the mesh's default retries", () => {
    const routes = virtualHostOf(compileAll(shop()), "pricing-v1").routes as Json[];
    assert.equal(routes.length, 1);
    assert.equal(dig(routes[0], "route", "cluster"), "outbound|9090||pricing-v1");
    assert.match(String(dig(routes[0], "route", "retry_policy", "retry_on")), /unavailable/);
  });

  test("an element-wise prefix becomes a full-match regex, a query match is left out, a redirect fails the call", () => {
    const routes = virtualHostOf(compileAll(shop()), "pricing:9091").routes as Json[];
    assert.deepEqual(
      routes.map((r) => r.match),
      [
        { path: "/old.Pricing/Quote" },
        { safe_regex: { regex: "/shop\\.Pricing(/.*)?" } },
        { safe_regex: { regex: "/shop\\.Stock(/.*)?" } },
      ],
    );
    assert.deepEqual(routes[0]?.non_forwarding_action, {});
    assert.equal(dig(routes[1], "route", "cluster"), "outbound|9090||pricing-v2");
    const regex = new RegExp(`^${String(dig(routes[1], "match", "safe_regex", "regex"))}$`);
    assert.ok(regex.test("/shop.Pricing/Quote"));
    assert.ok(!regex.test("/shop.PricingX/Quote"));
  });

  test("clusters balance ROUND_ROBIN, which gRPC runs; an explicit LEAST_REQUEST is an issue and a ring hash stays", () => {
    const out = compileAll(shop());
    assert.deepEqual(
      out.clusters.map((c) => [c.name, c.message.lbPolicy]),
      [
        ["outbound|9090||pricing-v1", Cluster_LbPolicy.ROUND_ROBIN],
        ["outbound|9090||pricing-v2", Cluster_LbPolicy.ROUND_ROBIN],
      ],
    );
    assert.deepEqual(
      out.endpoints.map((e) => e.name),
      ["outbound|9090||pricing-v1", "outbound|9090||pricing-v2"],
    );
    const v1 = out.endpoints[0]?.message.endpoints ?? [];
    assert.deepEqual(
      v1.map((l) => [l.lbEndpoints.length, l.loadBalancingWeight]),
      [[2, 3]],
      "gRPC skips a locality without a weight: each gets its endpoints' total",
    );
    assert.deepEqual(
      out.issues.map((i) => [i.kind, i.name, i.path]),
      [["destinationrules", "pricing-v2", "spec.trafficPolicy.loadBalancer.simple"]],
    );
    const hashed = compileAll(
      stateOf(
        service("pricing", [grpcPort(9090)]),
        destinationRuleDoc("pricing", "pricing", { consistentHash: { httpHeaderName: "x-user" } }),
      ),
    );
    assert.equal(hashed.clusters[0]?.message.lbPolicy, Cluster_LbPolicy.RING_HASH);
    assert.deepEqual(hashed.issues, []);
  });

  test("locality weights past 2^32-1 in total are scaled down in proportion, as gRPC NACKs more", () => {
    const heavy = (name: string, address: string, locality: string): Doc => ({
      ...workload(name, { app: "pricing" }),
      spec: { address, labels: { app: "pricing" }, weight: 4294967295, locality },
    });
    const out = compileAll(
      stateOf(service("pricing", [grpcPort(9090)]), heavy("a", "10.0.0.1", "eu"), heavy("b", "10.0.0.2", "us")),
    );
    const weights = out.endpoints[0]?.message.endpoints.map((l) => l.loadBalancingWeight);
    assert.deepEqual(weights, [2147483647, 2147483647]);
  });

  test("the fault filter comes before the router, and a rule's fault reaches its gRPC route", () => {
    const state = stateOf(
      service("pricing", [grpcPort(9090)]),
      {
        apiVersion: "weft.dev/v1alpha1",
        kind: "FaultInjection",
        metadata: { name: "deny" },
        spec: { abort: { grpcStatus: "PERMISSION_DENIED", percentage: { value: 50 } } },
      },
      grpcRouteDoc("pricing", {
        parentRefs: [{ kind: "Service", name: "pricing" }],
        rules: [
          {
            filters: [
              { type: "ExtensionRef", extensionRef: { group: "weft.dev", kind: "FaultInjection", name: "deny" } },
            ],
            backendRefs: [{ name: "pricing", port: 9090 }],
          },
        ],
      }),
    );
    const out = compileAll(state);
    const names = (hcmOf(out, "pricing").http_filters as Json[]).map((f) => f.name);
    assert.deepEqual(names, ["envoy.filters.http.fault", "envoy.filters.http.router"]);
    const [route] = virtualHostOf(out, "pricing").routes as Json[];
    assert.deepEqual(dig(route, "typed_per_filter_config", "envoy.filters.http.fault", "abort"), {
      grpc_status: 7,
      percentage: { numerator: 50 },
    });
  });
});
