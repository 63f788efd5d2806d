// What a gRPC proxyless client asks for when it dials `xds:///NAME` or `xds:///NAME:PORT`
// (docs/mesh.md, "gRPC proxyless clients (built)"): for each Service port speaking HTTP/2 (grpc,
// http2, kubernetes.io/h2c), an API listener `NAME:PORT` (and `NAME` for the Service's first such
// port) holding the port's routes inline, and the clusters and endpoints those routes send to.
//
// The routes are the outbound compile's (same precedence, weights, retries, timeouts), reshaped to
// what gRPC's xDS client accepts: it NACKs a whole resource over one field it does not support, so
// nothing here may hold one. It supports only the prefix, path and safe_regex path matches, only
// route actions (a redirect or direct response is a NACK; a non-forwarding action fails the call
// with UNAVAILABLE), the ROUND_ROBIN and RING_HASH balancers, and a route's deadline only as
// max_stream_duration (it ignores `timeout`); it skips a locality without a weight.
//
// A client whose bootstrap declares Weft's certificate provider (node metadata `weft.mtls: true`,
// proxyless-security.ts) is compiled with `mtls`: its clusters speak mTLS to the Services callers
// use mTLS to, as a sidecar's do. Any other client is sent no TLS settings (gRPC NACKs a cluster
// naming a provider its bootstrap lacks) and calls in plaintext.
import { Cluster_LbPolicy } from "../../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { compileCluster, speaksHttp2 } from "./clusters.js";
import { type CompiledResource, type CompileIssue, compiled, type EnvoyJson } from "./compiled-resource.js";
import { compileEndpoints } from "./endpoints.js";
import { faultHttpFilter } from "./fault.js";
import { uniqueIssues } from "./issues.js";
import { DEFAULT_ROUTE_TIMEOUT } from "./mesh-defaults.js";
import { destinationRuleFor, type MeshState, type ServiceDocument, type ServicePort } from "./mesh-state.js";
import { callsWithMtls, identitiesOf, type MeshSecurity } from "./mtls.js";
import { serviceClusterName } from "./names.js";
import { routesOf } from "./outbound-routes.js";
import { grpcUpstreamTransportSocket } from "./proxyless-security.js";
import { backendPorts } from "./route-action.js";
import { regexLiteral } from "./route-match.js";

const HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = "envoy.extensions.filters.http.router.v3.Router";

/**
 * The fault filter, which injects only what a route's typed_per_filter_config asks for (gRPC
 * implements Envoy's), then the router, which gRPC requires last; gRPC NACKs a listener naming a
 * filter it does not know.
 */
const HTTP_FILTERS: readonly EnvoyJson[] = [
  faultHttpFilter(),
  { name: "envoy.filters.http.router", typedConfig: { "@type": `type.googleapis.com/${ROUTER}` } },
];

export interface Proxyless {
  /** The API listeners, in name order. */
  readonly listeners: readonly CompiledResource<"listeners">[];
  /** A cluster per Service port the listeners' routes send to, in name order, with its assignment. */
  readonly clusters: readonly CompiledResource<"clusters">[];
  readonly endpoints: readonly CompiledResource<"endpoints">[];
  /** What the documents ask for that gRPC clients cannot be given, each once. */
  readonly issues: readonly CompileIssue[];
}

/** A proxyless listener's name and the Service port it serves. */
export interface ProxylessListenerName {
  readonly name: string;
  readonly port: ServicePort;
}

/**
 * The names of a Service's proxyless listeners: `NAME:PORT` for each port speaking HTTP/2, and
 * `NAME` for the first of them (what `xds:///NAME` asks for).
 */
export function proxylessListenerNames(service: ServiceDocument): ProxylessListenerName[] {
  const ports = service.spec.ports.filter(speaksHttp2);
  const name = service.metadata.name;
  const names = ports.map((port) => ({ name: `${name}:${port.port}`, port }));
  const [first] = ports;
  if (first !== undefined) names.unshift({ name, port: first });
  return names;
}

export interface ProxylessOptions {
  /** Only these Services' listeners (and what their routes send to); absent: every Service's. */
  readonly services?: Iterable<string>;
  /** For clients holding a workload certificate: clusters speak mTLS to the Services that take it. */
  readonly mtls?: MeshSecurity | undefined;
}

/**
 * What gRPC proxyless clients ask for: every Service's, or only those `services` names (their
 * listeners, and the clusters and endpoints their routes send to).
 */
export function compileProxyless(state: MeshState, options: ProxylessOptions = {}): Proxyless {
  const issues: CompileIssue[] = [];
  const backends = new Set<string>();
  const listeners: CompiledResource<"listeners">[] = [];
  const wanted = options.services === undefined ? undefined : new Set(options.services);
  for (const service of state.services.values()) {
    if (wanted !== undefined && !wanted.has(service.metadata.name)) continue;
    const byPort = new Map<ServicePort, EnvoyJson>();
    for (const { name, port } of proxylessListenerNames(service)) {
      let routeConfig = byPort.get(port);
      if (routeConfig === undefined) {
        routeConfig = proxylessRoutes(state, service, port, backends, issues);
        byPort.set(port, routeConfig);
      }
      listeners.push(
        compiled("listeners", {
          name,
          apiListener: {
            apiListener: {
              "@type": `type.googleapis.com/${HCM}`,
              statPrefix: name,
              routeConfig,
              httpFilters: HTTP_FILTERS,
            },
          },
        }),
      );
    }
  }
  listeners.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const clusters: CompiledResource<"clusters">[] = [];
  const endpoints: CompiledResource<"endpoints">[] = [];
  for (const { service, port } of backendPorts(state, backends)) {
    clusters.push(proxylessCluster(state, service, port, issues, options.mtls));
    endpoints.push(weightedLocalities(compileEndpoints(state, service, port, issues)));
  }
  return { listeners, clusters, endpoints, issues: uniqueIssues(issues) };
}

/**
 * The inline route configuration of one Service port: one virtual host answering to the authority
 * gRPC sends for the listener names of that port (`NAME:PORT`, and `NAME` for the first port).
 */
function proxylessRoutes(
  state: MeshState,
  service: ServiceDocument,
  port: ServicePort,
  backends: Set<string>,
  issues: CompileIssue[],
): EnvoyJson {
  const name = serviceClusterName(service.metadata.name, port.port);
  const domains = proxylessListenerNames(service)
    .filter((listener) => listener.port === port)
    .map((listener) => listener.name);
  const routes = routesOf(state, service, port, backends, issues).flatMap((route) => grpcRoute(route) ?? []);
  return { name, virtualHosts: [{ name, domains, routes }] };
}

/**
 * A compiled route as gRPC takes it, or undefined for one no gRPC call can match. gRPC requests
 * carry no query string, so a route matching query parameters never applies to them (and gRPC
 * would ignore that part of the match, so it is left out rather than sent).
 */
function grpcRoute(route: EnvoyJson): EnvoyJson | undefined {
  const match = { ...(route.match as EnvoyJson) };
  if (Array.isArray(match.queryParameters) && match.queryParameters.length > 0) return undefined;
  // An element-wise prefix (`/foo` matches `/foo` and `/foo/...`): gRPC's safe_regex is a full match.
  if (typeof match.pathSeparatedPrefix === "string") {
    match.safeRegex = { regex: `${regexLiteral(match.pathSeparatedPrefix)}(/.*)?` };
    delete match.pathSeparatedPrefix;
  }
  const action = route.route as EnvoyJson | undefined;
  if (action === undefined) return { match, nonForwardingAction: {} };
  const grpcAction: EnvoyJson = { ...action };
  if (typeof action.timeout === "string" && action.timeout !== DEFAULT_ROUTE_TIMEOUT) {
    grpcAction.maxStreamDuration = { maxStreamDuration: action.timeout };
  }
  const out: EnvoyJson = { match, route: grpcAction };
  if (route.typedPerFilterConfig !== undefined) out.typedPerFilterConfig = route.typedPerFilterConfig;
  return out;
}

/**
 * The sidecars' cluster of the Service port with a balancer gRPC runs: RING_HASH stays, anything
 * else is ROUND_ROBIN (gRPC NACKs LEAST_REQUEST and RANDOM); a DestinationRule asking for one of
 * those explicitly gets an issue. With `mtls`, it takes gRPC's transport socket when callers use
 * mTLS to the Service.
 */
function proxylessCluster(
  state: MeshState,
  service: ServiceDocument,
  port: ServicePort,
  issues: CompileIssue[],
  mtls: MeshSecurity | undefined,
): CompiledResource<"clusters"> {
  const name = service.metadata.name;
  const cluster =
    mtls !== undefined && callsWithMtls(mtls, state, name)
      ? compileCluster(state, service, port, undefined, grpcUpstreamTransportSocket(mtls, identitiesOf(state, name)))
      : compileCluster(state, service, port);
  if (cluster.message.lbPolicy === Cluster_LbPolicy.RING_HASH) return cluster;
  const rule = destinationRuleFor(state, service.metadata.name);
  const simple = rule?.spec.trafficPolicy?.loadBalancer?.simple;
  if (rule !== undefined && simple !== undefined && simple !== "ROUND_ROBIN") {
    issues.push({
      kind: "destinationrules",
      name: rule.metadata.name,
      path: "spec.trafficPolicy.loadBalancer.simple",
      message: `gRPC proxyless clients run no ${simple} balancer: they balance ROUND_ROBIN`,
    });
  }
  return { ...cluster, message: { ...cluster.message, lbPolicy: Cluster_LbPolicy.ROUND_ROBIN } };
}

/** The largest total of locality weights gRPC takes in one priority. */
const UINT32_MAX = 0xffff_ffff;

/**
 * The sidecars' assignment with each locality weighted by the sum of its endpoints' weights: gRPC
 * skips a locality without load_balancing_weight (it always balances across localities by weight),
 * where Envoy ignores locality weights unless the cluster asks for them. gRPC also NACKs a priority
 * whose locality weights add up past 2^32-1: then each is scaled down in proportion, to at least 1.
 */
function weightedLocalities(assignment: CompiledResource<"endpoints">): CompiledResource<"endpoints"> {
  const localities = assignment.message.endpoints;
  const weights = localities.map((locality) =>
    locality.lbEndpoints.reduce((sum, lb) => sum + (lb.loadBalancingWeight ?? 1), 0),
  );
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  // Exact integer arithmetic: floor(w * (MAX - n) / total) + 1 sums to at most MAX.
  const room = BigInt(UINT32_MAX - localities.length);
  const scaled = total <= UINT32_MAX ? weights : weights.map((w) => Number((BigInt(w) * room) / BigInt(total)) + 1);
  const endpoints = localities.map((locality, i) => ({ ...locality, loadBalancingWeight: scaled[i] }));
  return { ...assignment, message: { ...assignment.message, endpoints } };
}
