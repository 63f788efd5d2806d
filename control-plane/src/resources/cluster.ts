// Cluster (CDS): the checks Envoy and gRPC clients apply, narrowed to what Weft can serve (no
// custom cluster types but the aggregate one, no MAGLEV).

import type { CircuitBreakers_Thresholds } from "../../../proto/gen/envoy/config/cluster/v3/circuit_breaker.js";
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
} from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { RoutingPriority } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { ClusterConfig } from "../../../proto/gen/envoy/extensions/clusters/aggregate/v3/cluster.js";
import type { HttpProtocolOptions as UpstreamHttpProtocolOptions } from "../../../proto/gen/envoy/extensions/upstreams/http/v3/http_protocol_options.js";
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";
import { acceptedEnumValues, listOfNames } from "../../../proto/index.js";
import {
  checkCommonHttpProtocolOptions,
  checkConfigSource,
  checkHttp2ProtocolOptions,
  checkPercent,
  checkRange,
  UINT32_MAX,
} from "./core-checks.js";
import { checkDuration, compareDurations, MORE_THAN_1MS, NON_NEGATIVE, POSITIVE } from "./duration-checks.js";
import { checkLoadAssignment } from "./endpoint.js";
import { checkEnumValue } from "./enum-checks.js";
import { checkHealthCheck } from "./health-check.js";
import { entry, field, item, Problems, unpackRequired } from "./problems.js";
import type { ResourceType } from "./resource-type.js";
import { checkTransportSocket } from "./tls.js";
import { ValidationCode } from "./validation-codes.js";

const DISCOVERY_TYPE = "envoy.config.cluster.v3.Cluster.DiscoveryType";
const LB_POLICY = "envoy.config.cluster.v3.Cluster.LbPolicy";
const HASH_FUNCTION = "envoy.config.cluster.v3.Cluster.RingHashLbConfig.HashFunction";
const AGGREGATE_CLUSTER = "envoy.clusters.aggregate";
const AGGREGATE_CONFIG = "envoy.extensions.clusters.aggregate.v3.ClusterConfig";
/** The one key typed_extension_protocol_options may hold, and the type its value must be. */
const UPSTREAM_HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
const RING_SIZE_MAX = 8_388_608;
const RING_SIZE_MIN_DEFAULT = 1024;
/** Envoy's defaults for outlier detection's ejection times. */
const BASE_EJECTION_DEFAULT: Duration = { seconds: 30, nanos: 0 };
const MAX_EJECTION_DEFAULT: Duration = { seconds: 300, nanos: 0 };

export const clusterType: ResourceType<Cluster> = {
  validate(cluster) {
    const problems = new Problems();
    checkCluster(problems, cluster);
    return problems.details;
  },
};

function checkCluster(problems: Problems, cluster: Cluster): void {
  if (cluster.name === "") problems.add("name", ValidationCode.required, "a name is required");
  const aggregate = checkDiscovery(problems, cluster);
  checkDuration(problems, "connect_timeout", cluster.connectTimeout, POSITIVE);
  checkLoadBalancing(problems, cluster, aggregate);
  cluster.healthChecks.forEach((check, i) => {
    checkHealthCheck(problems, item("health_checks", i), check);
  });
  if (cluster.circuitBreakers !== undefined) {
    checkThresholds(problems, "circuit_breakers.thresholds", cluster.circuitBreakers.thresholds);
    checkThresholds(problems, "circuit_breakers.per_host_thresholds", cluster.circuitBreakers.perHostThresholds);
  }
  checkOutlierDetection(problems, cluster);
  checkProtocolOptions(problems, cluster);
  checkDuration(problems, "dns_refresh_rate", cluster.dnsRefreshRate, MORE_THAN_1MS);
  const failureRate = cluster.dnsFailureRefreshRate;
  if (failureRate !== undefined) {
    const { baseInterval: base, maxInterval: max } = failureRate;
    checkDuration(problems, "dns_failure_refresh_rate.base_interval", base, { ...MORE_THAN_1MS, required: true });
    checkDuration(problems, "dns_failure_refresh_rate.max_interval", max, MORE_THAN_1MS);
    if (base !== undefined && max !== undefined && compareDurations(max, base) < 0) {
      problems.add(
        "dns_failure_refresh_rate.max_interval",
        ValidationCode.outOfRange,
        "must be at least base_interval",
      );
    }
  }
  checkDuration(problems, "cleanup_interval", cluster.cleanupInterval, POSITIVE);
  if (cluster.commonLbConfig !== undefined) {
    checkPercent(problems, "common_lb_config.healthy_panic_threshold", cluster.commonLbConfig.healthyPanicThreshold);
    checkDuration(
      problems,
      "common_lb_config.update_merge_window",
      cluster.commonLbConfig.updateMergeWindow,
      NON_NEGATIVE,
    );
  }
  if (cluster.transportSocket !== undefined) {
    checkTransportSocket(problems, "transport_socket", cluster.transportSocket, "upstream");
  }
}

/** The cluster's discovery type and what it needs; returns whether it is an aggregate cluster. */
function checkDiscovery(problems: Problems, cluster: Cluster): boolean {
  if (cluster.clusterType !== undefined) {
    checkAggregate(problems, cluster);
    if (cluster.loadAssignment !== undefined) {
      problems.add("load_assignment", ValidationCode.conflict, "an aggregate cluster has no endpoints of its own");
    }
    if (cluster.edsClusterConfig !== undefined) {
      problems.add("eds_cluster_config", ValidationCode.conflict, "applies only to EDS clusters");
    }
    return true;
  }
  // No type and no cluster_type means STATIC, the proto default.
  const type = cluster.type ?? Cluster_DiscoveryType.STATIC;
  const typeName = Cluster_DiscoveryType[type] ?? String(type);
  switch (type) {
    case Cluster_DiscoveryType.STATIC:
    case Cluster_DiscoveryType.STRICT_DNS:
    case Cluster_DiscoveryType.LOGICAL_DNS: {
      const assignment = cluster.loadAssignment;
      if (assignment === undefined) {
        problems.add(
          "load_assignment",
          ValidationCode.required,
          `a ${typeName} cluster needs a load_assignment listing its endpoints`,
        );
      } else {
        const host = type === Cluster_DiscoveryType.STATIC ? "ip" : "ip-or-hostname";
        checkLoadAssignment(problems, "load_assignment", assignment, { host, requireLocality: false });
        const count = assignment.endpoints.reduce((n, group) => n + group.lbEndpoints.length, 0);
        if (count === 0) {
          problems.add(
            "load_assignment.endpoints",
            ValidationCode.empty,
            `a ${typeName} cluster needs at least one endpoint`,
          );
        } else if (type === Cluster_DiscoveryType.LOGICAL_DNS && (assignment.endpoints.length !== 1 || count !== 1)) {
          problems.add(
            "load_assignment.endpoints",
            ValidationCode.outOfRange,
            "a LOGICAL_DNS cluster takes exactly one endpoint (one locality group with one lb_endpoint)",
          );
        }
      }
      if (cluster.edsClusterConfig !== undefined) {
        problems.add("eds_cluster_config", ValidationCode.conflict, "applies only to EDS clusters");
      }
      break;
    }
    case Cluster_DiscoveryType.EDS:
      if (cluster.edsClusterConfig === undefined) {
        problems.add(
          "eds_cluster_config",
          ValidationCode.required,
          "an EDS cluster needs eds_cluster_config with eds_config: { ads: {} }",
        );
      } else {
        checkConfigSource(problems, "eds_cluster_config.eds_config", cluster.edsClusterConfig.edsConfig);
      }
      if (cluster.loadAssignment !== undefined) {
        problems.add(
          "load_assignment",
          ValidationCode.conflict,
          "an EDS cluster takes its endpoints from EDS; Envoy would ignore this load_assignment",
        );
      }
      break;
    default:
      checkEnumValue(problems, "type", DISCOVERY_TYPE, type);
  }
  return false;
}

function checkAggregate(problems: Problems, cluster: Cluster): void {
  const custom = cluster.clusterType;
  if (custom === undefined) return;
  if (custom.name !== AGGREGATE_CLUSTER) {
    problems.add(
      "cluster_type.name",
      ValidationCode.unsupported,
      `"${custom.name}" is not supported; the only custom cluster type is ${AGGREGATE_CLUSTER}`,
    );
  }
  const config = unpackRequired<ClusterConfig>(
    problems,
    "cluster_type.typed_config",
    custom.typedConfig,
    AGGREGATE_CONFIG,
  );
  if (config === undefined) return;
  if (config.clusters.length === 0) {
    problems.add(
      "cluster_type.typed_config.clusters",
      ValidationCode.empty,
      "an aggregate cluster lists at least one cluster",
    );
  }
  const seen = new Map<string, string>();
  config.clusters.forEach((name, i) => {
    const at = item("cluster_type.typed_config.clusters", i);
    if (name === "") {
      problems.add(at, ValidationCode.required, "a cluster name is required");
    } else if (name === cluster.name) {
      problems.add(at, ValidationCode.conflict, "an aggregate cluster cannot contain itself");
    } else if (seen.has(name)) {
      problems.add(at, ValidationCode.duplicate, `"${name}" is already listed at ${seen.get(name)}`);
    } else {
      seen.set(name, at);
    }
  });
}

function checkLoadBalancing(problems: Problems, cluster: Cluster, aggregate: boolean): void {
  const policy = cluster.lbPolicy;
  if (policy !== Cluster_LbPolicy.CLUSTER_PROVIDED) {
    checkEnumValue(problems, "lb_policy", LB_POLICY, policy);
  } else if (!aggregate) {
    // Envoy requires CLUSTER_PROVIDED for clusters that bring their own balancer, i.e. aggregate ones.
    problems.add(
      "lb_policy",
      ValidationCode.unsupported,
      `CLUSTER_PROVIDED applies only to aggregate clusters; use ${listOfNames(acceptedEnumValues(LB_POLICY, []))}`,
    );
  }
  const ring = cluster.ringHashLbConfig;
  if (ring !== undefined) {
    if (policy !== Cluster_LbPolicy.RING_HASH) {
      problems.add("ring_hash_lb_config", ValidationCode.conflict, "applies only with lb_policy RING_HASH");
    }
    checkRange(problems, "ring_hash_lb_config.minimum_ring_size", ring.minimumRingSize, 0, RING_SIZE_MAX);
    checkRange(problems, "ring_hash_lb_config.maximum_ring_size", ring.maximumRingSize, 0, RING_SIZE_MAX);
    const min = ring.minimumRingSize ?? RING_SIZE_MIN_DEFAULT;
    const max = ring.maximumRingSize ?? RING_SIZE_MAX;
    if (min > max) {
      problems.add(
        "ring_hash_lb_config.minimum_ring_size",
        ValidationCode.outOfRange,
        `${min} exceeds maximum_ring_size (${max}${ring.maximumRingSize === undefined ? ", the default" : ""})`,
      );
    }
    checkEnumValue(problems, "ring_hash_lb_config.hash_function", HASH_FUNCTION, ring.hashFunction);
  }
  const leastRequest = cluster.leastRequestLbConfig;
  if (leastRequest !== undefined) {
    if (policy !== Cluster_LbPolicy.LEAST_REQUEST) {
      problems.add("least_request_lb_config", ValidationCode.conflict, "applies only with lb_policy LEAST_REQUEST");
    }
    checkRange(problems, "least_request_lb_config.choice_count", leastRequest.choiceCount, 2, UINT32_MAX);
  }
}

/** One set of thresholds per routing priority. */
function checkThresholds(problems: Problems, path: string, thresholds: readonly CircuitBreakers_Thresholds[]): void {
  const seen = new Map<number, string>();
  thresholds.forEach((threshold, i) => {
    const at = item(path, i);
    const first = seen.get(threshold.priority);
    if (first === undefined) seen.set(threshold.priority, at);
    else {
      const name = RoutingPriority[threshold.priority] ?? String(threshold.priority);
      problems.add(
        field(at, "priority"),
        ValidationCode.duplicate,
        `priority ${name} already has thresholds at ${first}`,
      );
    }
    checkPercent(problems, field(at, "retry_budget.budget_percent"), threshold.retryBudget?.budgetPercent);
  });
}

function checkOutlierDetection(problems: Problems, cluster: Cluster): void {
  const outlier = cluster.outlierDetection;
  if (outlier === undefined) return;
  const at = "outlier_detection";
  checkDuration(problems, field(at, "interval"), outlier.interval, POSITIVE);
  checkDuration(problems, field(at, "base_ejection_time"), outlier.baseEjectionTime, POSITIVE);
  checkDuration(problems, field(at, "max_ejection_time"), outlier.maxEjectionTime, POSITIVE);
  checkDuration(problems, field(at, "max_ejection_time_jitter"), outlier.maxEjectionTimeJitter, NON_NEGATIVE);
  for (const [name, value] of [
    ["max_ejection_percent", outlier.maxEjectionPercent],
    ["enforcing_consecutive_5xx", outlier.enforcingConsecutive5xx],
    ["enforcing_success_rate", outlier.enforcingSuccessRate],
    ["enforcing_consecutive_gateway_failure", outlier.enforcingConsecutiveGatewayFailure],
    ["enforcing_consecutive_local_origin_failure", outlier.enforcingConsecutiveLocalOriginFailure],
    ["enforcing_local_origin_success_rate", outlier.enforcingLocalOriginSuccessRate],
    ["failure_percentage_threshold", outlier.failurePercentageThreshold],
    ["enforcing_failure_percentage", outlier.enforcingFailurePercentage],
    ["enforcing_failure_percentage_local_origin", outlier.enforcingFailurePercentageLocalOrigin],
  ] as const) {
    checkRange(problems, field(at, name), value, 0, 100);
  }
  // Envoy: "outlier detector's max_ejection_time cannot be smaller than base_ejection_time".
  const { baseEjectionTime, maxEjectionTime } = outlier;
  if (baseEjectionTime !== undefined || maxEjectionTime !== undefined) {
    const base = baseEjectionTime ?? BASE_EJECTION_DEFAULT;
    const max = maxEjectionTime ?? MAX_EJECTION_DEFAULT;
    if (compareDurations(max, base) < 0) {
      problems.add(
        field(at, maxEjectionTime === undefined ? "base_ejection_time" : "max_ejection_time"),
        ValidationCode.conflict,
        "max_ejection_time (default 300s) cannot be smaller than base_ejection_time (default 30s)",
      );
    }
  }
}

function checkProtocolOptions(problems: Problems, cluster: Cluster): void {
  let typed = false;
  for (const [key, any] of Object.entries(cluster.typedExtensionProtocolOptions)) {
    const at = entry("typed_extension_protocol_options", key);
    if (key !== UPSTREAM_HTTP_OPTIONS) {
      problems.add(at, ValidationCode.unsupported, `only "${UPSTREAM_HTTP_OPTIONS}" is supported`);
      continue;
    }
    typed = true;
    const options = unpackRequired<UpstreamHttpProtocolOptions>(problems, at, any, UPSTREAM_HTTP_OPTIONS);
    if (options !== undefined) checkUpstreamHttpOptions(problems, at, options);
  }
  for (const [name, value] of [
    ["http_protocol_options", cluster.httpProtocolOptions],
    ["http2_protocol_options", cluster.http2ProtocolOptions],
    ["common_http_protocol_options", cluster.commonHttpProtocolOptions],
  ] as const) {
    if (typed && value !== undefined) {
      problems.add(
        name,
        ValidationCode.conflict,
        `the deprecated ${name} cannot be combined with typed_extension_protocol_options; move it into ${UPSTREAM_HTTP_OPTIONS}`,
      );
    }
  }
  checkCommonHttpProtocolOptions(problems, "common_http_protocol_options", cluster.commonHttpProtocolOptions);
  checkHttp2ProtocolOptions(problems, "http2_protocol_options", cluster.http2ProtocolOptions);
}

function checkUpstreamHttpOptions(problems: Problems, path: string, options: UpstreamHttpProtocolOptions): void {
  const { explicitHttpConfig: explicit, useDownstreamProtocolConfig: downstream, autoConfig: auto } = options;
  if ([explicit, downstream, auto].every((c) => c === undefined)) {
    problems.add(
      path,
      ValidationCode.required,
      "needs one of explicit_http_config, use_downstream_protocol_config or auto_config",
    );
  }
  if (explicit !== undefined) {
    if (explicit.httpProtocolOptions === undefined && explicit.http2ProtocolOptions === undefined) {
      problems.add(
        field(path, "explicit_http_config"),
        ValidationCode.required,
        "needs http_protocol_options or http2_protocol_options",
      );
    }
    checkHttp2ProtocolOptions(
      problems,
      field(path, "explicit_http_config.http2_protocol_options"),
      explicit.http2ProtocolOptions,
    );
  }
  if (downstream !== undefined) {
    checkHttp2ProtocolOptions(
      problems,
      field(path, "use_downstream_protocol_config.http2_protocol_options"),
      downstream.http2ProtocolOptions,
    );
  }
  if (auto !== undefined) {
    problems.add(
      field(path, "auto_config"),
      ValidationCode.unsupported,
      "auto_config (the protocol picked by ALPN) is not supported; choose explicit_http_config",
    );
  }
  checkCommonHttpProtocolOptions(
    problems,
    field(path, "common_http_protocol_options"),
    options.commonHttpProtocolOptions,
  );
}
