// /clusters?format=text: one `cluster::address::stat::value` line per endpoint fact, the shape of
// Envoy's /clusters output, so tools and habits that grep it keep working.
import type { EndpointHealth } from "../config/index.js";
import type { ClusterView } from "../upstream/index.js";

/** Envoy's health_flags: "healthy", or the flags that make an endpoint unusable. */
const HEALTH_FLAGS: Readonly<Record<EndpointHealth, string>> = {
  UNKNOWN: "healthy",
  HEALTHY: "healthy",
  UNHEALTHY: "/failed_eds_health",
  TIMEOUT: "/failed_eds_health",
  DRAINING: "/eds_status_draining",
  DEGRADED: "/degraded_eds_health",
};

export function clustersText(clusters: readonly ClusterView[]): string {
  const lines: string[] = [];
  for (const cluster of clusters) {
    lines.push(`${cluster.name}::warming::${cluster.warming}`);
    for (const endpoint of cluster.endpoints) {
      const prefix = `${cluster.name}::${endpoint.address}`;
      lines.push(
        `${prefix}::health_flags::${healthFlags(endpoint)}`,
        `${prefix}::weight::${endpoint.weight}`,
        `${prefix}::priority::${endpoint.priority}`,
        `${prefix}::rq_active::${endpoint.activeRequests}`,
      );
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** The host's flags when the view has them (health checks, outlier ejection), else from its EDS health. */
function healthFlags(endpoint: ClusterView["endpoints"][number]): string {
  const flags = endpoint.healthFlags;
  if (flags === undefined) return HEALTH_FLAGS[endpoint.health];
  return flags.length === 0 ? "healthy" : flags.map((flag) => `/${flag}`).join("");
}

/** The JSON form: the view's fields, copied so nothing else the view holds leaks out. */
export function clustersJson(clusters: readonly ClusterView[]): unknown {
  return {
    clusters: clusters.map((cluster) => ({
      name: cluster.name,
      warming: cluster.warming,
      endpoints: cluster.endpoints.map((endpoint) => ({
        address: endpoint.address,
        priority: endpoint.priority,
        weight: endpoint.weight,
        health: endpoint.health,
        activeRequests: endpoint.activeRequests,
        ...(endpoint.healthFlags === undefined ? {} : { healthFlags: endpoint.healthFlags }),
        ...(endpoint.healthy === undefined ? {} : { healthy: endpoint.healthy }),
        ...(endpoint.locality === undefined ? {} : { locality: endpoint.locality }),
      })),
      ...(cluster.lbPolicy === undefined ? {} : { lbPolicy: cluster.lbPolicy }),
      ...(cluster.panic === undefined ? {} : { panic: cluster.panic }),
      ...(cluster.dns === undefined ? {} : { dns: cluster.dns }),
    })),
  };
}
