// The four kinds as operators name them on the command line and in files: the API's plural
// (`clusters`), the singular (`cluster`) or Envoy's message name (`Cluster`), in any case.
import type { ApiKind } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";

export interface KindNames {
  readonly kind: ApiKind;
  /** Envoy's message name, as `kind:` in documents. */
  readonly messageName: string;
  /** How output lines name one resource: `cluster/echo`. */
  readonly singular: string;
  /** The field holding the name, in snake_case and camelCase. */
  readonly nameFields: readonly string[];
}

export const KIND_ORDER: readonly ApiKind[] = ["listeners", "routes", "clusters", "endpoints"];

export const KIND_NAMES: Readonly<Record<ApiKind, KindNames>> = {
  listeners: { kind: "listeners", messageName: "Listener", singular: "listener", nameFields: ["name"] },
  routes: { kind: "routes", messageName: "RouteConfiguration", singular: "route", nameFields: ["name"] },
  clusters: { kind: "clusters", messageName: "Cluster", singular: "cluster", nameFields: ["name"] },
  endpoints: {
    kind: "endpoints",
    messageName: "ClusterLoadAssignment",
    singular: "endpoint",
    nameFields: ["cluster_name", "clusterName"],
  },
};

const TYPE_URL_PREFIX = "type.googleapis.com/envoy.config.";
const TYPE_URLS: Readonly<Record<ApiKind, string>> = {
  listeners: `${TYPE_URL_PREFIX}listener.v3.Listener`,
  routes: `${TYPE_URL_PREFIX}route.v3.RouteConfiguration`,
  clusters: `${TYPE_URL_PREFIX}cluster.v3.Cluster`,
  endpoints: `${TYPE_URL_PREFIX}endpoint.v3.ClusterLoadAssignment`,
};

const ALIASES = new Map<string, ApiKind>();
for (const names of Object.values(KIND_NAMES)) {
  for (const alias of [names.kind, names.singular, names.messageName]) ALIASES.set(alias.toLowerCase(), names.kind);
}
ALIASES.set("route-configurations", "routes");
ALIASES.set("cla", "endpoints");

/** The kind `text` names, or undefined. */
export function kindOf(text: string): ApiKind | undefined {
  return ALIASES.get(text.toLowerCase());
}

/** The kind `text` names; a usage error listing the accepted names otherwise. */
export function requireKind(text: string): ApiKind {
  const kind = kindOf(text);
  if (kind === undefined) {
    throw new CliError(
      CliErrorCode.unknownKind,
      `unknown kind "${text}"; expected one of listeners, routes, clusters, endpoints (or Listener, RouteConfiguration, Cluster, ClusterLoadAssignment)`,
    );
  }
  return kind;
}

/** The kind whose resources travel under `typeUrl`, or undefined. */
export function kindOfTypeUrl(typeUrl: string): ApiKind | undefined {
  return KIND_ORDER.find((kind) => TYPE_URLS[kind] === typeUrl);
}

export function typeUrlOf(kind: ApiKind): string {
  return TYPE_URLS[kind];
}

/** The name a resource body gives itself (`name`, or `cluster_name` for endpoints). */
export function nameOf(kind: ApiKind, resource: Readonly<Record<string, unknown>>): string | undefined {
  for (const field of KIND_NAMES[kind].nameFields) {
    const value = resource[field];
    if (typeof value === "string") return value;
  }
  return undefined;
}

/** `cluster/echo`, as output lines name a resource. */
export function label(kind: ApiKind, name: string): string {
  return `${KIND_NAMES[kind].singular}/${name}`;
}
