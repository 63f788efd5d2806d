import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCluster, ConfigErrorCode as Code, DEFAULT_LOAD_BALANCING } from "../../../data-plane/src/config/index.js";
import { assertDeepFrozen, assertRefused } from "./assert-refusal.js";
import { cluster, edsCluster, endpointJson, type Json, omit, staticCluster } from "./fixtures.js";

const HTTP_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
const HTTP_OPTIONS_TYPE = `type.googleapis.com/${HTTP_OPTIONS_KEY}`;

describe("buildCluster: valid clusters", () => {
  it("builds a STATIC cluster with its endpoints", () => {
    const built = buildCluster(cluster(staticCluster()));
    assert.deepEqual(built, {
      name: "backend",
      type: "STATIC",
      edsServiceName: undefined,
      connectTimeoutMs: 250,
      lbPolicy: "ROUND_ROBIN",
      http2: false,
      staticEndpoints: {
        clusterName: "backend",
        localities: [
          {
            priority: 0,
            weight: 1,
            endpoints: [
              { host: "127.0.0.1", port: 8080, weight: 1, health: "UNKNOWN" },
              { host: "::1", port: 8081, weight: 1, health: "UNKNOWN" },
            ],
            locality: undefined,
            weightGiven: false,
          },
        ],
        overprovisioningFactor: 140,
        weightedPriorityHealth: false,
      },
      loadBalancing: DEFAULT_LOAD_BALANCING,
      dns: undefined,
      healthChecks: [],
      outlierDetection: undefined,
    });
    assertDeepFrozen(built);
  });

  it("builds an EDS cluster, defaulting connect_timeout and the service name", () => {
    const built = buildCluster(cluster(edsCluster()));
    assert.equal(built.type, "EDS");
    assert.equal(built.edsServiceName, "svc-eds");
    assert.equal(built.connectTimeoutMs, 5000);
    assert.equal(built.staticEndpoints, undefined);
    assertDeepFrozen(built);
    const unnamed = buildCluster(
      cluster(edsCluster({ eds_cluster_config: { eds_config: { ads: {}, resource_api_version: "V3" } } })),
    );
    assert.equal(unnamed.edsServiceName, "svc");
  });

  it("reads HTTP/2 from typed HttpProtocolOptions or the deprecated field", () => {
    const typed = staticCluster({
      typed_extension_protocol_options: {
        [HTTP_OPTIONS_KEY]: { "@type": HTTP_OPTIONS_TYPE, explicit_http_config: { http2_protocol_options: {} } },
      },
    });
    assert.equal(buildCluster(cluster(typed)).http2, true);
    assert.equal(buildCluster(cluster(staticCluster({ http2_protocol_options: {} }))).http2, true);
    const http1 = staticCluster({
      typed_extension_protocol_options: {
        [HTTP_OPTIONS_KEY]: { "@type": HTTP_OPTIONS_TYPE, explicit_http_config: { http_protocol_options: {} } },
      },
    });
    assert.equal(buildCluster(cluster(http1)).http2, false);
  });
});

/** A DNS cluster of `type` whose one locality holds `endpoints`. */
function dnsCluster(type: string, endpoints: Json[], extra: Json = {}): Json {
  return staticCluster({
    type,
    load_assignment: { cluster_name: "backend", endpoints: [{ lb_endpoints: endpoints }] },
    ...extra,
  });
}

describe("buildCluster: load balancing and DNS", () => {
  it("accepts every supported lb_policy with its config and Envoy's defaults", () => {
    assert.equal(buildCluster(cluster(staticCluster({ lb_policy: "RANDOM" }))).lbPolicy, "RANDOM");
    const lr = buildCluster(
      cluster(staticCluster({ lb_policy: "LEAST_REQUEST", least_request_lb_config: { choice_count: 3 } })),
    );
    assert.equal(lr.lbPolicy, "LEAST_REQUEST");
    assert.equal(lr.loadBalancing?.choiceCount, 3);
    const ring = buildCluster(
      cluster(
        staticCluster({
          lb_policy: "RING_HASH",
          ring_hash_lb_config: { minimum_ring_size: 64, maximum_ring_size: 4096 },
          common_lb_config: { healthy_panic_threshold: { value: 25 }, locality_weighted_lb_config: {} },
        }),
      ),
    );
    assert.equal(ring.lbPolicy, "RING_HASH");
    assert.deepEqual(ring.loadBalancing, {
      ...DEFAULT_LOAD_BALANCING,
      minimumRingSize: 64,
      maximumRingSize: 4096,
      healthyPanicThreshold: 25,
      localityWeighted: true,
    });
    assertDeepFrozen(ring);
  });

  it("accepts STRICT_DNS and LOGICAL_DNS clusters with hostnames, refresh rate and lookup family", () => {
    const strict = buildCluster(
      cluster(
        dnsCluster("STRICT_DNS", [endpointJson("backend.internal", 8080), endpointJson("10.0.0.1", 80)], {
          dns_refresh_rate: "2s",
          dns_lookup_family: "V4_ONLY",
          respect_dns_ttl: true,
        }),
      ),
    );
    assert.equal(strict.type, "STRICT_DNS");
    assert.deepEqual(strict.dns, { refreshRateMs: 2000, respectDnsTtl: true, lookupFamily: "V4_ONLY" });
    assert.equal(strict.staticEndpoints?.localities[0]?.endpoints[0]?.host, "backend.internal");
    const logical = buildCluster(cluster(dnsCluster("LOGICAL_DNS", [endpointJson("backend.internal", 8080)])));
    assert.equal(logical.type, "LOGICAL_DNS");
    assert.deepEqual(logical.dns, { refreshRateMs: 5000, respectDnsTtl: false, lookupFamily: "AUTO" });
    assertDeepFrozen(logical);
  });
});

describe("buildCluster: refusals (one per NACK reason)", () => {
  it("refuses cluster types not supported yet", () => {
    for (const type of ["ORIGINAL_DST"]) {
      assertRefused(
        () => buildCluster(cluster(staticCluster({ type }))),
        Code.unsupportedClusterType,
        "backend",
        "type",
        new RegExp(type),
      );
    }
    const custom = omit(staticCluster(), "type");
    custom.cluster_type = { name: "envoy.clusters.aggregate" };
    assertRefused(() => buildCluster(cluster(custom)), Code.unsupportedClusterType, "backend", "cluster_type");
  });

  it("refuses load-balancing policies not supported yet", () => {
    for (const policy of ["MAGLEV", "CLUSTER_PROVIDED", "LOAD_BALANCING_POLICY_CONFIG"]) {
      assertRefused(
        () => buildCluster(cluster(staticCluster({ lb_policy: policy }))),
        Code.unsupportedLbPolicy,
        "backend",
        "lb_policy",
        new RegExp(policy),
      );
    }
  });

  it("refuses ring sizes out of range, minimum above maximum, and MURMUR_HASH_2", () => {
    const ring = (config: Json) => () =>
      buildCluster(cluster(staticCluster({ lb_policy: "RING_HASH", ring_hash_lb_config: config })));
    const field = "ring_hash_lb_config";
    assertRefused(ring({ maximum_ring_size: 8388609 }), Code.invalidValue, "backend", `${field}.maximum_ring_size`);
    assertRefused(ring({ minimum_ring_size: 0 }), Code.invalidValue, "backend", `${field}.minimum_ring_size`);
    assertRefused(
      ring({ minimum_ring_size: 4096, maximum_ring_size: 2048 }),
      Code.invalidValue,
      "backend",
      `${field}.minimum_ring_size`,
    );
    assertRefused(
      ring({ hash_function: "MURMUR_HASH_2" }),
      Code.unsupportedFeature,
      "backend",
      `${field}.hash_function`,
    );
  });

  it("refuses a choice_count below 2 and a panic threshold above 100", () => {
    assertRefused(
      () =>
        buildCluster(
          cluster(staticCluster({ lb_policy: "LEAST_REQUEST", least_request_lb_config: { choice_count: 1 } })),
        ),
      Code.invalidValue,
      "backend",
      "least_request_lb_config.choice_count",
    );
    assertRefused(
      () => buildCluster(cluster(staticCluster({ common_lb_config: { healthy_panic_threshold: { value: 120 } } }))),
      Code.invalidValue,
      "backend",
      "common_lb_config.healthy_panic_threshold",
    );
  });

  it("refuses a LOGICAL_DNS cluster with more than one endpoint, a resolver name and a named port", () => {
    const logical = dnsCluster("LOGICAL_DNS", [endpointJson("a.example", 80), endpointJson("b.example", 80)]);
    assertRefused(() => buildCluster(cluster(logical)), Code.invalidAddress, "backend", "load_assignment");
    const named = dnsCluster("STRICT_DNS", [
      { endpoint: { address: { socket_address: { address: "a.example", port_value: 80, resolver_name: "custom" } } } },
    ]);
    const at = "load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address";
    assertRefused(() => buildCluster(cluster(named)), Code.invalidAddress, "backend", `${at}.resolver_name`);
    const port = dnsCluster("STRICT_DNS", [
      { endpoint: { address: { socket_address: { address: "a.example", named_port: "http" } } } },
    ]);
    assertRefused(() => buildCluster(cluster(port)), Code.invalidAddress, "backend", `${at}.named_port`);
    const bad = dnsCluster("STRICT_DNS", [endpointJson("not a name!", 80)]);
    assertRefused(() => buildCluster(cluster(bad)), Code.invalidAddress, "backend", `${at}.address`);
  });

  it("refuses a zero or negative connect_timeout", () => {
    assertRefused(
      () => buildCluster(cluster(staticCluster({ connect_timeout: "0s" }))),
      Code.invalidDuration,
      "backend",
      "connect_timeout",
    );
    assertRefused(
      () => buildCluster(cluster(staticCluster({ connect_timeout: "-2s" }))),
      Code.invalidDuration,
      "backend",
      "connect_timeout",
    );
  });

  it("refuses an EDS cluster without an ads config source", () => {
    assertRefused(
      () => buildCluster(cluster(omit(edsCluster(), "eds_cluster_config"))),
      Code.missingField,
      "svc",
      "eds_cluster_config",
    );
    assertRefused(
      () => buildCluster(cluster(edsCluster({ eds_cluster_config: { service_name: "x" } }))),
      Code.missingField,
      "svc",
      "eds_cluster_config.eds_config",
    );
    assertRefused(
      () =>
        buildCluster(
          cluster(edsCluster({ eds_cluster_config: { eds_config: { self: {}, resource_api_version: "V3" } } })),
        ),
      Code.unsupportedConfigSource,
      "svc",
      "eds_cluster_config.eds_config",
    );
  });

  it("refuses a static endpoint that is not an IP literal", () => {
    const json = staticCluster({
      load_assignment: { cluster_name: "backend", endpoints: [{ lb_endpoints: [endpointJson("backend.local", 80)] }] },
    });
    assertRefused(
      () => buildCluster(cluster(json)),
      Code.invalidAddress,
      "backend",
      "load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address",
    );
  });

  it("refuses a TLS socket without its context, and protocol options it cannot honour", () => {
    assertRefused(
      () => buildCluster(cluster(staticCluster({ transport_socket: { name: "envoy.transport_sockets.tls" } }))),
      Code.missingField,
      "backend",
      "transport_socket.typed_config",
    );
    const auto = staticCluster({
      typed_extension_protocol_options: {
        [HTTP_OPTIONS_KEY]: { "@type": HTTP_OPTIONS_TYPE, auto_config: {} },
      },
    });
    assertRefused(
      () => buildCluster(cluster(auto)),
      Code.unsupportedFeature,
      "backend",
      `typed_extension_protocol_options["${HTTP_OPTIONS_KEY}"].auto_config`,
    );
  });
});
