// What the compiler reads: the store's mesh documents, indexed once per store state. Documents in
// the store passed their kind's checks, so each is typed by its kind here without checking again.
import type {
  authorizationPolicyKind,
  destinationRuleKind,
  FaultInjectionSpec,
  grpcRouteKind,
  httpRouteKind,
  MeshDocument,
  MeshKind,
  MeshKindName,
  peerAuthenticationKind,
  serviceKind,
  workloadEntryKind,
} from "../kinds/index.js";

type SpecOf<K> = K extends MeshKind<MeshKindName, infer S> ? S : never;

export type ServiceSpec = SpecOf<typeof serviceKind>;
export type WorkloadEntrySpec = SpecOf<typeof workloadEntryKind>;
export type HttpRouteSpec = SpecOf<typeof httpRouteKind>;
export type GrpcRouteSpec = SpecOf<typeof grpcRouteKind>;
export type DestinationRuleSpec = SpecOf<typeof destinationRuleKind>;
export type AuthorizationPolicySpec = SpecOf<typeof authorizationPolicyKind>;
export type AuthorizationPolicyDocument = MeshDocument<AuthorizationPolicySpec>;
export type PeerAuthenticationSpec = SpecOf<typeof peerAuthenticationKind>;
export type PeerAuthenticationDocument = MeshDocument<PeerAuthenticationSpec>;

export type ServiceDocument = MeshDocument<ServiceSpec>;
export type WorkloadEntryDocument = MeshDocument<WorkloadEntrySpec>;
export type HttpRouteDocument = MeshDocument<HttpRouteSpec>;
export type GrpcRouteDocument = MeshDocument<GrpcRouteSpec>;
export type DestinationRuleDocument = MeshDocument<DestinationRuleSpec>;
export type FaultInjectionDocument = MeshDocument<FaultInjectionSpec>;

/** One port of a Service, as routes and callers name it. */
export type ServicePort = ServiceSpec["ports"][number];

/** Every mesh document of one store state, by kind and name (each map in name order). */
export interface MeshState {
  readonly services: ReadonlyMap<string, ServiceDocument>;
  readonly workloadEntries: ReadonlyMap<string, WorkloadEntryDocument>;
  readonly httpRoutes: ReadonlyMap<string, HttpRouteDocument>;
  readonly grpcRoutes: ReadonlyMap<string, GrpcRouteDocument>;
  readonly destinationRules: ReadonlyMap<string, DestinationRuleDocument>;
  readonly faultInjections: ReadonlyMap<string, FaultInjectionDocument>;
  readonly authorizationPolicies: ReadonlyMap<string, AuthorizationPolicyDocument>;
  readonly peerAuthentications: ReadonlyMap<string, PeerAuthenticationDocument>;
}

/** A mesh document as the store holds it: its kind's REST name and the parsed document. */
export interface StoredMeshDocument {
  readonly kind: MeshKindName;
  readonly document: MeshDocument;
}

/**
 * Indexes documents that passed their kind's checks (the store's, or parseMeshDocument's). Names
 * are metadata.name; a later document of the same kind and name replaces an earlier one.
 */
export function meshStateOf(documents: Iterable<StoredMeshDocument>): MeshState {
  const byKind: { [N in MeshKindName]: Map<string, MeshDocument> } = {
    services: new Map(),
    workloadentries: new Map(),
    httproutes: new Map(),
    grpcroutes: new Map(),
    destinationrules: new Map(),
    faultinjections: new Map(),
    authorizationpolicies: new Map(),
    peerauthentications: new Map(),
  };
  for (const { kind, document } of documents) byKind[kind].set(document.metadata.name, document);
  // Stored documents passed their kind's checks: each map holds its kind's documents only.
  const sorted = <D>(map: Map<string, MeshDocument>): ReadonlyMap<string, D> =>
    new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as unknown as ReadonlyMap<string, D>;
  return {
    services: sorted(byKind.services),
    workloadEntries: sorted(byKind.workloadentries),
    httpRoutes: sorted(byKind.httproutes),
    grpcRoutes: sorted(byKind.grpcroutes),
    destinationRules: sorted(byKind.destinationrules),
    faultInjections: sorted(byKind.faultinjections),
    authorizationPolicies: sorted(byKind.authorizationpolicies),
    peerAuthentications: sorted(byKind.peerauthentications),
  };
}

/** The port of `service` that `port` names; undefined when the Service has no such port. */
export function portOf(service: ServiceDocument, port: number): ServicePort | undefined {
  return service.spec.ports.find((p) => p.port === port);
}

/** The DestinationRule for `service` (the first by name when several name it), or undefined. */
export function destinationRuleFor(state: MeshState, service: string): DestinationRuleDocument | undefined {
  for (const rule of state.destinationRules.values()) if (rule.spec.host === service) return rule;
  return undefined;
}
