// Filling in a Kind from what only its file can say: everything derivable from the message type
// (type URL, Envoy's message name, the name property and nameOf, JSON decoding) is derived here.
import { decodeJson } from "../json-decode.js";
import { TYPE_URL_PREFIX } from "../type-name.js";
import type { Kind, KindCodec, KindName, ResourceRef } from "./kind.js";

/** The ts-proto (camelCase) spelling of each name field. */
const NAME_PROPERTY = { name: "name", cluster_name: "clusterName" } as const;

type NameField = keyof typeof NAME_PROPERTY;

export interface KindSpec<N extends KindName, T extends string, S extends string, F extends NameField, M> {
  /** The REST API's name, Envoy's full message name and its snake_case form (NACKs). */
  readonly names: { readonly kind: N; readonly typeName: T; readonly snakeName: S };
  /** How operators say it: singular, further CLI aliases, the discovery service (LDS). */
  readonly spoken: {
    readonly singular: string;
    readonly aliases: readonly string[];
    readonly discoveryService: string;
  };
  readonly nameField: F;
  readonly codec: KindCodec<M>;
  references(message: M): ResourceRef[];
}

/** A Kind whose snakeName keeps its literal type, for the proxy's typed NACK kinds. */
export type DefinedKind<N extends KindName, T extends string, S extends string, M> = Kind<
  N,
  `${typeof TYPE_URL_PREFIX}${T}`,
  M
> & { readonly snakeName: S };

export function defineKind<
  N extends KindName,
  T extends string,
  S extends string,
  F extends NameField,
  M extends { readonly [P in (typeof NAME_PROPERTY)[F]]: string },
>(spec: KindSpec<N, T, S, F, M>): DefinedKind<N, T, S, M> {
  const { kind, typeName, snakeName } = spec.names;
  const nameProperty = NAME_PROPERTY[spec.nameField];
  return {
    kind,
    typeUrl: `${TYPE_URL_PREFIX}${typeName}`,
    typeName,
    messageName: typeName.slice(typeName.lastIndexOf(".") + 1),
    ...spec.spoken,
    snakeName,
    nameField: spec.nameField,
    nameProperty,
    codec: spec.codec,
    fromJson: (json, options) => decodeJson<M>(typeName, json, options),
    nameOf: (message) => message[nameProperty],
    references: (message) => spec.references(message),
  };
}
