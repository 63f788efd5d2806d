import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCluster, ConfigErrorCode as Code } from "../../../data-plane/src/config/index.js";
import { assertDeepFrozen, assertRefused } from "./assert-refusal.js";
import { cluster, edsCluster, endpointJson, omit, staticCluster } from "./fixtures.js";

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
          },
        ],
      },
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

describe("buildCluster: refusals (one per NACK reason)", () => {
  it("refuses cluster types not supported yet", () => {
    for (const type of ["STRICT_DNS", "LOGICAL_DNS", "ORIGINAL_DST"]) {
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
    assertRefused(
      () => buildCluster(cluster(staticCluster({ lb_policy: "LEAST_REQUEST" }))),
      Code.unsupportedLbPolicy,
      "backend",
      "lb_policy",
      /LEAST_REQUEST/,
    );
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

  it("refuses upstream TLS and protocol options it cannot honour", () => {
    assertRefused(
      () => buildCluster(cluster(staticCluster({ transport_socket: { name: "envoy.transport_sockets.tls" } }))),
      Code.unsupportedFeature,
      "backend",
      "transport_socket",
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
