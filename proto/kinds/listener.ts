// Listener (LDS): a proxy listener, or an api_listener read by gRPC clients; it names route
// configurations over RDS and, through inline route configurations and TCP proxies, clusters.

import { unpackIfHolds } from "../any.js";
import { field, item } from "../field-path.js";
import { Listener } from "../gen/envoy/config/listener/v3/listener.js";
import type { FilterChain } from "../gen/envoy/config/listener/v3/listener_components.js";
import type { HttpConnectionManager } from "../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import type { TcpProxy } from "../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.js";
import { defineKind } from "./define-kind.js";
import type { ResourceRef } from "./kind.js";
import { clusterTargets, routeConfigurationClusters } from "./route.js";

const TYPE_NAME = "envoy.config.listener.v3.Listener";
const HTTP_CONNECTION_MANAGER = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

export const listenerKind = defineKind({
  names: { kind: "listeners", typeName: TYPE_NAME, snakeName: "listener" },
  spoken: { singular: "listener", aliases: [], discoveryService: "LDS" },
  nameField: "name",
  codec: Listener,
  references: listenerRefs,
});

function listenerRefs(listener: Listener): ResourceRef[] {
  const refs: ResourceRef[] = [];
  const api = unpackIfHolds<HttpConnectionManager>(listener.apiListener?.apiListener, HTTP_CONNECTION_MANAGER);
  if (api !== undefined) refs.push(...httpConnectionManagerRefs(api, "api_listener.api_listener"));
  listener.filterChains.forEach((chain, i) => {
    refs.push(...filterChainRefs(chain, item("filter_chains", i)));
  });
  if (listener.defaultFilterChain !== undefined) {
    refs.push(...filterChainRefs(listener.defaultFilterChain, "default_filter_chain"));
  }
  return refs;
}

function filterChainRefs(chain: FilterChain, path: string): ResourceRef[] {
  return chain.filters.flatMap((filter, j) => {
    const at = field(item(field(path, "filters"), j), "typed_config");
    const manager = unpackIfHolds<HttpConnectionManager>(filter.typedConfig, HTTP_CONNECTION_MANAGER);
    if (manager !== undefined) return httpConnectionManagerRefs(manager, at);
    const proxy = unpackIfHolds<TcpProxy>(filter.typedConfig, TCP_PROXY);
    return proxy === undefined ? [] : clusterTargets(proxy, at);
  });
}

/** The route configuration an HttpConnectionManager at `path` names, or the clusters its inline one uses. */
function httpConnectionManagerRefs(manager: HttpConnectionManager, path: string): ResourceRef[] {
  const refs: ResourceRef[] = [];
  const name = manager.rds?.routeConfigName ?? "";
  if (name !== "") refs.push({ kind: "routes", name, path: field(path, "rds.route_config_name") });
  if (manager.routeConfig !== undefined)
    refs.push(...routeConfigurationClusters(manager.routeConfig, field(path, "route_config")));
  return refs;
}
