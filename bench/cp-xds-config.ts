// The mesh the control-plane benchmark serves, in Envoy v3 JSON as the REST API takes it: one
// listener whose HTTP connection manager names one route configuration over RDS, that route
// configuration with one route per cluster, and that many EDS clusters, each with a
// ClusterLoadAssignment of a few endpoints. Pure functions: the orchestrator PUTs what they return.
import type { KindName } from "../proto/index.js";

export const LISTENER_NAME = "bench-ingress";
export const ROUTE_CONFIG_NAME = "bench-routes";

const HCM_TYPE =
  "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

export interface MeshShape {
  readonly clusters: number;
  readonly endpointsPerCluster: number;
}

/** `svc-007` for 7: fixed width, so names sort as numbers do. */
export function clusterName(index: number): string {
  return `svc-${String(index).padStart(3, "0")}`;
}

/** The path prefix a route matches; `generation` changes it, which is what a route change round does. */
export function routePrefix(index: number, generation: number): string {
  return generation === 0 ? `/${clusterName(index)}/` : `/${clusterName(index)}/g${generation}/`;
}

/** The port of endpoint `endpoint` of cluster `index`; `generation` moves it, which is what an endpoint change round does. */
export function endpointPort(index: number, endpoint: number, generation: number): number {
  return 20_000 + index * 16 + endpoint + generation * 4_000;
}

export function listenerJson(): Record<string, unknown> {
  return {
    name: LISTENER_NAME,
    address: { socket_address: { address: "127.0.0.1", port_value: 15_001 } },
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": HCM_TYPE,
              stat_prefix: "bench",
              rds: { route_config_name: ROUTE_CONFIG_NAME, config_source: { ads: {} } },
              http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": ROUTER_TYPE } }],
            },
          },
        ],
      },
    ],
  };
}

/** The route configuration; `changed` gives route index -> generation for routes moved off generation 0. */
export function routeConfigJson(
  shape: MeshShape,
  changed: ReadonlyMap<number, number> = new Map(),
): Record<string, unknown> {
  const routes = [];
  for (let i = 0; i < shape.clusters; i++) {
    routes.push({ match: { prefix: routePrefix(i, changed.get(i) ?? 0) }, route: { cluster: clusterName(i) } });
  }
  return { name: ROUTE_CONFIG_NAME, virtual_hosts: [{ name: "bench", domains: ["*"], routes }] };
}

export function clusterJson(index: number): Record<string, unknown> {
  return {
    name: clusterName(index),
    type: "EDS",
    connect_timeout: "1s",
    lb_policy: "ROUND_ROBIN",
    eds_cluster_config: { eds_config: { ads: {} } },
  };
}

export function loadAssignmentJson(shape: MeshShape, index: number, generation = 0): Record<string, unknown> {
  const lbEndpoints = [];
  for (let e = 0; e < shape.endpointsPerCluster; e++) {
    lbEndpoints.push({
      endpoint: {
        address: { socket_address: { address: "127.0.0.1", port_value: endpointPort(index, e, generation) } },
      },
    });
  }
  return {
    cluster_name: clusterName(index),
    endpoints: [{ locality: {}, load_balancing_weight: 1, lb_endpoints: lbEndpoints }],
  };
}

export type ApiKind = KindName;

/** Every resource of the mesh, in the order `POST /v1/apply` would take them: what is referenced first. */
export function meshResources(shape: MeshShape): { kind: ApiKind; name: string; resource: Record<string, unknown> }[] {
  const out: { kind: ApiKind; name: string; resource: Record<string, unknown> }[] = [];
  for (let i = 0; i < shape.clusters; i++) {
    out.push({ kind: "endpoints", name: clusterName(i), resource: loadAssignmentJson(shape, i) });
    out.push({ kind: "clusters", name: clusterName(i), resource: clusterJson(i) });
  }
  out.push({ kind: "routes", name: ROUTE_CONFIG_NAME, resource: routeConfigJson(shape) });
  out.push({ kind: "listeners", name: LISTENER_NAME, resource: listenerJson() });
  return out;
}
