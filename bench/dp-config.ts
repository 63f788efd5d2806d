// The mesh the data-plane benchmark gives the Weft proxy: CLUSTERS EDS clusters, each with the
// backend's two ports as endpoints; one HTTP listener whose routes come over RDS; one route
// configuration with a virtual host per cluster (by domain) and a catch-all virtual host that
// splits the load between the first two clusters by weight. wrk's requests (any Host) take the
// catch-all; config churn changes its weights and the second cluster's endpoints.
import { edsCluster, httpListener, type Json, type Kind } from "../test/e2e/mesh.js";

export const CLUSTERS = 100;
export const LISTENER_NAME = "bench-http";
export const ROUTE_CONFIG_NAME = "bench-routes";

export function clusterName(i: number): string {
  return `c${String(i).padStart(3, "0")}`;
}

/** The ClusterLoadAssignment of `cluster`: one locality group, 127.0.0.1 at each port. */
export function assignment(cluster: string, ports: readonly number[]): Json {
  return {
    cluster_name: cluster,
    endpoints: [
      {
        // gRPC clients NACK a group without a locality, so the control plane requires one.
        locality: {},
        lb_endpoints: ports.map((port) => ({
          endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } },
        })),
      },
    ],
  };
}

/** The route configuration, with the catch-all's weights for the first and second cluster. */
export function routeConfig(weights: readonly [number, number]): Json {
  const route = (action: Json) => ({ match: { prefix: "/" }, route: action });
  const perCluster = Array.from({ length: CLUSTERS }, (_, i) => ({
    name: clusterName(i),
    domains: [`${clusterName(i)}.bench`],
    routes: [route({ cluster: clusterName(i) })],
  }));
  const split = {
    weighted_clusters: {
      clusters: [
        { name: clusterName(0), weight: weights[0] },
        { name: clusterName(1), weight: weights[1] },
      ],
    },
  };
  return {
    name: ROUTE_CONFIG_NAME,
    virtual_hosts: [...perCluster, { name: "catch-all", domains: ["*"], routes: [route(split)] }],
  };
}

export function meshResources(listenerPort: number, backendPorts: readonly number[]): { kind: Kind; resource: Json }[] {
  return [
    ...Array.from({ length: CLUSTERS }, (_, i) => [
      { kind: "clusters" as const, resource: edsCluster(clusterName(i)) },
      { kind: "endpoints" as const, resource: assignment(clusterName(i), backendPorts) },
    ]).flat(),
    { kind: "routes", resource: routeConfig([50, 50]) },
    { kind: "listeners", resource: httpListener(LISTENER_NAME, listenerPort, ROUTE_CONFIG_NAME) },
  ];
}
