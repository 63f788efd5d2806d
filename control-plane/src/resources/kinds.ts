// The four kinds of resource the control plane holds, as the REST API names them (plural, in
// paths) and as xDS names them (type URLs).
import { TypeUrl } from "../../../proto/index.js";

export const RESOURCE_KINDS = ["listeners", "routes", "clusters", "endpoints"] as const;

export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface KindInfo {
  readonly kind: ResourceKind;
  /** Envoy's message name, e.g. `Listener`, as `kind:` in apply documents. */
  readonly messageName: string;
  /** Full protobuf name. */
  readonly typeName: string;
  readonly typeUrl: string;
  /** The field holding the resource's name: `name`, or `cluster_name` for endpoints. */
  readonly nameField: "name" | "cluster_name";
  /** The same field as ts-proto spells it. */
  readonly nameProperty: "name" | "clusterName";
}

export const KINDS: Readonly<Record<ResourceKind, KindInfo>> = {
  listeners: {
    kind: "listeners",
    messageName: "Listener",
    typeName: "envoy.config.listener.v3.Listener",
    typeUrl: TypeUrl.listener,
    nameField: "name",
    nameProperty: "name",
  },
  routes: {
    kind: "routes",
    messageName: "RouteConfiguration",
    typeName: "envoy.config.route.v3.RouteConfiguration",
    typeUrl: TypeUrl.route,
    nameField: "name",
    nameProperty: "name",
  },
  clusters: {
    kind: "clusters",
    messageName: "Cluster",
    typeName: "envoy.config.cluster.v3.Cluster",
    typeUrl: TypeUrl.cluster,
    nameField: "name",
    nameProperty: "name",
  },
  endpoints: {
    kind: "endpoints",
    messageName: "ClusterLoadAssignment",
    typeName: "envoy.config.endpoint.v3.ClusterLoadAssignment",
    typeUrl: TypeUrl.endpoint,
    nameField: "cluster_name",
    nameProperty: "clusterName",
  },
};

export function isResourceKind(value: string): value is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(value);
}

/** The kind whose resources travel under `typeUrl`, or undefined for another type. */
export function kindOfTypeUrl(typeUrl: string): ResourceKind | undefined {
  return RESOURCE_KINDS.find((kind) => KINDS[kind].typeUrl === typeUrl);
}

/** The kind an apply document names with `kind: Listener` (or the plural path form). */
export function kindOfName(name: string): ResourceKind | undefined {
  if (isResourceKind(name)) return name;
  return RESOURCE_KINDS.find((kind) => KINDS[kind].messageName === name);
}
