// ClusterLoadAssignment (from EDS, or a STATIC cluster's load_assignment) → RuntimeEndpoints.

import { HealthStatus } from "../../../proto/gen/envoy/config/core/v3/health_check.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { Cursor, join, socketAddress } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

export type EndpointHealth = "UNKNOWN" | "HEALTHY" | "UNHEALTHY" | "DRAINING" | "TIMEOUT" | "DEGRADED";

export interface RuntimeEndpoint {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly health: EndpointHealth;
}

export interface RuntimeLocality {
  readonly priority: number;
  readonly weight: number;
  readonly endpoints: readonly RuntimeEndpoint[];
  /** The locality's name; undefined when the assignment gives none. */
  readonly locality?: { readonly region: string; readonly zone: string; readonly subZone: string } | undefined;
  /** Whether load_balancing_weight was set (weight is 1 otherwise). */
  readonly weightGiven?: boolean | undefined;
}

export interface RuntimeEndpoints {
  readonly clusterName: string;
  readonly localities: readonly RuntimeLocality[];
  /**
   * policy.overprovisioning_factor as a percentage (Envoy's default 140: a priority counts as
   * fully available while at least 1/1.4 of it is healthy). Undefined means the default.
   */
  readonly overprovisioningFactor?: number | undefined;
  /** policy.weighted_priority_health: a priority's health counts weights rather than hosts. */
  readonly weightedPriorityHealth?: boolean | undefined;
}

/** Envoy's default policy.overprovisioning_factor, in percent. */
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;

const HEALTH: Readonly<Record<number, EndpointHealth>> = {
  [HealthStatus.UNKNOWN]: "UNKNOWN",
  [HealthStatus.HEALTHY]: "HEALTHY",
  [HealthStatus.UNHEALTHY]: "UNHEALTHY",
  [HealthStatus.DRAINING]: "DRAINING",
  [HealthStatus.TIMEOUT]: "TIMEOUT",
  [HealthStatus.DEGRADED]: "DEGRADED",
};

/** Builds the endpoints of an EDS resource; throws a ConfigError naming the field at fault. */
export function buildEndpoints(assignment: ClusterLoadAssignment): RuntimeEndpoints {
  const at: Cursor = new Cursor("cluster_load_assignment", assignment.clusterName);
  if (assignment.clusterName === "") at.fail(Code.missingField, "cluster_name", "a cluster name is required");
  return endpointsFrom(at, "", assignment.clusterName, assignment);
}

/** Shared with STATIC clusters, whose load_assignment is checked at `base` within the cluster. */
export function endpointsFrom(
  at: Cursor,
  base: string,
  clusterName: string,
  assignment: ClusterLoadAssignment,
  hostnames = false,
): RuntimeEndpoints {
  const localities = assignment.endpoints.map((locality, i): RuntimeLocality => {
    const path = join(base, `endpoints[${i}]`);
    const weight = positiveWeight(at, join(path, "load_balancing_weight"), locality.loadBalancingWeight);
    const endpoints = locality.lbEndpoints.map((lb, j): RuntimeEndpoint => {
      const lbPath = join(path, `lb_endpoints[${j}]`);
      if (lb.endpoint === undefined) at.fail(Code.missingField, join(lbPath, "endpoint"), "an endpoint is required");
      const { host, port } = socketAddress(at, join(lbPath, "endpoint.address"), lb.endpoint.address, hostnames);
      const health = HEALTH[lb.healthStatus];
      if (health === undefined) {
        at.fail(Code.unsupportedFeature, join(lbPath, "health_status"), `unknown health status ${lb.healthStatus}`);
      }
      const endpointWeight = positiveWeight(at, join(lbPath, "load_balancing_weight"), lb.loadBalancingWeight);
      return Object.freeze({ host, port, weight: endpointWeight, health });
    });
    const name = locality.locality;
    return Object.freeze({
      priority: locality.priority,
      weight,
      endpoints: Object.freeze(endpoints),
      locality:
        name === undefined ? undefined : Object.freeze({ region: name.region, zone: name.zone, subZone: name.subZone }),
      weightGiven: locality.loadBalancingWeight !== undefined,
    });
  });
  const policy = assignment.policy;
  const factor = policy?.overprovisioningFactor;
  if (factor !== undefined && (!Number.isInteger(factor) || factor < 1)) {
    at.fail(Code.invalidWeight, join(base, "policy.overprovisioning_factor"), `${factor} must be at least 1`);
  }
  return Object.freeze({
    clusterName,
    localities: Object.freeze(localities),
    overprovisioningFactor: factor ?? DEFAULT_OVERPROVISIONING_FACTOR,
    weightedPriorityHealth: policy?.weightedPriorityHealth === true,
  });
}

function positiveWeight(at: Cursor, field: string, weight: number | undefined): number {
  if (weight === undefined) return 1;
  if (!Number.isInteger(weight) || weight < 1)
    at.fail(Code.invalidWeight, field, `weight ${weight} must be at least 1`);
  return weight;
}
