// A cluster's outlier_detection → RuntimeOutlierDetection, with Envoy's defaults.
//
// Consecutive-error ejection (consecutive_5xx, consecutive_gateway_failure and, when
// split_external_local_origin_errors is set, consecutive_local_origin_failure) is run. Success-rate
// and failure-percentage ejection are accepted (their fields are validated) but not run: their
// enforcing_* values default to 100 and 0 in Envoy, and without a request-volume sweep the proxy
// never ejects on them. A threshold of 0 turns that detection off.
import { POSITIVE } from "../../../proto/checks/index.js";
import type { OutlierDetection } from "../../../proto/gen/envoy/config/cluster/v3/outlier_detection.js";
import { type Cursor, durationMs, join } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

/** One consecutive-error detection: eject after `threshold` errors in a row, `enforcingPercent` of the time. */
export interface ConsecutiveDetection {
  /** 0: never ejects. */
  readonly threshold: number;
  /** 0-100: the chance an ejection is carried out once the threshold is reached. */
  readonly enforcingPercent: number;
}

export interface RuntimeOutlierDetection {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  /** A random [0, maxEjectionTimeJitterMs) added to each ejection. */
  readonly maxEjectionTimeJitterMs: number;
  readonly maxEjectionPercent: number;
  /** Eject one host even when max_ejection_percent would forbid it, when none is ejected. */
  readonly alwaysEjectOneHost: boolean;
  /** A host that passes an active health check while ejected returns at once (Envoy's default: true). */
  readonly successfulActiveHealthCheckUnejectHost: boolean;
  /**
   * false (default): connect failures, resets and timeouts count as 503/504 responses (5xx and
   * gateway failures). true: they count only toward consecutiveLocalOriginFailure.
   */
  readonly splitExternalLocalOriginErrors: boolean;
  readonly consecutive5xx: ConsecutiveDetection;
  readonly consecutiveGatewayFailure: ConsecutiveDetection;
  /** Used only when splitExternalLocalOriginErrors. */
  readonly consecutiveLocalOriginFailure: ConsecutiveDetection;
}

/** Envoy's defaults for OutlierDetection. */
export const OUTLIER_DEFAULTS = Object.freeze({
  consecutive5xx: 5,
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  enforcingConsecutiveLocalOriginFailure: 100,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
});

/** undefined when the cluster has no outlier_detection (outlier detection is off). */
export function buildOutlierDetection(
  at: Cursor,
  field: string,
  config: OutlierDetection | undefined,
): RuntimeOutlierDetection | undefined {
  if (config === undefined) return undefined;
  const d = OUTLIER_DEFAULTS;
  const intervalMs = durationMs(at, join(field, "interval"), config.interval, d.intervalMs, POSITIVE);
  const baseEjectionTimeMs = durationMs(
    at,
    join(field, "base_ejection_time"),
    config.baseEjectionTime,
    d.baseEjectionTimeMs,
    POSITIVE,
  );
  const maxEjectionTimeMs = durationMs(
    at,
    join(field, "max_ejection_time"),
    config.maxEjectionTime,
    Math.max(d.maxEjectionTimeMs, baseEjectionTimeMs),
    POSITIVE,
  );
  if (maxEjectionTimeMs < baseEjectionTimeMs) {
    at.fail(Code.invalidValue, join(field, "max_ejection_time"), "must not be less than base_ejection_time");
  }
  const percent = (name: string, value: number | undefined, fallback: number): number => {
    if (value !== undefined && value > 100) at.fail(Code.invalidValue, join(field, name), "must be at most 100");
    return value ?? fallback;
  };
  // Accepted but not run (see the file's head); still refused when out of range, as Envoy does.
  percent("enforcing_success_rate", config.enforcingSuccessRate, 100);
  percent("enforcing_local_origin_success_rate", config.enforcingLocalOriginSuccessRate, 100);
  percent("failure_percentage_threshold", config.failurePercentageThreshold, 85);
  percent("enforcing_failure_percentage", config.enforcingFailurePercentage, 0);
  percent("enforcing_failure_percentage_local_origin", config.enforcingFailurePercentageLocalOrigin, 0);
  return Object.freeze({
    intervalMs,
    baseEjectionTimeMs,
    maxEjectionTimeMs,
    maxEjectionTimeJitterMs: durationMs(at, join(field, "max_ejection_time_jitter"), config.maxEjectionTimeJitter, 0),
    maxEjectionPercent: percent("max_ejection_percent", config.maxEjectionPercent, d.maxEjectionPercent),
    alwaysEjectOneHost: config.alwaysEjectOneHost ?? false,
    successfulActiveHealthCheckUnejectHost: config.successfulActiveHealthCheckUnejectHost ?? true,
    splitExternalLocalOriginErrors: config.splitExternalLocalOriginErrors,
    consecutive5xx: Object.freeze({
      threshold: config.consecutive5xx ?? d.consecutive5xx,
      enforcingPercent: percent("enforcing_consecutive_5xx", config.enforcingConsecutive5xx, d.enforcingConsecutive5xx),
    }),
    consecutiveGatewayFailure: Object.freeze({
      threshold: config.consecutiveGatewayFailure ?? d.consecutiveGatewayFailure,
      enforcingPercent: percent(
        "enforcing_consecutive_gateway_failure",
        config.enforcingConsecutiveGatewayFailure,
        d.enforcingConsecutiveGatewayFailure,
      ),
    }),
    consecutiveLocalOriginFailure: Object.freeze({
      threshold: config.consecutiveLocalOriginFailure ?? d.consecutiveLocalOriginFailure,
      enforcingPercent: percent(
        "enforcing_consecutive_local_origin_failure",
        config.enforcingConsecutiveLocalOriginFailure,
        d.enforcingConsecutiveLocalOriginFailure,
      ),
    }),
  });
}
