// The REST API's answers, as the CLI reads them (README "REST API reference").

import type {
  MeshServiceResponse as ControlPlaneMeshService,
  MeshServicesResponse as ControlPlaneMeshServices,
} from "../../../control-plane/src/api/routes/mesh-services.js";
import type { ProxyConfigResponse } from "../../../control-plane/src/api/routes/proxy-config.js";
import type { StoredKindName } from "../../../control-plane/src/mesh/index.js";
import type {
  ProxyStatus as ControlPlaneProxyStatus,
  SyncState,
  TypeStatus,
} from "../../../control-plane/src/status/proxy-status.js";

/** A kind as the API's paths name it: Envoy's four and the mesh's. */
export type ApiKind = StoredKindName;

export interface ResourceView {
  readonly kind: ApiKind;
  readonly name: string;
  /** xDS version: hash of the canonical JSON. */
  readonly version: string;
  /** Store revision that last wrote the resource. */
  readonly revision: number;
  /** Canonical JSON (snake_case, defaults left out). */
  readonly resource: Record<string, unknown>;
}

export interface ResourceList {
  readonly kind: ApiKind;
  readonly revision: number;
  readonly items: readonly ResourceView[];
}

export interface Warning {
  readonly path: string;
  readonly message: string;
  readonly code?: string;
}

export interface ApplyItem {
  readonly kind: ApiKind;
  readonly resource: Record<string, unknown>;
}

export interface ApplyResult {
  readonly revision: number;
  readonly dryRun?: boolean;
  readonly resources: readonly { kind: ApiKind; name: string; version: string; changed: boolean }[];
  readonly warnings?: readonly Warning[];
}

export interface DeleteResult {
  readonly kind: ApiKind;
  readonly name: string;
  readonly revision: number;
}

export interface ChangeSummary {
  readonly kind: ApiKind;
  readonly name: string;
  readonly op: "put" | "delete";
  /** created or changed (a put), deleted; absent from control planes older than the field. */
  readonly action?: "created" | "changed" | "deleted";
}

export interface RevisionSummary {
  readonly revision: number;
  readonly time: string;
  readonly description: string;
  readonly changes: readonly ChangeSummary[];
}

export interface LeafChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface RevisionDetail extends RevisionSummary {
  readonly changes: readonly (ChangeSummary & { diff: readonly LeafChange[] })[];
}

export interface RollbackResult {
  readonly revision: number;
  readonly rolledBackTo: number;
  readonly changes: readonly ChangeSummary[];
}

/** GET /v1/nacks entries, newest first. */
export interface NackView {
  readonly nodeId: string;
  readonly typeUrl: string;
  /** version_info of the rejected response. */
  readonly version: string;
  readonly nonce?: string;
  readonly message: string;
  readonly at: string;
}

/** A join token (`service`) or an API token (`role`) as /v1/tokens lists it: never its secret. */
export interface TokenView {
  readonly id: string;
  readonly kind: "join" | "api";
  readonly service?: string;
  readonly role?: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** POST /v1/tokens's answer: the one place the token appears. */
export interface CreatedTokenView extends TokenView {
  readonly token: string;
}

/** GET /v1/proxies entries: the control plane's own status shape, less what the API leaves out. */
export type ProxyStatus = Omit<ControlPlaneProxyStatus, "metadata">;
export type { SyncState, TypeStatus };

/** GET /v1/mesh/services: every Service's ports, endpoints (healthy/total) and attached routes. */
export type MeshServices = ControlPlaneMeshServices;
/** GET /v1/mesh/services/NAME: one Service as `weft describe service` shows it. */
export type MeshService = ControlPlaneMeshService;
/** GET /v1/proxies/NODE/config: what the control plane sends one connected node. */
export type ProxyConfig = ProxyConfigResponse;
