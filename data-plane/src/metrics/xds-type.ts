// The `type` label of the xDS metrics: a short name for a type URL, as an operator would say it.

const SHORT_NAMES: ReadonlyMap<string, string> = new Map([
  ["type.googleapis.com/envoy.config.listener.v3.Listener", "listener"],
  ["type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "route"],
  ["type.googleapis.com/envoy.config.cluster.v3.Cluster", "cluster"],
  ["type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", "endpoint"],
]);

/** The four types the proxy subscribes to, whose series exist (at 0) from the start. */
export const XDS_TYPES: readonly string[] = [...SHORT_NAMES.values()];

/** "listener", "route", "cluster" or "endpoint"; any other type by its message name, lower-cased. */
export function xdsTypeName(typeUrl: string): string {
  const known = SHORT_NAMES.get(typeUrl);
  if (known !== undefined) return known;
  const message = typeUrl.slice(typeUrl.lastIndexOf(".") + 1);
  return message === "" ? typeUrl : message.toLowerCase();
}
