// Reserved names of compiled resources (docs/mesh.md, "Reserved names"). Every compiled resource's
// name starts with `outbound|` or `inbound|`, which no written resource may use, so the two never
// collide in a snapshot. Istio users recognise the cluster form `outbound|PORT||NAME`.

/** The prefixes every compiled resource's name starts with. */
export const RESERVED_NAME_PREFIXES = ["outbound|", "inbound|"] as const;

/** Whether `name` is reserved for compiled resources. */
export function isReservedName(name: string): boolean {
  return RESERVED_NAME_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The Cluster, and its ClusterLoadAssignment, of one Service port. */
export function serviceClusterName(service: string, port: number): string {
  return `outbound|${port}||${service}`;
}

/**
 * The Service and port a `serviceClusterName` names, or undefined for any other name (a written
 * cluster, another reserved name, a port outside 1-65535, an empty Service).
 */
export function serviceOfClusterName(name: string): { readonly service: string; readonly port: number } | undefined {
  if (!name.startsWith("outbound|")) return undefined;
  const parts = name.split("|");
  if (parts.length !== 4 || parts[2] !== "") return undefined;
  const [, portText = "", , service = ""] = parts;
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || service === "") return undefined;
  const port = Number(portText);
  return port <= 65_535 ? { service, port } : undefined;
}

/** The outbound listener of a sidecar (HTTP, routed by Host/:authority). */
export const OUTBOUND_LISTENER = "outbound|listener";
/** The route configuration of the outbound listener: one virtual host per callable Service port. */
export const OUTBOUND_ROUTES = "outbound|routes";
/** The virtual host answering 404 to a host that names no callable Service. */
export const UNKNOWN_HOST_VIRTUAL_HOST = "outbound|unknown-host";
/** The inbound listener of a sidecar, forwarding to its app. */
export const INBOUND_LISTENER = "inbound|listener";
/** The inbound listener's inline route configuration. */
export const INBOUND_ROUTES = "inbound|routes";
/** The cluster of a sidecar's own app. */
export const INBOUND_APP_CLUSTER = "inbound|app";

/** The TCP listener of a sidecar's `--upstream` on `address` (`HOST:PORT`, an IPv6 host in brackets). */
export function upstreamListenerName(address: { readonly host: string; readonly port: number }): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `outbound|upstream|${host}:${address.port}`;
}

/** The cluster a sidecar's outbound listener sends terminated CONNECT tunnels to: that listener itself. */
export const OUTBOUND_CONNECT_CLUSTER = "outbound|connect";

/**
 * What a gRPC proxyless server's bootstrap sets as `server_listener_resource_name_template`: its
 * XdsServer then asks for `inbound|grpc-server|HOST:PORT` for each address it binds.
 */
export const GRPC_SERVER_LISTENER_TEMPLATE = "inbound|grpc-server|%s";

/** The listener of a gRPC proxyless server bound to `address` (an IPv6 host in brackets, as gRPC writes it). */
export function grpcServerListenerName(address: { readonly host: string; readonly port: number }): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return GRPC_SERVER_LISTENER_TEMPLATE.replace("%s", `${host}:${address.port}`);
}
