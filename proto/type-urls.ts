// Type URLs as they appear on the wire: in DiscoveryRequest/Response.type_url and in Any.type_url.

export const TYPE_URL_PREFIX = "type.googleapis.com/";

/** The four resource types Weft serves over xDS, and the extension types it reads inside them. */
export const TypeUrl = {
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  endpoint: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
  httpConnectionManager:
    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  router: "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
  tcpProxy: "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
  upstreamHttpProtocolOptions: "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
  aggregateCluster: "type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig",
  /** The wrapper a SotW response uses when it carries a TTL (docs/xds-protocol.md #34). */
  resource: "type.googleapis.com/envoy.service.discovery.v3.Resource",
  clientConfig: "type.googleapis.com/envoy.service.status.v3.ClientConfig",
} as const;

export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** `type.googleapis.com/envoy.config.listener.v3.Listener` for `envoy.config.listener.v3.Listener`. */
export function typeUrlOf(typeName: string): string {
  return TYPE_URL_PREFIX + typeName;
}

/**
 * The message name a type URL names: everything after its last `/`, as protobuf's Any defines it.
 * Returns undefined for a URL with no `/` or nothing after it.
 */
export function typeNameOf(typeUrl: string): string | undefined {
  const slash = typeUrl.lastIndexOf("/");
  const name = typeUrl.slice(slash + 1);
  return slash < 0 || name === "" ? undefined : name;
}
