// The mesh compiler: mesh documents of one store state into ordinary Envoy resources with
// reserved names (docs/mesh.md, "The compiler"). Pure: no I/O, no clock. A view is
// compileOutbound (shared by every sidecar calling the same Services) plus, per sidecar,
// compileOutboundListener and compileInbound.

export * from "./authorization.js";
export { compileCluster, speaksHttp, speaksHttp2 } from "./clusters.js";
export type { CompiledResource, CompileIssue } from "./compiled-resource.js";
export { CONNECT_ROUTE, CONNECT_UPGRADE, compileConnectCluster } from "./connect.js";
export { compileEndpoints, endpointPortOf, selects, workloadsOf } from "./endpoints.js";
export { uniqueIssues } from "./issues.js";
export {
  type AppProtocol,
  compileInbound,
  compileOutboundListener,
  type HostPort,
  type Inbound,
  type InboundOptions,
} from "./listeners.js";
export * from "./mesh-defaults.js";
export {
  type DestinationRuleDocument,
  type GrpcRouteDocument,
  type HttpRouteDocument,
  type MeshState,
  meshStateOf,
  type ServiceDocument,
  type ServicePort,
  type StoredMeshDocument,
  type WorkloadEntryDocument,
} from "./mesh-state.js";
export * from "./mtls.js";
export * from "./names.js";
export { compileOutbound, type Outbound, type OutboundOptions } from "./outbound.js";
export { domainsOf, MESH_DOMAIN, parentRefIssues, UNKNOWN_HOST_BODY } from "./outbound-routes.js";
export { peerAuthenticationIssues, peerAuthenticationMode, peerAuthenticationOf } from "./peer-authentication.js";
export {
  compileProxyless,
  type Proxyless,
  type ProxylessListenerName,
  type ProxylessOptions,
  proxylessListenerNames,
} from "./proxyless.js";
export * from "./proxyless-security.js";
export { compileProxylessServers, type ProxylessServers } from "./proxyless-servers.js";
export { compileUpstreams, type Upstream, type Upstreams } from "./upstream.js";
export { HEALTH_ANNOTATION, type WorkloadHealth, workloadHealth } from "./workload-health.js";
