import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCluster, ConfigErrorCode as Code } from "../../../data-plane/src/config/index.js";
import { assertDeepFrozen, assertRefused } from "./assert-refusal.js";
import { cluster, type Json, staticCluster } from "./fixtures.js";

const build = (outlier: Json) => buildCluster(cluster(staticCluster({ outlier_detection: outlier })));

describe("buildCluster: outlier_detection", () => {
  it("is off when the cluster has none", () => {
    assert.equal(buildCluster(cluster(staticCluster())).outlierDetection, undefined);
  });

  it("an empty outlier_detection takes Envoy's defaults (gateway failures detected, not enforced)", () => {
    const built = build({}).outlierDetection;
    assert.deepEqual(built, {
      intervalMs: 10_000,
      baseEjectionTimeMs: 30_000,
      maxEjectionTimeMs: 300_000,
      maxEjectionTimeJitterMs: 0,
      maxEjectionPercent: 10,
      alwaysEjectOneHost: false,
      successfulActiveHealthCheckUnejectHost: true,
      splitExternalLocalOriginErrors: false,
      consecutive5xx: { threshold: 5, enforcingPercent: 100 },
      consecutiveGatewayFailure: { threshold: 5, enforcingPercent: 0 },
      consecutiveLocalOriginFailure: { threshold: 5, enforcingPercent: 100 },
    });
    assertDeepFrozen(built);
  });

  it("reads every consecutive-error field", () => {
    const built = build({
      consecutive_5xx: 3,
      enforcing_consecutive_5xx: 50,
      consecutive_gateway_failure: 2,
      enforcing_consecutive_gateway_failure: 100,
      split_external_local_origin_errors: true,
      consecutive_local_origin_failure: 4,
      enforcing_consecutive_local_origin_failure: 0,
      interval: "1s",
      base_ejection_time: "2s",
      max_ejection_time: "8s",
      max_ejection_time_jitter: "0.1s",
      max_ejection_percent: 50,
      always_eject_one_host: true,
      successful_active_health_check_uneject_host: false,
    }).outlierDetection;
    assert.deepEqual(built, {
      intervalMs: 1000,
      baseEjectionTimeMs: 2000,
      maxEjectionTimeMs: 8000,
      maxEjectionTimeJitterMs: 100,
      maxEjectionPercent: 50,
      alwaysEjectOneHost: true,
      successfulActiveHealthCheckUnejectHost: false,
      splitExternalLocalOriginErrors: true,
      consecutive5xx: { threshold: 3, enforcingPercent: 50 },
      consecutiveGatewayFailure: { threshold: 2, enforcingPercent: 100 },
      consecutiveLocalOriginFailure: { threshold: 4, enforcingPercent: 0 },
    });
  });

  it("accepts success-rate and failure-percentage fields (not run)", () => {
    assert.ok(
      build({ enforcing_success_rate: 0, success_rate_stdev_factor: 1900, failure_percentage_threshold: 90 })
        .outlierDetection,
    );
  });
});

describe("buildCluster: outlier_detection refusals", () => {
  it("refuses percentages above 100", () => {
    for (const field of [
      "max_ejection_percent",
      "enforcing_consecutive_5xx",
      "enforcing_consecutive_gateway_failure",
      "enforcing_consecutive_local_origin_failure",
      "enforcing_success_rate",
      "failure_percentage_threshold",
    ]) {
      assertRefused(() => build({ [field]: 101 }), Code.invalidValue, "backend", `outlier_detection.${field}`);
    }
  });

  it("refuses a zero interval or base ejection time, and a max ejection time below the base", () => {
    assertRefused(() => build({ interval: "0s" }), Code.invalidDuration, "backend", "outlier_detection.interval");
    assertRefused(
      () => build({ base_ejection_time: "0s" }),
      Code.invalidDuration,
      "backend",
      "outlier_detection.base_ejection_time",
    );
    assertRefused(
      () => build({ base_ejection_time: "60s", max_ejection_time: "30s" }),
      Code.invalidValue,
      "backend",
      "outlier_detection.max_ejection_time",
    );
  });
});
