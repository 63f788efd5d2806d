// The mesh compiler: mesh documents of one store state into ordinary Envoy resources with
// reserved names (docs/mesh.md). Pure: no I/O, no clock; the snapshot builder calls it.
export { compileCluster, speaksHttp, speaksHttp2 } from "./clusters.js";
export type { CompiledResource, CompileIssue } from "./compiled-resource.js";
export { compileEndpoints, selects, workloadsOf } from "./endpoints.js";
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
export * from "./names.js";
export { HEALTH_ANNOTATION, type WorkloadHealth, workloadHealth } from "./workload-health.js";
