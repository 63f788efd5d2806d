// What one mesh kind is, for every layer that handles it: its Kubernetes names (apiVersion, kind),
// its REST API plural, how operators say it, the subset of fields Weft honours (a TypeBox schema
// with no additional properties), its semantic checks and the Services it names. Mesh documents
// are Kubernetes-shaped; the Envoy kinds (protobuf messages) stay in proto/kinds.
import type { TSchema } from "typebox";
import type { ErrorDetail } from "../../errors.js";

/**
 * Every mesh kind by its REST API name (plural, as in `/v1/resources/services`). Adding a kind adds
 * its name here and its file to index.ts; the compiler then points to every map that lacks it.
 */
export type MeshKindName =
  | "services"
  | "workloadentries"
  | "httproutes"
  | "grpcroutes"
  | "destinationrules"
  | "faultinjections"
  | "authorizationpolicies"
  | "peerauthentications";

/**
 * A mesh document's dependency on a Service (or, from a route's ExtensionRef filter, a
 * FaultInjection), found at `path` (e.g. `spec.rules[0].backendRefs[1]`).
 */
export interface MeshRef {
  readonly kind: "services" | "faultinjections";
  readonly name: string;
  readonly path: string;
}

/** `metadata`: the name and namespace are read; labels, annotations and the rest are kept as given. */
export interface MeshMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

/** A document that passed its kind's schema: `S` is the type of its spec. */
export interface MeshDocument<S = unknown> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: MeshMetadata;
  readonly spec: S;
}

export interface MeshKind<N extends MeshKindName = MeshKindName, S = unknown> {
  /** The REST API's name: `services`. */
  readonly plural: N;
  /** As in the document: `networking.istio.io/v1`. */
  readonly apiVersion: string;
  /** As in the document: `WorkloadEntry`. */
  readonly kind: string;
  /** How operators say one resource (`service/catalog`). */
  readonly singular: string;
  /** Further names the CLI accepts, besides the plural, singular and kind: `svc`. */
  readonly aliases: readonly string[];
  /** The whole document's schema: the honoured subset, nothing else. */
  readonly schema: TSchema;
  /**
   * Every structural problem of `document` against the schema, each at its field path
   * (`spec.rules[0].backendRefs[1].weight`); an empty list means it is a MeshDocument<S>.
   */
  check(document: unknown): ErrorDetail[];
  /** Semantic checks of a document that passed check(): every problem, with its field path. */
  validate(document: MeshDocument<S>): ErrorDetail[];
  /** The Services this document names. */
  references(document: MeshDocument<S>): MeshRef[];
  nameOf(document: MeshDocument<S>): string;
}
