// What one kind of xDS resource is, for every layer that handles it: its type URL and generated
// message type, the names the REST API, the CLI, metrics and NACKs call it by, where its name is,
// and which other resources it names. One file per kind (listener.ts, route.ts, cluster.ts,
// endpoint.ts) fills this in; index.ts gathers them into the maps the planes look kinds up in.
import type { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import type { JsonDecodeOptions } from "../json-decode.js";

/**
 * Every kind by its REST API name (plural, as in `/v1/resources/listeners`). Adding a kind adds
 * its name here; the compiler then points to every map that lacks it.
 */
export type KindName = "listeners" | "routes" | "clusters" | "endpoints";

/** A dependency of one resource on another, found at `path` inside the referring resource. */
export interface ResourceRef {
  readonly kind: KindName;
  readonly name: string;
  /** Field path inside the referring resource, e.g. `virtual_hosts[0].routes[1].route.cluster`. */
  readonly path: string;
}

/** The binary codec ts-proto generates for message type `M`. */
export interface KindCodec<M> {
  encode(message: M, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): M;
}

/**
 * What both planes' xDS layers need of a resource type that travels over xDS: a kind (below), or
 * a type served but never written through the API (the SDS Secret, secret.ts).
 */
export interface XdsResourceType<U extends string = string, M = unknown> {
  /** As on the wire, in DiscoveryRequest.type_url and Any.type_url. */
  readonly typeUrl: U;
  /** Full protobuf name: `envoy.config.listener.v3.Listener`. */
  readonly typeName: string;
  /** Envoy's message name, as `kind:` in apply documents: `Listener`. */
  readonly messageName: string;
  /** How operators say one resource (`listener/front`) and the xDS metrics' `type` label. */
  readonly singular: string;
  /** The discovery service that serves it: `LDS`. */
  readonly discoveryService: string;
  /** The message name in snake_case, as the proxy's NACKs name the resource type: `route_configuration`. */
  readonly snakeName: string;
  readonly codec: KindCodec<M>;
  nameOf(message: M): string;
}

/** One kind of resource; `M` is its generated (ts-proto) message type. */
export interface Kind<N extends KindName = KindName, U extends string = string, M = unknown>
  extends XdsResourceType<U, M> {
  /** The REST API's name (plural): `listeners`. */
  readonly kind: N;
  /** Further names the CLI accepts for the kind, besides the plural, singular and message name. */
  readonly aliases: readonly string[];
  /** The field holding the resource's name, in proto (snake_case) and ts-proto (camelCase) spelling. */
  readonly nameField: "name" | "cluster_name";
  readonly nameProperty: "name" | "clusterName";
  /** Decodes Envoy's JSON form strictly (see decodeJson); throws ProtoError. */
  fromJson(json: unknown, options?: JsonDecodeOptions): M;
  /** The other resources this one needs (routes by RDS name, clusters by route action, endpoints by EDS name). */
  references(message: M): ResourceRef[];
}

/** The generated message type of a kind. */
export type MessageOfKind<K> = K extends Kind<KindName, string, infer M> ? M : never;
