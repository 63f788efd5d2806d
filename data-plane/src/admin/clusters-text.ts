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

/**
 * The JSON form: every field of the view, which is built for display (the cluster manager's
 * endpoints joined with their health-check, outlier and circuit-breaker state).
 */
export function clustersJson(clusters: readonly ClusterView[]): unknown {
  return { clusters };
}
