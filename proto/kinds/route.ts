// RouteConfiguration (RDS): a route table, named by listeners over RDS; it names the clusters its
// routes send traffic to.

import { field, item } from "../field-path.js";
import { RouteConfiguration } from "../gen/envoy/config/route/v3/route.js";
import { decodeJson } from "../json-decode.js";
import { TYPE_URL_PREFIX } from "../type-name.js";
import type { Kind, ResourceRef } from "./kind.js";

const TYPE_NAME = "envoy.config.route.v3.RouteConfiguration";

export const routeKind = {
  kind: "routes",
  typeUrl: `${TYPE_URL_PREFIX}${TYPE_NAME}`,
  typeName: TYPE_NAME,
  messageName: "RouteConfiguration",
  singular: "route",
  aliases: ["route-configurations"],
  discoveryService: "RDS",
  snakeName: "route_configuration",
  nameField: "name",
  nameProperty: "name",
  codec: RouteConfiguration,
  fromJson: (json, options) => decodeJson<RouteConfiguration>(TYPE_NAME, json, options),
  nameOf: (config) => config.name,
  references: (config) => routeConfigurationClusters(config, ""),
} as const satisfies Kind<"routes", string, RouteConfiguration>;

/**
 * The clusters a route configuration at `path` sends traffic to (cluster_header names none in
 * advance); also for a route_config inline in an HttpConnectionManager.
 */
export function routeConfigurationClusters(config: RouteConfiguration, path: string): ResourceRef[] {
  const refs: ResourceRef[] = [];
  config.virtualHosts.forEach((host, i) => {
    host.routes.forEach((route, k) => {
      const action = route.route;
      if (action === undefined) return;
      const at = field(item(field(item(field(path, "virtual_hosts"), i), "routes"), k), "route");
      if (action.cluster) refs.push({ kind: "clusters", name: action.cluster, path: field(at, "cluster") });
      action.weightedClusters?.clusters.forEach((cluster, j) => {
        if (cluster.name) {
          refs.push({
            kind: "clusters",
            name: cluster.name,
            path: field(item(field(at, "weighted_clusters.clusters"), j), "name"),
          });
        }
      });
    });
  });
  return refs;
}
