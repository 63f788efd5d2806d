// The mesh layer's public surface: the mesh kinds, the kinds the store holds, parsing documents,
// and the registry's mark on WorkloadEntries.
export { canonicalDocumentJson } from "./canonical-document.js";
export {
  ALL_MESH_KINDS,
  APP_PROTOCOLS,
  DEFAULT_NAMESPACE,
  destinationRuleKind,
  grpcRouteKind,
  httpRouteKind,
  isMeshKindName,
  MESH_KIND_NAMES,
  MESH_KINDS,
  type MeshDocument,
  type MeshKind,
  type MeshKindName,
  type MeshMetadata,
  type MeshRef,
  meshKindOfDocument,
  meshKindOfName,
  serviceKind,
  workloadEntryKind,
} from "./kinds/index.js";
export { type SchemaError, schemaDetails } from "./kinds/schema-errors.js";
export { meshReferencesOf, type ParsedMeshDocument, parseMeshDocument } from "./parse-mesh-document.js";
export {
  HEALTH_ANNOTATION,
  isRegisteredWorkload,
  PORT_ANNOTATION,
  REGISTERED_BY_ANNOTATION,
  registeredWorkloadRefusal,
} from "./registered-workloads.js";
export { isStoredKindName, STORED_KIND_NAMES, type StoredKindName, type StoredRef } from "./stored-kinds.js";
