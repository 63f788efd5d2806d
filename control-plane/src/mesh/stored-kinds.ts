// The kinds the store holds: Envoy's (proto/kinds, protobuf messages) and the mesh's (Kubernetes-
// shaped documents). Declared here, below the store, so the store, the API, history and rollback
// take both through one type while proto/kinds' typed maps stay Envoy's alone.
import { KIND_NAMES, type KindName } from "../../../proto/index.js";
import { MESH_KIND_NAMES, type MeshKindName } from "./kinds/index.js";

export type StoredKindName = KindName | MeshKindName;

/** Envoy kinds first (as KIND_NAMES), then mesh kinds (as MESH_KIND_NAMES): the order of every listing. */
export const STORED_KIND_NAMES: readonly StoredKindName[] = [...KIND_NAMES, ...MESH_KIND_NAMES];

const STORED: ReadonlySet<string> = new Set(STORED_KIND_NAMES);

export function isStoredKindName(value: string): value is StoredKindName {
  return STORED.has(value);
}

/** A dependency of one stored resource on another, at `path` inside the referring one. */
export interface StoredRef {
  readonly kind: StoredKindName;
  readonly name: string;
  readonly path: string;
}
