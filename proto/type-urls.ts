// Type URLs as they appear on the wire: in DiscoveryRequest/Response.type_url and in Any.type_url.
import { clusterKind } from "./kinds/cluster.js";
import { endpointKind } from "./kinds/endpoint.js";
import { listenerKind } from "./kinds/listener.js";
import { routeKind } from "./kinds/route.js";
import { secretType } from "./kinds/secret.js";

export { TYPE_URL_PREFIX, typeNameOf, typeUrlOf } from "./type-name.js";

/**
 * The resource types Weft serves over xDS (the four kinds, and the SDS Secret), and the extension
 * types it reads inside them.
 */
export const TypeUrl = {
  listener: listenerKind.typeUrl,
  route: routeKind.typeUrl,
  cluster: clusterKind.typeUrl,
  endpoint: endpointKind.typeUrl,
  secret: secretType.typeUrl,
  httpConnectionManager:
    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  router: "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
  /** Envoy's HTTP fault filter (envoy.filters.http.fault): in http_filters and in typed_per_filter_config. */
  httpFault: "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
  tcpProxy: "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
  upstreamHttpProtocolOptions: "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
  aggregateCluster: "type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig",
  /** The wrapper a SotW response uses when it carries a TTL (docs/xds-protocol.md #34). */
  resource: "type.googleapis.com/envoy.service.discovery.v3.Resource",
  clientConfig: "type.googleapis.com/envoy.service.status.v3.ClientConfig",
} as const;

export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];
