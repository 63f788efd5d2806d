import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCluster, ConfigErrorCode as Code, type ConfigErrorCode } from "../../../data-plane/src/config/index.js";
import { assertDeepFrozen, assertRefused } from "./assert-refusal.js";
import { cluster, type Json, omit, staticCluster } from "./fixtures.js";

function httpCheck(extra: Json = {}, http: Json = {}): Json {
  return {
    timeout: "1s",
    interval: "5s",
    unhealthy_threshold: 3,
    healthy_threshold: 2,
    http_health_check: { path: "/healthz", ...http },
    ...extra,
  };
}

const build = (...checks: Json[]) => {
  const built = buildCluster(cluster(staticCluster({ health_checks: checks })));
  return { healthChecks: built.healthChecks ?? [] };
};

describe("buildCluster: health_checks", () => {
  it("a cluster without health checks has none", () => {
    assert.deepEqual(buildCluster(cluster(staticCluster())).healthChecks, []);
  });

  it("fills Envoy's defaults: host is the cluster's name, 200 expected, GET over HTTP/1.1", () => {
    const [check] = build(httpCheck()).healthChecks;
    assert.deepEqual(check, {
      timeoutMs: 1000,
      intervalMs: 5000,
      intervalJitterMs: 0,
      intervalJitterPercent: 0,
      initialJitterMs: 0,
      unhealthyIntervalMs: 5000,
      unhealthyEdgeIntervalMs: 5000,
      healthyEdgeIntervalMs: 5000,
      unhealthyThreshold: 3,
      healthyThreshold: 2,
      altPort: undefined,
      http: {
        path: "/healthz",
        host: "backend",
        method: "GET",
        http2: false,
        expectedStatuses: [{ start: 200, end: 201 }],
        retriableStatuses: [],
        requestHeaders: [],
        requestHeadersToRemove: [],
      },
    });
    assertDeepFrozen(check);
  });

  it("reads jitter, edge intervals, statuses, headers, method and the HTTP/2 codec", () => {
    const [check] = build(
      httpCheck(
        {
          interval_jitter: "0.5s",
          interval_jitter_percent: 20,
          initial_jitter: "2s",
          unhealthy_interval: "10s",
          healthy_edge_interval: "1s",
          alt_port: 9901,
        },
        {
          host: "health.local",
          expected_statuses: [
            { start: 200, end: 300 },
            { start: 404, end: 405 },
          ],
          retriable_statuses: [{ start: 503, end: 504 }],
          request_headers_to_add: [{ header: { key: "X-Probe", value: "weft" } }],
          request_headers_to_remove: ["User-Agent"],
          codec_client_type: "HTTP2",
          method: "HEAD",
        },
      ),
    ).healthChecks;
    assert.ok(check);
    assert.equal(check.intervalJitterMs, 500);
    assert.equal(check.intervalJitterPercent, 20);
    assert.equal(check.initialJitterMs, 2000);
    assert.equal(check.unhealthyIntervalMs, 10_000);
    assert.equal(check.unhealthyEdgeIntervalMs, 10_000, "defaults to unhealthy_interval");
    assert.equal(check.healthyEdgeIntervalMs, 1000);
    assert.equal(check.altPort, 9901);
    assert.equal(check.http.host, "health.local");
    assert.equal(check.http.http2, true);
    assert.equal(check.http.method, "HEAD");
    assert.deepEqual(check.http.expectedStatuses, [
      { start: 200, end: 300 },
      { start: 404, end: 405 },
    ]);
    assert.deepEqual(check.http.retriableStatuses, [{ start: 503, end: 504 }]);
    assert.deepEqual(check.http.requestHeaders, [["x-probe", "weft"]]);
    assert.deepEqual(check.http.requestHeadersToRemove, ["user-agent"]);
  });
});

describe("buildCluster: health_checks refusals", () => {
  const refused = (code: ConfigErrorCode, field: string, ...checks: Json[]) =>
    assertRefused(() => build(...checks), code, "backend", field);

  it("refuses TCP and gRPC health checks, and a check of no kind", () => {
    const noHttp = omit(httpCheck(), "http_health_check");
    refused(Code.unsupportedFeature, "health_checks[0].tcp_health_check", { ...noHttp, tcp_health_check: {} });
    refused(Code.unsupportedFeature, "health_checks[0].grpc_health_check", { ...noHttp, grpc_health_check: {} });
    refused(Code.missingField, "health_checks[0].http_health_check", noHttp);
  });

  it("refuses a second health check", () => {
    refused(Code.unsupportedFeature, "health_checks[1]", httpCheck(), httpCheck());
  });

  it("requires timeout, interval and both thresholds, each above zero", () => {
    for (const field of ["timeout", "interval", "unhealthy_threshold", "healthy_threshold"]) {
      refused(Code.missingField, `health_checks[0].${field}`, omit(httpCheck(), field));
    }
    refused(Code.invalidDuration, "health_checks[0].timeout", httpCheck({ timeout: "0s" }));
    refused(Code.invalidDuration, "health_checks[0].interval", httpCheck({ interval: "0s" }));
    refused(Code.invalidDuration, "health_checks[0].unhealthy_interval", httpCheck({ unhealthy_interval: "0s" }));
    refused(Code.invalidValue, "health_checks[0].unhealthy_threshold", httpCheck({ unhealthy_threshold: 0 }));
    refused(Code.invalidValue, "health_checks[0].healthy_threshold", httpCheck({ healthy_threshold: 0 }));
  });

  it("requires a path and refuses payloads, service name matching and HTTP/3", () => {
    const at = "health_checks[0].http_health_check";
    refused(Code.missingField, `${at}.path`, httpCheck({}, { path: "" }));
    refused(Code.invalidValue, `${at}.path`, httpCheck({}, { path: "healthz" }));
    refused(Code.unsupportedFeature, `${at}.send`, httpCheck({}, { send: { text: "ping" } }));
    refused(Code.unsupportedFeature, `${at}.receive`, httpCheck({}, { receive: [{ text: "pong" }] }));
    refused(
      Code.unsupportedFeature,
      `${at}.service_name_matcher`,
      httpCheck({}, { service_name_matcher: { exact: "svc" } }),
    );
    refused(Code.unsupportedFeature, `${at}.codec_client_type`, httpCheck({}, { codec_client_type: "HTTP3" }));
    refused(Code.unsupportedFeature, `${at}.method`, httpCheck({}, { method: "CONNECT" }));
  });

  it("refuses status ranges outside [100, 600) or empty, and headers it cannot set", () => {
    const at = "health_checks[0].http_health_check";
    refused(
      Code.invalidValue,
      `${at}.expected_statuses[0]`,
      httpCheck({}, { expected_statuses: [{ start: 99, end: 200 }] }),
    );
    refused(
      Code.invalidValue,
      `${at}.expected_statuses[1]`,
      httpCheck(
        {},
        {
          expected_statuses: [
            { start: 200, end: 201 },
            { start: 500, end: 500 },
          ],
        },
      ),
    );
    refused(
      Code.invalidValue,
      `${at}.retriable_statuses[0]`,
      httpCheck({}, { retriable_statuses: [{ start: 500, end: 601 }] }),
    );
    refused(
      Code.invalidValue,
      `${at}.request_headers_to_add[0].header.key`,
      httpCheck({}, { request_headers_to_add: [{ header: { key: ":authority", value: "x" } }] }),
    );
  });
});
