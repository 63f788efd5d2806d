// Resources for the config-layer tests, written in Envoy's JSON form and decoded by the codec the
// proxy uses, so the tests see the generated types as they arrive over xDS.
import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import { decodeJson } from "../../../proto/index.js";

export type Json = Record<string, unknown>;

export const HCM_TYPE =
  "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
export const TCP_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
export const ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

export const listener = (json: Json): Listener => decodeJson<Listener>("envoy.config.listener.v3.Listener", json);
export const cluster = (json: Json): Cluster => decodeJson<Cluster>("envoy.config.cluster.v3.Cluster", json);
export const routeConfig = (json: Json): RouteConfiguration =>
  decodeJson<RouteConfiguration>("envoy.config.route.v3.RouteConfiguration", json);
export const assignment = (json: Json): ClusterLoadAssignment =>
  decodeJson<ClusterLoadAssignment>("envoy.config.endpoint.v3.ClusterLoadAssignment", json);

export const ROUTER_FILTER: Json = { name: "envoy.filters.http.router", typed_config: { "@type": ROUTER_TYPE } };

/** A copy of `json` without `keys` (the codec refuses explicit undefined). */
export function omit(json: Json, ...keys: string[]): Json {
  return Object.fromEntries(Object.entries(json).filter(([key]) => !keys.includes(key)));
}

export function hcm(extra: Json = {}, without: string[] = []): Json {
  return omit(
    {
      "@type": HCM_TYPE,
      stat_prefix: "ingress_http",
      rds: { route_config_name: "local_route", config_source: { ads: {}, resource_api_version: "V3" } },
      http_filters: [ROUTER_FILTER],
      ...extra,
    },
    ...without,
  );
}

/** A listener on 0.0.0.0:10000 with one chain holding `filters`. */
export function listenerJson(filters: Json[], extra: Json = {}): Json {
  return {
    name: "ingress",
    address: { socket_address: { address: "0.0.0.0", port_value: 10000 } },
    filter_chains: [{ filters }],
    ...extra,
  };
}

export function httpListener(hcmExtra: Json = {}, extra: Json = {}, hcmWithout: string[] = []): Json {
  return listenerJson(
    [{ name: "envoy.filters.network.http_connection_manager", typed_config: hcm(hcmExtra, hcmWithout) }],
    extra,
  );
}

/** An HTTP listener whose routes are inline. */
export function inlineListener(routeConfig: Json): Json {
  return httpListener({ route_config: routeConfig }, {}, ["rds"]);
}

export function tcpListener(tcpExtra: Json = {}): Json {
  return listenerJson([
    { name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": TCP_TYPE, stat_prefix: "tcp", ...tcpExtra } },
  ]);
}

export const INLINE_ROUTES: Json = {
  name: "inline",
  virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "backend" } }] }],
};

export function endpointJson(address: string, port: number, extra: Json = {}): Json {
  return { endpoint: { address: { socket_address: { address, port_value: port } } }, ...extra };
}

export function staticCluster(extra: Json = {}): Json {
  return {
    name: "backend",
    type: "STATIC",
    connect_timeout: "0.25s",
    load_assignment: {
      cluster_name: "backend",
      endpoints: [{ lb_endpoints: [endpointJson("127.0.0.1", 8080), endpointJson("::1", 8081)] }],
    },
    ...extra,
  };
}

export function edsCluster(extra: Json = {}): Json {
  return {
    name: "svc",
    type: "EDS",
    eds_cluster_config: { service_name: "svc-eds", eds_config: { ads: {}, resource_api_version: "V3" } },
    ...extra,
  };
}
