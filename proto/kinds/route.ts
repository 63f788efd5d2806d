// RouteConfiguration (RDS): a route table, named by listeners over RDS; it names the clusters its
// routes send traffic to.

import { field, item } from "../field-path.js";
import { RouteConfiguration } from "../gen/envoy/config/route/v3/route.js";
import { defineKind } from "./define-kind.js";
import type { ResourceRef } from "./kind.js";

const TYPE_NAME = "envoy.config.route.v3.RouteConfiguration";

export const routeKind = defineKind({
  names: { kind: "routes", typeName: TYPE_NAME, snakeName: "route_configuration" },
  spoken: { singular: "route", aliases: ["route-configurations"], discoveryService: "RDS" },
  nameField: "name",
  codec: RouteConfiguration,
  references: (config) => routeConfigurationClusters(config, ""),
});

/**
 * The clusters a route configuration at `path` sends traffic to (cluster_header names none in
 * advance); also for a route_config inline in an HttpConnectionManager.
 */
export function routeConfigurationClusters(config: RouteConfiguration, path: string): ResourceRef[] {
  const refs: ResourceRef[] = [];
  config.virtualHosts.forEach((host, i) => {
    host.routes.forEach((route, k) => {
      if (route.route === undefined) return;
      refs.push(
        ...clusterTargets(route.route, field(item(field(item(field(path, "virtual_hosts"), i), "routes"), k), "route")),
      );
    });
  });
  return refs;
}

/** What a route action or a TcpProxy at `path` sends to: `cluster`, or each of `weighted_clusters.clusters`. */
export interface ClusterTargets {
  readonly cluster?: string | undefined;
  readonly weightedClusters?: { readonly clusters: readonly { readonly name: string }[] } | undefined;
}

/** The clusters `target` at `path` names. */
export function clusterTargets(target: ClusterTargets, path: string): ResourceRef[] {
  const refs: ResourceRef[] = [];
  if (target.cluster) refs.push({ kind: "clusters", name: target.cluster, path: field(path, "cluster") });
  target.weightedClusters?.clusters.forEach((cluster, i) => {
    if (cluster.name) {
      refs.push({
        kind: "clusters",
        name: cluster.name,
        path: field(item(field(path, "weighted_clusters.clusters"), i), "name"),
      });
    }
  });
  return refs;
}
