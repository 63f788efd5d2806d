// Every mesh kind, looked up by REST API name (MESH_KINDS) or by the document's own apiVersion and
// kind (meshKindOfDocument). Adding a kind: a file like service.ts, its name in MeshKindName
// (kind.ts) and its entry below.
import { authorizationPolicyKind } from "./authorization-policy.js";
import { destinationRuleKind } from "./destination-rule.js";
import { faultInjectionKind } from "./fault-injection.js";
import { grpcRouteKind } from "./grpc-route.js";
import { httpRouteKind } from "./http-route.js";
import type { MeshKind, MeshKindName } from "./kind.js";
import { peerAuthenticationKind } from "./peer-authentication.js";
import { serviceKind } from "./service.js";
import { workloadEntryKind } from "./workload-entry.js";

export { policyTargets } from "./authorization-policy.js";
export { DEFAULT_NAMESPACE } from "./define-mesh-kind.js";
export { type FaultInjectionSpec, GRPC_STATUS_CODES } from "./fault-injection.js";
export type { MeshDocument, MeshKind, MeshKindName, MeshMetadata, MeshRef } from "./kind.js";
export { PEER_AUTHENTICATION_MODES, peerAuthenticationTargets } from "./peer-authentication.js";
export { FAULT_INJECTION_GROUP } from "./route-parts.js";
export { APP_PROTOCOLS } from "./service.js";
export {
  authorizationPolicyKind,
  destinationRuleKind,
  faultInjectionKind,
  grpcRouteKind,
  httpRouteKind,
  peerAuthenticationKind,
  serviceKind,
  workloadEntryKind,
};

/** Every mesh kind by its REST API name, in the order the API lists them and a store orders them. */
export const MESH_KINDS: { readonly [N in MeshKindName]: MeshKind<N> } = {
  services: serviceKind as MeshKind<"services">,
  workloadentries: workloadEntryKind as MeshKind<"workloadentries">,
  httproutes: httpRouteKind as MeshKind<"httproutes">,
  grpcroutes: grpcRouteKind as MeshKind<"grpcroutes">,
  destinationrules: destinationRuleKind as MeshKind<"destinationrules">,
  faultinjections: faultInjectionKind as MeshKind<"faultinjections">,
  authorizationpolicies: authorizationPolicyKind as MeshKind<"authorizationpolicies">,
  peerauthentications: peerAuthenticationKind as MeshKind<"peerauthentications">,
};

/** Every mesh kind's REST API name, in the order of MESH_KINDS. */
export const MESH_KIND_NAMES: readonly MeshKindName[] = Object.values(MESH_KINDS).map((kind) => kind.plural);

export const ALL_MESH_KINDS: readonly MeshKind[] = Object.values(MESH_KINDS);

const BY_DOCUMENT_KIND = new Map(ALL_MESH_KINDS.map((kind) => [`${kind.apiVersion}/${kind.kind}`, kind]));

export function isMeshKindName(value: string): value is MeshKindName {
  return Object.hasOwn(MESH_KINDS, value);
}

/** The kind a document names by `apiVersion` and `kind` (`v1` + `Service`), or undefined. */
export function meshKindOfDocument(apiVersion: string, kind: string): MeshKind | undefined {
  return BY_DOCUMENT_KIND.get(`${apiVersion}/${kind}`);
}

/** The mesh kind an apply item names by plural (`services`) or by its document kind (`Service`). */
export function meshKindOfName(name: string): MeshKindName | undefined {
  if (isMeshKindName(name)) return name;
  return ALL_MESH_KINDS.find((kind) => kind.kind === name)?.plural;
}
