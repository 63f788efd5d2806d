// Every kind of resource Weft serves and consumes, looked up by REST API name (KINDS) or by type
// URL (KINDS_BY_TYPE_URL). Both maps are typed per entry: `KINDS_BY_TYPE_URL[typeUrl]` is the kind
// whose codec decodes, and whose nameOf and references take, `MessageOf<typeof typeUrl>`, so a
// table keyed by type URL (the proxy's builders) is checked by the compiler entry by entry.
//
// Adding a kind: a file like listener.ts, its name in KindName (kind.ts), its entry in both maps
// below; the compiler then points to every table that lacks it.
import type { Secret } from "../gen/envoy/extensions/transport_sockets/tls/v3/secret.js";
import { clusterKind } from "./cluster.js";
import { endpointKind } from "./endpoint.js";
import type { Kind, KindName, MessageOfKind, XdsResourceType } from "./kind.js";
import { listenerKind } from "./listener.js";
import { routeKind } from "./route.js";
import { ROOT_SECRET_NAME, secretType, WORKLOAD_SECRET_NAME } from "./secret.js";

export type { Kind, KindCodec, KindName, MessageOfKind, ResourceRef, XdsResourceType } from "./kind.js";
export { clusterKind, endpointKind, listenerKind, ROOT_SECRET_NAME, routeKind, secretType, WORKLOAD_SECRET_NAME };

/** In the order the API lists them and a store applies them. */
const LITERAL = {
  listeners: listenerKind,
  routes: routeKind,
  clusters: clusterKind,
  endpoints: endpointKind,
} as const;

/** Each kind as its file declares it, with its names as literal types (`"route_configuration"`). */
export type KindEntry = (typeof LITERAL)[KindName];

/** The generated message type of the kind named `N`: `Listener` for `listeners`. */
export type MessageOfName<N extends KindName> = MessageOfKind<(typeof LITERAL)[N]>;

/** The type URL of each kind. */
export type KindTypeUrl = (typeof LITERAL)[KindName]["typeUrl"];

/** The kind whose resources travel under type URL `U`. */
export type KindOf<U extends KindTypeUrl> = Extract<(typeof LITERAL)[KindName], { readonly typeUrl: U }>;

/** The generated message type of the resources that travel under type URL `U`. */
export type MessageOf<U extends KindTypeUrl> = MessageOfKind<KindOf<U>>;

/** Every kind by its REST API name. */
export const KINDS: { readonly [N in KindName]: Kind<N, (typeof LITERAL)[N]["typeUrl"], MessageOfName<N>> } = LITERAL;

/** Every kind by its type URL. */
export const KINDS_BY_TYPE_URL: { readonly [U in KindTypeUrl]: Kind<KindOf<U>["kind"], U, MessageOf<U>> } = {
  [listenerKind.typeUrl]: listenerKind,
  [routeKind.typeUrl]: routeKind,
  [clusterKind.typeUrl]: clusterKind,
  [endpointKind.typeUrl]: endpointKind,
};

/** Every kind's REST API name, in the order of KINDS. */
export const KIND_NAMES: readonly KindName[] = Object.values(KINDS).map((kind) => kind.kind);

/** Every kind, in the order of KINDS. */
export const ALL_KINDS: readonly Kind[] = Object.values(KINDS);

export function isKindName(value: string): value is KindName {
  return Object.hasOwn(KINDS, value);
}

export function isKindTypeUrl(typeUrl: string): typeUrl is KindTypeUrl {
  return Object.hasOwn(KINDS_BY_TYPE_URL, typeUrl);
}

/** The kind whose resources travel under `typeUrl`, or undefined for another type. */
export function kindOfTypeUrl(typeUrl: string): Kind | undefined {
  return isKindTypeUrl(typeUrl) ? KINDS_BY_TYPE_URL[typeUrl] : undefined;
}

/**
 * Every type URL that travels over xDS: the kinds', and the SDS Secret's (served by the control
 * plane, never a kind of the API).
 */
export type XdsTypeUrl = KindTypeUrl | typeof secretType.typeUrl;

/** The generated message type of the resources that travel over xDS under type URL `U`. */
export type XdsMessageOf<U extends XdsTypeUrl> = U extends KindTypeUrl ? MessageOf<U> : Secret;

/** The xDS resource type of `typeUrl` (a kind's, or the Secret's), or undefined for another type. */
export function xdsTypeOfTypeUrl(typeUrl: string): XdsResourceType | undefined {
  if (typeUrl === secretType.typeUrl) return secretType as XdsResourceType;
  return kindOfTypeUrl(typeUrl);
}

/** The kind an apply document names with `kind: Listener` (or the plural path form). */
export function kindOfName(name: string): KindName | undefined {
  if (isKindName(name)) return name;
  return ALL_KINDS.find((kind) => kind.messageName === name)?.kind;
}
