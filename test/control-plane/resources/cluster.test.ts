import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clusterType } from "../../../control-plane/src/resources/cluster.js";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { decodeJson, TypeUrl } from "../../../proto/index.js";
import {
  assertAccepted,
  assertRefused,
  CLUSTER_AGGREGATE,
  CLUSTER_DNS,
  CLUSTER_EDS,
  edited,
  REMOVE,
  type RefusalCase,
} from "./fixtures.js";

const STATIC: Record<string, unknown> = {
  name: "static",
  connect_timeout: "1s",
  load_assignment: {
    cluster_name: "static",
    endpoints: [
      { lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 80 } } } }] },
    ],
  },
};
const LA = "load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address";
const HC = "health_checks[0]";
const OPTIONS = 'typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]';
const SECOND_ENDPOINT = { endpoint: { address: { socket_address: { address: "b.internal", port_value: 80 } } } };

const cases: RefusalCase[] = [
  {
    rule: "a cluster without a name is refused",
    base: CLUSTER_EDS,
    edits: { name: "" },
    path: "name",
    code: V.required,
  },
  // Discovery types.
  {
    rule: "a cluster with no type is STATIC and needs a load_assignment",
    base: STATIC,
    edits: { load_assignment: REMOVE },
    path: "load_assignment",
    code: V.required,
  },
  {
    rule: "a STRICT_DNS cluster without a load_assignment is refused",
    base: CLUSTER_DNS,
    edits: { load_assignment: REMOVE },
    path: "load_assignment",
    code: V.required,
  },
  {
    rule: "a STATIC cluster endpoint must be an IP literal",
    base: STATIC,
    edits: { [`${LA}.address`]: "backend.internal" },
    path: `${LA}.address`,
    code: V.badAddress,
  },
  {
    rule: "a DNS cluster endpoint must be a host name or an IP",
    base: CLUSTER_DNS,
    edits: { [`${LA}.address`]: "search internal" },
    path: `${LA}.address`,
    code: V.badAddress,
  },
  {
    rule: "a DNS cluster endpoint port must be in 1-65535",
    base: CLUSTER_DNS,
    edits: { [`${LA}.port_value`]: 0 },
    path: `${LA}.port_value`,
    code: V.outOfRange,
  },
  {
    rule: "a STATIC cluster without endpoints is refused",
    base: STATIC,
    edits: { "load_assignment.endpoints": [] },
    path: "load_assignment.endpoints",
    code: V.empty,
  },
  {
    rule: "a LOGICAL_DNS cluster with two endpoints is refused",
    base: CLUSTER_DNS,
    edits: { type: "LOGICAL_DNS" },
    path: "load_assignment.endpoints",
    code: V.outOfRange,
  },
  {
    rule: "an inline load_assignment without cluster_name is refused",
    base: STATIC,
    edits: { "load_assignment.cluster_name": "" },
    path: "load_assignment.cluster_name",
    code: V.required,
  },
  {
    rule: "an inline load_assignment with a duplicate endpoint is refused",
    base: CLUSTER_DNS,
    edits: {
      "load_assignment.endpoints[0].lb_endpoints[1]": {
        endpoint: { address: { socket_address: { address: "SEARCH.internal.", port_value: 443 } } },
      },
    },
    path: "load_assignment.endpoints[0].lb_endpoints[1].endpoint.address",
    code: V.duplicate,
  },
  {
    rule: "an EDS cluster without eds_cluster_config is refused",
    base: CLUSTER_EDS,
    edits: { eds_cluster_config: REMOVE },
    path: "eds_cluster_config",
    code: V.required,
  },
  {
    rule: "an EDS cluster without eds_config is refused",
    base: CLUSTER_EDS,
    edits: { "eds_cluster_config.eds_config": REMOVE },
    path: "eds_cluster_config.eds_config",
    code: V.required,
  },
  {
    rule: "an EDS config that is neither ads nor self is refused",
    base: CLUSTER_EDS,
    edits: { "eds_cluster_config.eds_config": { initial_fetch_timeout: "1s" } },
    path: "eds_cluster_config.eds_config",
    code: V.required,
  },
  {
    rule: "an EDS cluster with a load_assignment is refused",
    base: CLUSTER_EDS,
    edits: { load_assignment: STATIC.load_assignment },
    path: "load_assignment",
    code: V.conflict,
  },
  {
    rule: "eds_cluster_config on a DNS cluster is refused",
    base: CLUSTER_DNS,
    edits: { eds_cluster_config: CLUSTER_EDS.eds_cluster_config },
    path: "eds_cluster_config",
    code: V.conflict,
  },
  {
    rule: "an ORIGINAL_DST cluster is unsupported",
    base: CLUSTER_EDS,
    edits: { type: "ORIGINAL_DST" },
    path: "type",
    code: V.unsupported,
  },
  // Aggregate clusters.
  {
    rule: "a custom cluster type other than aggregate is unsupported",
    base: CLUSTER_AGGREGATE,
    edits: { "cluster_type.name": "envoy.clusters.dynamic_forward_proxy" },
    path: "cluster_type.name",
    code: V.unsupported,
  },
  {
    rule: "an aggregate cluster without typed_config is refused",
    base: CLUSTER_AGGREGATE,
    edits: { "cluster_type.typed_config": REMOVE },
    path: "cluster_type.typed_config",
    code: V.required,
  },
  {
    rule: "an aggregate cluster config of the wrong type is refused",
    base: CLUSTER_AGGREGATE,
    edits: { "cluster_type.typed_config": { "@type": TypeUrl.router } },
    path: "cluster_type.typed_config",
    code: V.wrongType,
  },
  {
    rule: "an aggregate cluster listing no clusters is refused",
    base: CLUSTER_AGGREGATE,
    edits: { "cluster_type.typed_config.clusters": [] },
    path: "cluster_type.typed_config.clusters",
    code: V.empty,
  },
  {
    rule: "an aggregate cluster listing an empty name is refused",
    base: CLUSTER_AGGREGATE,
    edits: { "cluster_type.typed_config.clusters[1]": "" },
    path: "cluster_type.typed_config.clusters[1]",
    code: V.required,
  },
  {
    rule: "an aggregate cluster listing itself is refused",
    base: CLUSTER_AGGREGATE,
    edits: { "cluster_type.typed_config.clusters[1]": "failover" },
    path: "cluster_type.typed_config.clusters[1]",
    code: V.conflict,
  },
  {
    rule: "an aggregate cluster listing a cluster twice is refused",
    base: CLUSTER_AGGREGATE,
    edits: { "cluster_type.typed_config.clusters[1]": "primary" },
    path: "cluster_type.typed_config.clusters[1]",
    code: V.duplicate,
  },
  {
    rule: "an aggregate cluster with a load_assignment is refused",
    base: CLUSTER_AGGREGATE,
    edits: { load_assignment: STATIC.load_assignment },
    path: "load_assignment",
    code: V.conflict,
  },
  // Timeouts and load balancing.
  {
    rule: "a zero connect_timeout is refused",
    base: CLUSTER_EDS,
    edits: { connect_timeout: "0s" },
    path: "connect_timeout",
    code: V.outOfRange,
  },
  {
    rule: "a negative connect_timeout is refused",
    base: CLUSTER_EDS,
    edits: { connect_timeout: "-1s" },
    path: "connect_timeout",
    code: V.outOfRange,
  },
  {
    rule: "MAGLEV is unsupported",
    base: CLUSTER_EDS,
    edits: { lb_policy: "MAGLEV" },
    path: "lb_policy",
    code: V.unsupported,
  },
  {
    rule: "LOAD_BALANCING_POLICY_CONFIG is unsupported",
    base: CLUSTER_EDS,
    edits: { lb_policy: "LOAD_BALANCING_POLICY_CONFIG" },
    path: "lb_policy",
    code: V.unsupported,
  },
  {
    rule: "CLUSTER_PROVIDED on a cluster that provides no balancer is unsupported",
    base: CLUSTER_EDS,
    edits: { lb_policy: "CLUSTER_PROVIDED" },
    path: "lb_policy",
    code: V.unsupported,
  },
  {
    rule: "ring_hash_lb_config without RING_HASH is refused",
    base: CLUSTER_EDS,
    edits: { ring_hash_lb_config: { minimum_ring_size: 1024 } },
    path: "ring_hash_lb_config",
    code: V.conflict,
  },
  {
    rule: "a minimum ring size above the maximum is refused",
    base: CLUSTER_DNS,
    edits: { "ring_hash_lb_config.minimum_ring_size": 10000 },
    path: "ring_hash_lb_config.minimum_ring_size",
    code: V.outOfRange,
  },
  {
    rule: "a maximum ring size above 8M is refused",
    base: CLUSTER_DNS,
    edits: { "ring_hash_lb_config.maximum_ring_size": 8388609 },
    path: "ring_hash_lb_config.maximum_ring_size",
    code: V.outOfRange,
  },
  {
    rule: "a MURMUR_HASH_2 ring hash is unsupported",
    base: CLUSTER_DNS,
    edits: { "ring_hash_lb_config.hash_function": "MURMUR_HASH_2" },
    path: "ring_hash_lb_config.hash_function",
    code: V.unsupported,
  },
  {
    rule: "least_request_lb_config without LEAST_REQUEST is refused",
    base: CLUSTER_EDS,
    edits: { least_request_lb_config: { choice_count: 2 } },
    path: "least_request_lb_config",
    code: V.conflict,
  },
  {
    rule: "a least-request choice_count below 2 is refused",
    base: CLUSTER_EDS,
    edits: { lb_policy: "LEAST_REQUEST", least_request_lb_config: { choice_count: 1 } },
    path: "least_request_lb_config.choice_count",
    code: V.outOfRange,
  },
  {
    rule: "a healthy panic threshold above 100% is refused",
    base: CLUSTER_DNS,
    edits: { "common_lb_config.healthy_panic_threshold.value": 120 },
    path: "common_lb_config.healthy_panic_threshold.value",
    code: V.outOfRange,
  },
  // Health checks.
  {
    rule: "a health check without a timeout is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.timeout`]: REMOVE },
    path: `${HC}.timeout`,
    code: V.required,
  },
  {
    rule: "a health check without an interval is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.interval`]: REMOVE },
    path: `${HC}.interval`,
    code: V.required,
  },
  {
    rule: "a zero health check interval is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.interval`]: "0s" },
    path: `${HC}.interval`,
    code: V.outOfRange,
  },
  {
    rule: "a health check without healthy_threshold is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.healthy_threshold`]: REMOVE },
    path: `${HC}.healthy_threshold`,
    code: V.required,
  },
  {
    rule: "an unhealthy_threshold of 0 is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.unhealthy_threshold`]: 0 },
    path: `${HC}.unhealthy_threshold`,
    code: V.outOfRange,
  },
  {
    rule: "a health check without a checker is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.http_health_check`]: REMOVE },
    path: HC,
    code: V.required,
  },
  {
    rule: "an HTTP health check without a path is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.http_health_check.path`]: "" },
    path: `${HC}.http_health_check.path`,
    code: V.required,
  },
  {
    rule: "an HTTP health check path without a leading slash is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.http_health_check.path`]: "healthz" },
    path: `${HC}.http_health_check.path`,
    code: V.badPath,
  },
  {
    rule: "an empty expected status range is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.http_health_check.expected_statuses[0]`]: { start: 200, end: 200 } },
    path: `${HC}.http_health_check.expected_statuses[0]`,
    code: V.outOfRange,
  },
  {
    rule: "an expected status range below 100 is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.http_health_check.expected_statuses[0].start`]: 99 },
    path: `${HC}.http_health_check.expected_statuses[0]`,
    code: V.outOfRange,
  },
  {
    rule: "an expected status range beyond 600 is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.http_health_check.expected_statuses[0].end`]: 601 },
    path: `${HC}.http_health_check.expected_statuses[0]`,
    code: V.outOfRange,
  },
  {
    rule: "a CONNECT health check is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.http_health_check.method`]: "CONNECT" },
    path: `${HC}.http_health_check.method`,
    code: V.badValue,
  },
  {
    rule: "a TCP health check payload that is not hex is refused",
    base: CLUSTER_DNS,
    edits: { "health_checks[1].tcp_health_check.send.text": "ping" },
    path: "health_checks[1].tcp_health_check.send.text",
    code: V.badValue,
  },
  {
    rule: "a TCP health check payload without content is refused",
    base: CLUSTER_DNS,
    edits: { "health_checks[1].tcp_health_check.receive": [{}] },
    path: "health_checks[1].tcp_health_check.receive[0]",
    code: V.required,
  },
  {
    rule: "a health check alt_port of 0 is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.alt_port`]: 0 },
    path: `${HC}.alt_port`,
    code: V.outOfRange,
  },
  {
    rule: "a zero no_traffic_interval is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.no_traffic_interval`]: "0s" },
    path: `${HC}.no_traffic_interval`,
    code: V.outOfRange,
  },
  {
    rule: "a negative health check jitter is refused",
    base: CLUSTER_DNS,
    edits: { [`${HC}.interval_jitter`]: "-1s" },
    path: `${HC}.interval_jitter`,
    code: V.outOfRange,
  },
  // Circuit breakers and outlier detection.
  {
    rule: "two circuit breaker thresholds for one priority are refused",
    base: CLUSTER_DNS,
    edits: { "circuit_breakers.thresholds[1].priority": "DEFAULT" },
    path: "circuit_breakers.thresholds[1].priority",
    code: V.duplicate,
  },
  {
    rule: "a retry budget above 100% is refused",
    base: CLUSTER_DNS,
    edits: { "circuit_breakers.thresholds[0].retry_budget": { budget_percent: { value: 150 } } },
    path: "circuit_breakers.thresholds[0].retry_budget.budget_percent.value",
    code: V.outOfRange,
  },
  {
    rule: "a max_ejection_percent above 100 is refused",
    base: CLUSTER_DNS,
    edits: { "outlier_detection.max_ejection_percent": 101 },
    path: "outlier_detection.max_ejection_percent",
    code: V.outOfRange,
  },
  {
    rule: "an enforcing percentage above 100 is refused",
    base: CLUSTER_DNS,
    edits: { "outlier_detection.enforcing_consecutive_5xx": 101 },
    path: "outlier_detection.enforcing_consecutive_5xx",
    code: V.outOfRange,
  },
  {
    rule: "a zero outlier detection interval is refused",
    base: CLUSTER_DNS,
    edits: { "outlier_detection.interval": "0s" },
    path: "outlier_detection.interval",
    code: V.outOfRange,
  },
  {
    rule: "a base_ejection_time above the default max_ejection_time is refused",
    base: CLUSTER_DNS,
    edits: { "outlier_detection.base_ejection_time": "400s" },
    path: "outlier_detection.base_ejection_time",
    code: V.conflict,
  },
  {
    rule: "a max_ejection_time below base_ejection_time is refused",
    base: CLUSTER_DNS,
    edits: { "outlier_detection.max_ejection_time": "10s" },
    path: "outlier_detection.max_ejection_time",
    code: V.conflict,
  },
  // Protocol options.
  {
    rule: "a typed_extension_protocol_options key other than HttpProtocolOptions is unsupported",
    base: CLUSTER_EDS,
    edits: { 'typed_extension_protocol_options["envoy.filters.network.tcp_proxy"]': { "@type": TypeUrl.tcpProxy } },
    path: 'typed_extension_protocol_options["envoy.filters.network.tcp_proxy"]',
    code: V.unsupported,
  },
  {
    rule: "HttpProtocolOptions of the wrong type are refused",
    base: CLUSTER_DNS,
    edits: { [OPTIONS]: { "@type": TypeUrl.router } },
    path: OPTIONS,
    code: V.wrongType,
  },
  {
    rule: "HttpProtocolOptions without a protocol choice are refused",
    base: CLUSTER_DNS,
    edits: { [`${OPTIONS}.explicit_http_config`]: REMOVE },
    path: OPTIONS,
    code: V.required,
  },
  {
    rule: "an explicit HTTP config without a protocol is refused",
    base: CLUSTER_DNS,
    edits: { [`${OPTIONS}.explicit_http_config`]: {} },
    path: `${OPTIONS}.explicit_http_config`,
    code: V.required,
  },
  {
    rule: "auto_config, which needs TLS ALPN, is unsupported",
    base: CLUSTER_DNS,
    edits: { [`${OPTIONS}.explicit_http_config`]: REMOVE, [`${OPTIONS}.auto_config`]: {} },
    path: `${OPTIONS}.auto_config`,
    code: V.unsupported,
  },
  {
    rule: "upstream HTTP/2 max_concurrent_streams 0 is refused",
    base: CLUSTER_DNS,
    edits: { [`${OPTIONS}.explicit_http_config.http2_protocol_options.max_concurrent_streams`]: 0 },
    path: `${OPTIONS}.explicit_http_config.http2_protocol_options.max_concurrent_streams`,
    code: V.outOfRange,
  },
  {
    rule: "a negative upstream idle_timeout is refused",
    base: CLUSTER_DNS,
    edits: { [`${OPTIONS}.common_http_protocol_options.idle_timeout`]: "-1s" },
    path: `${OPTIONS}.common_http_protocol_options.idle_timeout`,
    code: V.outOfRange,
  },
  {
    rule: "deprecated http2_protocol_options with typed options are refused",
    base: CLUSTER_DNS,
    edits: { http2_protocol_options: {} },
    path: "http2_protocol_options",
    code: V.conflict,
  },
  {
    rule: "deprecated common_http_protocol_options with typed options are refused",
    base: CLUSTER_DNS,
    edits: { common_http_protocol_options: {} },
    path: "common_http_protocol_options",
    code: V.conflict,
  },
  {
    rule: "deprecated http2_protocol_options are checked on their own",
    base: CLUSTER_EDS,
    edits: { "http2_protocol_options.initial_connection_window_size": 1 },
    path: "http2_protocol_options.initial_connection_window_size",
    code: V.outOfRange,
  },
  // DNS, cleanup, TLS.
  {
    rule: "a dns_refresh_rate of 1ms or less is refused",
    base: CLUSTER_DNS,
    edits: { dns_refresh_rate: "0.001s" },
    path: "dns_refresh_rate",
    code: V.outOfRange,
  },
  {
    rule: "a dns_failure_refresh_rate without base_interval is refused",
    base: CLUSTER_DNS,
    edits: { "dns_failure_refresh_rate.base_interval": REMOVE },
    path: "dns_failure_refresh_rate.base_interval",
    code: V.required,
  },
  {
    rule: "a dns_failure_refresh_rate max below base is refused",
    base: CLUSTER_DNS,
    edits: { "dns_failure_refresh_rate.max_interval": "0.5s" },
    path: "dns_failure_refresh_rate.max_interval",
    code: V.outOfRange,
  },
  {
    rule: "a zero cleanup_interval is refused",
    base: CLUSTER_EDS,
    edits: { cleanup_interval: "0s" },
    path: "cleanup_interval",
    code: V.outOfRange,
  },
  {
    rule: "an upstream TLS transport socket needs its UpstreamTlsContext",
    base: CLUSTER_EDS,
    edits: { transport_socket: { name: "envoy.transport_sockets.tls" } },
    path: "transport_socket.typed_config",
    code: V.required,
  },
];

describe("cluster validation", () => {
  test("EDS, STRICT_DNS, STATIC and aggregate clusters are valid", () => {
    for (const doc of [CLUSTER_EDS, CLUSTER_DNS, STATIC, CLUSTER_AGGREGATE]) assertAccepted("clusters", doc);
  });

  test("validate() on a decoded valid cluster returns no details", () => {
    for (const doc of [CLUSTER_EDS, CLUSTER_DNS, STATIC, CLUSTER_AGGREGATE]) {
      assert.deepEqual(clusterType.validate(decodeJson<Cluster>("envoy.config.cluster.v3.Cluster", doc)), []);
    }
  });

  test("a LOGICAL_DNS cluster with exactly one endpoint is valid", () => {
    assertAccepted(
      "clusters",
      edited(CLUSTER_DNS, { type: "LOGICAL_DNS", "load_assignment.endpoints[0].lb_endpoints[1]": REMOVE }),
    );
  });

  test("an aggregate cluster may keep the default ROUND_ROBIN policy that gRPC clients expect", () => {
    assertAccepted("clusters", edited(CLUSTER_AGGREGATE, { lb_policy: REMOVE }));
  });

  test("an inline load_assignment needs no locality, unlike EDS for gRPC clients", () => {
    assertAccepted("clusters", edited(STATIC, { "load_assignment.endpoints[0].locality": REMOVE }));
  });

  test("a dns_refresh_rate just above 1ms is valid", () => {
    assertAccepted("clusters", edited(CLUSTER_DNS, { dns_refresh_rate: "0.002s" }));
  });

  test("a STRICT_DNS cluster may mix host names and IPs", () => {
    assertAccepted(
      "clusters",
      edited(CLUSTER_DNS, { "load_assignment.endpoints[0].lb_endpoints[2]": SECOND_ENDPOINT }),
    );
  });

  for (const c of cases) {
    test(c.rule, () => {
      assertRefused("clusters", edited(c.base, c.edits), c.path, c.code);
    });
  }
});
