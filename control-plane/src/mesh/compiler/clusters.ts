// One EDS cluster (over ADS) per Service port, with the mesh defaults and the Service's
// DestinationRule: load balancer, connection pool, outlier detection (docs/mesh.md, "Clusters").

import { type CompiledResource, compiled, type EnvoyJson } from "./compiled-resource.js";
import { protoDuration } from "./durations.js";
import {
  DEFAULT_CIRCUIT_BREAKER_THRESHOLDS,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_LB_POLICY,
  defaultOutlierDetection,
} from "./mesh-defaults.js";
import {
  type DestinationRuleDocument,
  destinationRuleFor,
  type MeshState,
  type ServiceDocument,
  type ServicePort,
} from "./mesh-state.js";
import { callsWithMtls, identitiesOf, type MeshSecurity, upstreamTransportSocket } from "./mtls.js";
import { serviceClusterName } from "./names.js";

const HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

/** App protocols spoken over HTTP/2 without TLS (prior knowledge, h2c). */
const HTTP2_PROTOCOLS: ReadonlySet<string> = new Set(["http2", "kubernetes.io/h2c", "grpc"]);

/** Whether callers speak HTTP/2 to this port's endpoints. */
export function speaksHttp2(port: ServicePort): boolean {
  return port.appProtocol !== undefined && HTTP2_PROTOCOLS.has(port.appProtocol);
}

/** Whether this port carries HTTP (so it gets a virtual host), rather than raw TCP. */
export function speaksHttp(port: ServicePort): boolean {
  return port.appProtocol !== "tcp";
}

/** An ADS config source, the only kind the proxy takes. */
export function adsSource(): EnvoyJson {
  return { ads: {}, resourceApiVersion: "V3" };
}

/** HttpProtocolOptions saying HTTP/2 with prior knowledge, for a cluster's typed_extension_protocol_options. */
export function http2ProtocolOptions(): EnvoyJson {
  return {
    [HTTP_PROTOCOL_OPTIONS]: {
      "@type": `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`,
      explicitHttpConfig: { http2ProtocolOptions: {} },
    },
  };
}

/**
 * The cluster of one Service port. With `security` (the caller holds a workload certificate), the
 * cluster speaks mTLS to the Service when the Service takes it (mtls.ts). `transportSocket`, when
 * given, is the cluster's instead (a proxyless client's, proxyless-security.ts).
 */
export function compileCluster(
  state: MeshState,
  service: ServiceDocument,
  port: ServicePort,
  security?: MeshSecurity,
  transportSocket?: EnvoyJson,
): CompiledResource<"clusters"> {
  const name = serviceClusterName(service.metadata.name, port.port);
  const policy = destinationRuleFor(state, service.metadata.name)?.spec.trafficPolicy;
  const cluster: EnvoyJson = {
    name,
    type: "EDS",
    edsClusterConfig: { edsConfig: adsSource() },
    connectTimeout: protoDuration(policy?.connectionPool?.tcp?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
    lbPolicy: lbPolicyOf(policy?.loadBalancer),
    outlierDetection: outlierDetectionOf(policy?.outlierDetection),
  };
  cluster.circuitBreakers = circuitBreakersOf(policy?.connectionPool);
  if (speaksHttp2(port)) cluster.typedExtensionProtocolOptions = http2ProtocolOptions();
  if (transportSocket !== undefined) {
    cluster.transportSocket = transportSocket;
  } else if (security !== undefined && callsWithMtls(security, state, service.metadata.name)) {
    cluster.transportSocket = upstreamTransportSocket(security, identitiesOf(state, service.metadata.name));
  }
  return compiled("clusters", cluster);
}

type TrafficPolicy = NonNullable<DestinationRuleDocument["spec"]["trafficPolicy"]>;

/** simple maps by name; consistentHash is a ring hash, whose keys the routes' hash_policy gives (routes.ts). */
function lbPolicyOf(balancer: TrafficPolicy["loadBalancer"]): string {
  if (balancer?.consistentHash !== undefined) return "RING_HASH";
  return balancer?.simple ?? DEFAULT_LB_POLICY;
}

/**
 * Istio's connection pool as the DEFAULT priority's thresholds, over the mesh's defaults (no limit
 * at all, as in Istio: Envoy's own defaults, 3 retries in flight per cluster among them, would
 * leave a request unretried whenever a crashed instance fails several at once).
 */
function circuitBreakersOf(pool: TrafficPolicy["connectionPool"]): EnvoyJson {
  const thresholds: EnvoyJson = { ...DEFAULT_CIRCUIT_BREAKER_THRESHOLDS };
  if (pool?.tcp?.maxConnections !== undefined) thresholds.maxConnections = pool.tcp.maxConnections;
  if (pool?.http?.http1MaxPendingRequests !== undefined)
    thresholds.maxPendingRequests = pool.http.http1MaxPendingRequests;
  if (pool?.http?.http2MaxRequests !== undefined) thresholds.maxRequests = pool.http.http2MaxRequests;
  if (pool?.http?.maxRetries !== undefined) thresholds.maxRetries = pool.http.maxRetries;
  return { thresholds: [{ priority: "DEFAULT", ...thresholds }] };
}

/**
 * The mesh default, with what the rule gives laid over it. As in Istio, consecutive5xxErrors and
 * consecutiveGatewayErrors eject when above 0 and never at 0.
 */
function outlierDetectionOf(rule: TrafficPolicy["outlierDetection"]): EnvoyJson {
  const detection = defaultOutlierDetection();
  if (rule === undefined) return detection;
  if (rule.consecutive5xxErrors !== undefined) {
    detection.consecutive5xx = rule.consecutive5xxErrors;
    detection.enforcingConsecutive5xx = rule.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (rule.consecutiveGatewayErrors !== undefined) {
    detection.consecutiveGatewayFailure = rule.consecutiveGatewayErrors;
    detection.enforcingConsecutiveGatewayFailure = rule.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (rule.interval !== undefined) detection.interval = protoDuration(rule.interval);
  if (rule.baseEjectionTime !== undefined) detection.baseEjectionTime = protoDuration(rule.baseEjectionTime);
  if (rule.maxEjectionPercent !== undefined) detection.maxEjectionPercent = rule.maxEjectionPercent;
  return detection;
}
