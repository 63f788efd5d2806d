// ClusterLoadAssignment (EDS), and the same checks for a cluster's inline load_assignment.

import { ipKey, parseIp } from "../../../proto/checks/index.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { LocalityLbEndpoints } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint_components.js";
import { checkAddress, checkFractionalPercent, checkRange, type HostRule, UINT32_MAX } from "./core-checks.js";
import { checkDuration, POSITIVE } from "./duration-checks.js";
import { field, item, Problems } from "./problems.js";
import type { ResourceType } from "./resource-type.js";
import { ValidationCode } from "./validation-codes.js";

export interface AssignmentRules {
  /** EDS and STATIC endpoints are IP literals; STRICT_DNS and LOGICAL_DNS endpoints may be host names. */
  readonly host: HostRule;
  /** gRPC clients NACK an EDS locality group without `locality`; they never read inline assignments. */
  readonly requireLocality: boolean;
}

const EDS_RULES: AssignmentRules = { host: "ip", requireLocality: true };

/** Envoy's limit on LocalityLbEndpoints.priority. */
const PRIORITY_MAX = 128;

export const endpointType: ResourceType<ClusterLoadAssignment> = {
  validate(assignment) {
    const problems = new Problems();
    checkLoadAssignment(problems, "", assignment, EDS_RULES);
    return problems.details;
  },
};

export function checkLoadAssignment(
  problems: Problems,
  path: string,
  assignment: ClusterLoadAssignment,
  rules: AssignmentRules,
): void {
  if (assignment.clusterName === "") {
    problems.add(field(path, "cluster_name"), ValidationCode.required, "a cluster_name is required");
  }
  const addresses = new Map<string, string>();
  const localities = new Map<string, string>();
  const priorities = new Map<number, string>();
  const localityWeights = new Map<number, number>();
  assignment.endpoints.forEach((group, i) => {
    const at = item(field(path, "endpoints"), i);
    checkLocality(problems, at, group, localities, rules);
    checkRange(problems, field(at, "load_balancing_weight"), group.loadBalancingWeight, 1, UINT32_MAX);
    checkRange(problems, field(at, "priority"), group.priority, 0, PRIORITY_MAX);
    if (!priorities.has(group.priority)) priorities.set(group.priority, field(at, "priority"));
    localityWeights.set(group.priority, (localityWeights.get(group.priority) ?? 0) + (group.loadBalancingWeight ?? 0));
    let endpointWeights = 0;
    group.lbEndpoints.forEach((lb, j) => {
      const lbAt = item(field(at, "lb_endpoints"), j);
      checkRange(problems, field(lbAt, "load_balancing_weight"), lb.loadBalancingWeight, 1, UINT32_MAX);
      endpointWeights += lb.loadBalancingWeight ?? 1;
      const endpoint = lb.endpoint;
      if (endpoint === undefined) {
        problems.add(field(lbAt, "endpoint"), ValidationCode.required, "an endpoint with an address is required");
        return;
      }
      const addressAt = field(lbAt, "endpoint.address");
      checkAddress(problems, addressAt, endpoint.address, rules.host);
      const socket = endpoint.address?.socketAddress;
      if (socket !== undefined && socket.address !== "" && socket.portValue !== undefined) {
        // gRPC clients NACK an assignment that lists one address twice.
        const ip = parseIp(socket.address);
        const key = `${ip ? ipKey(ip) : socket.address.toLowerCase().replace(/\.$/, "")}:${socket.portValue}`;
        const first = addresses.get(key);
        if (first === undefined) addresses.set(key, addressAt);
        else {
          problems.add(
            addressAt,
            ValidationCode.duplicate,
            `${socket.address}:${socket.portValue} is already listed at ${first}; each address may appear once`,
          );
        }
      }
      const health = endpoint.healthCheckConfig;
      if (health !== undefined) {
        const healthAt = field(lbAt, "endpoint.health_check_config");
        checkRange(problems, field(healthAt, "port_value"), health.portValue, 0, 65535);
        if (health.address !== undefined)
          checkAddress(problems, field(healthAt, "address"), health.address, rules.host);
      }
    });
    if (endpointWeights > UINT32_MAX) {
      problems.add(
        field(at, "lb_endpoints"),
        ValidationCode.outOfRange,
        `the endpoint weights sum to more than ${UINT32_MAX}`,
      );
    }
  });
  for (const [priority, at] of priorities) {
    if (priority > 0 && !priorities.has(priority - 1)) {
      problems.add(
        at,
        ValidationCode.notContiguous,
        `priority ${priority} without priority ${priority - 1}; priorities must run from 0 without gaps`,
      );
    }
  }
  for (const [priority, sum] of localityWeights) {
    if (sum > UINT32_MAX) {
      problems.add(
        field(path, "endpoints"),
        ValidationCode.outOfRange,
        `the locality weights at priority ${priority} sum to more than ${UINT32_MAX}`,
      );
    }
  }
  checkPolicy(problems, field(path, "policy"), assignment);
}

function checkLocality(
  problems: Problems,
  path: string,
  group: LocalityLbEndpoints,
  seen: Map<string, string>,
  rules: AssignmentRules,
): void {
  const locality = group.locality;
  if (locality === undefined) {
    if (rules.requireLocality) {
      problems.add(
        field(path, "locality"),
        ValidationCode.required,
        "a locality is required (gRPC clients NACK a group without one); locality: {} will do",
      );
    }
    return;
  }
  const key = JSON.stringify([group.priority, locality.region, locality.zone, locality.subZone]);
  const first = seen.get(key);
  if (first === undefined) seen.set(key, field(path, "locality"));
  else {
    problems.add(
      field(path, "locality"),
      ValidationCode.duplicate,
      `the same locality at priority ${group.priority} is already at ${first}; merge the two groups`,
    );
  }
}

function checkPolicy(problems: Problems, path: string, assignment: ClusterLoadAssignment): void {
  const policy = assignment.policy;
  if (policy === undefined) return;
  // Envoy: "Cluster drop_overloads config has N categories. Envoy only support one."
  if (policy.dropOverloads.length > 1) {
    problems.add(
      field(path, "drop_overloads"),
      ValidationCode.unsupported,
      "Envoy supports only one drop_overloads category",
    );
  }
  policy.dropOverloads.forEach((drop, i) => {
    const at = item(field(path, "drop_overloads"), i);
    if (drop.category === "") problems.add(field(at, "category"), ValidationCode.required, "a category is required");
    checkFractionalPercent(problems, field(at, "drop_percentage"), drop.dropPercentage);
  });
  if (policy.overprovisioningFactor === 0) {
    problems.add(
      field(path, "overprovisioning_factor"),
      ValidationCode.outOfRange,
      "must be greater than 0; it is a percentage (100 means none, Envoy's default is 140)",
    );
  }
  checkDuration(problems, field(path, "endpoint_stale_after"), policy.endpointStaleAfter, POSITIVE);
}
