// A cluster's health_checks → RuntimeHealthCheck[]. HTTP health checks only; at most one per
// cluster. Envoy runs several checkers against the same FAILED_ACTIVE_HC flag, so one failing and
// another passing make a host flap; one checker per cluster keeps the flag meaningful.
//
// Accepted but not acted on: reuse_connection (each check opens its own connection),
// no_traffic_interval and no_traffic_healthy_interval (the proxy does not track "no traffic yet";
// `interval` applies), always_log_health_check_failures/success, response_buffer_size.

import { checkPort, POSITIVE } from "../../../proto/checks/index.js";
import { RequestMethod } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type {
  HealthCheck,
  HealthCheck_HttpHealthCheck,
  HealthCheck_Payload,
} from "../../../proto/gen/envoy/config/core/v3/health_check.js";
import { CodecClientType } from "../../../proto/gen/envoy/type/v3/http.js";
import type { Int64Range } from "../../../proto/gen/envoy/type/v3/range.js";
import { type Cursor, durationMs, failOnFirst, join } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

/** HTTP statuses in [start, end), as Envoy's Int64Range. */
export interface StatusRange {
  readonly start: number;
  readonly end: number;
}

export interface RuntimeHttpHealthCheck {
  readonly path: string;
  /** The :authority / Host sent; the cluster's name when http_health_check.host is empty (as Envoy). */
  readonly host: string;
  /** GET unless the config names another method. */
  readonly method: string;
  /** h2c (prior knowledge) rather than HTTP/1.1 (codec_client_type HTTP2). */
  readonly http2: boolean;
  /** A status in one of these passes; default [200, 201). */
  readonly expectedStatuses: readonly StatusRange[];
  /**
   * A status in one of these (and not expected) counts toward unhealthy_threshold like a network
   * failure; any other status marks the host unhealthy at once (Envoy's rule).
   */
  readonly retriableStatuses: readonly StatusRange[];
  /** request_headers_to_add, in order (names lower-cased). */
  readonly requestHeaders: readonly (readonly [name: string, value: string])[];
  /** request_headers_to_remove (lower-cased): removes the checker's own defaults, e.g. user-agent. */
  readonly requestHeadersToRemove: readonly string[];
}

export interface RuntimeHealthCheck {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** A random [0, intervalJitterMs) added to every interval. */
  readonly intervalJitterMs: number;
  /** A random [0, interval × percent / 100) added to every interval. */
  readonly intervalJitterPercent: number;
  /** A host's first check runs after a random [0, initialJitterMs). */
  readonly initialJitterMs: number;
  /** The interval for a host that is failing active health checks; default intervalMs. */
  readonly unhealthyIntervalMs: number;
  /** The interval right after a host is marked unhealthy; default unhealthyIntervalMs. */
  readonly unhealthyEdgeIntervalMs: number;
  /** The interval right after a host is marked healthy; default intervalMs. */
  readonly healthyEdgeIntervalMs: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  /** Check this port rather than the endpoint's own (alt_port). */
  readonly altPort: number | undefined;
  readonly http: RuntimeHttpHealthCheck;
}

/** Envoy's default expected_statuses: 200 only. */
const DEFAULT_EXPECTED: readonly StatusRange[] = Object.freeze([Object.freeze({ start: 200, end: 201 })]);

const METHODS: Readonly<Partial<Record<RequestMethod, string>>> = {
  [RequestMethod.METHOD_UNSPECIFIED]: "GET",
  [RequestMethod.GET]: "GET",
  [RequestMethod.HEAD]: "HEAD",
  [RequestMethod.POST]: "POST",
  [RequestMethod.PUT]: "PUT",
  [RequestMethod.DELETE]: "DELETE",
  [RequestMethod.OPTIONS]: "OPTIONS",
  [RequestMethod.TRACE]: "TRACE",
  [RequestMethod.PATCH]: "PATCH",
};

/** Builds a cluster's health checks (`at.name` is the cluster's name, the default Host). */
export function buildHealthChecks(at: Cursor, field: string, checks: readonly HealthCheck[]): RuntimeHealthCheck[] {
  if (checks.length > 1) {
    at.fail(Code.unsupportedFeature, join(field, "[1]"), "at most one health check per cluster is supported");
  }
  return checks.map((check, index) => buildHealthCheck(at, join(field, `[${index}]`), check));
}

function buildHealthCheck(at: Cursor, field: string, check: HealthCheck): RuntimeHealthCheck {
  if (check.tcpHealthCheck !== undefined) {
    at.fail(Code.unsupportedFeature, join(field, "tcp_health_check"), "only HTTP health checks are supported");
  }
  if (check.grpcHealthCheck !== undefined) {
    at.fail(Code.unsupportedFeature, join(field, "grpc_health_check"), "only HTTP health checks are supported");
  }
  if (check.httpHealthCheck === undefined) {
    at.fail(Code.missingField, join(field, "http_health_check"), "a health checker is required (http_health_check)");
  }
  const timeoutMs = requiredDuration(at, join(field, "timeout"), check.timeout);
  const intervalMs = requiredDuration(at, join(field, "interval"), check.interval);
  const unhealthyIntervalMs = durationMs(
    at,
    join(field, "unhealthy_interval"),
    check.unhealthyInterval,
    intervalMs,
    POSITIVE,
  );
  const unhealthyThreshold = atLeastOne(at, join(field, "unhealthy_threshold"), check.unhealthyThreshold);
  const healthyThreshold = atLeastOne(at, join(field, "healthy_threshold"), check.healthyThreshold);
  failOnFirst(at, checkPort(join(field, "alt_port"), check.altPort), Code.invalidValue);
  // Read for validation only (see the file's head).
  durationMs(at, join(field, "no_traffic_interval"), check.noTrafficInterval, 60_000, POSITIVE);
  durationMs(at, join(field, "no_traffic_healthy_interval"), check.noTrafficHealthyInterval, intervalMs, POSITIVE);
  return Object.freeze({
    timeoutMs,
    intervalMs,
    intervalJitterMs: durationMs(at, join(field, "interval_jitter"), check.intervalJitter, 0),
    intervalJitterPercent: check.intervalJitterPercent,
    initialJitterMs: durationMs(at, join(field, "initial_jitter"), check.initialJitter, 0),
    unhealthyIntervalMs,
    unhealthyEdgeIntervalMs: durationMs(
      at,
      join(field, "unhealthy_edge_interval"),
      check.unhealthyEdgeInterval,
      unhealthyIntervalMs,
      POSITIVE,
    ),
    healthyEdgeIntervalMs: durationMs(
      at,
      join(field, "healthy_edge_interval"),
      check.healthyEdgeInterval,
      intervalMs,
      POSITIVE,
    ),
    unhealthyThreshold,
    healthyThreshold,
    altPort: check.altPort,
    http: buildHttp(at, join(field, "http_health_check"), check.httpHealthCheck),
  });
}

function buildHttp(at: Cursor, field: string, http: HealthCheck_HttpHealthCheck): RuntimeHttpHealthCheck {
  if (http.path === "") at.fail(Code.missingField, join(field, "path"), "a path is required");
  if (!http.path.startsWith("/")) at.fail(Code.invalidValue, join(field, "path"), "the path must start with /");
  if (http.send !== undefined && !emptyPayload(http.send)) {
    at.fail(Code.unsupportedFeature, join(field, "send"), "request payloads are not supported");
  }
  if (http.receive.length > 0) {
    at.fail(Code.unsupportedFeature, join(field, "receive"), "response payload matching is not supported");
  }
  if (http.serviceNameMatcher !== undefined) {
    at.fail(Code.unsupportedFeature, join(field, "service_name_matcher"), "service name matching is not supported");
  }
  if (http.codecClientType !== CodecClientType.HTTP1 && http.codecClientType !== CodecClientType.HTTP2) {
    at.fail(
      Code.unsupportedFeature,
      join(field, "codec_client_type"),
      `${CodecClientType[http.codecClientType] ?? String(http.codecClientType)} is not supported (HTTP1 or HTTP2)`,
    );
  }
  const method = METHODS[http.method];
  if (method === undefined) {
    at.fail(
      Code.unsupportedFeature,
      join(field, "method"),
      `${RequestMethod[http.method] ?? String(http.method)} is not allowed for health checks`,
    );
  }
  const requestHeaders = http.requestHeadersToAdd.map((option, index) => {
    const at_ = join(field, `request_headers_to_add[${index}].header`);
    const header = option.header;
    if (header === undefined || header.key === "") at.fail(Code.missingField, at_, "a header name is required");
    const name = header.key.toLowerCase();
    if (name.startsWith(":") || name === "host") {
      at.fail(Code.invalidValue, join(at_, "key"), `${name} cannot be set (use http_health_check.host)`);
    }
    const value = header.value !== "" ? header.value : Buffer.from(header.rawValue).toString("latin1");
    return Object.freeze([name, value] as const);
  });
  return Object.freeze({
    path: http.path,
    host: http.host === "" ? at.name : http.host,
    method,
    http2: http.codecClientType === CodecClientType.HTTP2,
    expectedStatuses:
      http.expectedStatuses.length === 0
        ? DEFAULT_EXPECTED
        : statusRanges(at, join(field, "expected_statuses"), http.expectedStatuses),
    retriableStatuses: statusRanges(at, join(field, "retriable_statuses"), http.retriableStatuses),
    requestHeaders: Object.freeze(requestHeaders),
    requestHeadersToRemove: Object.freeze(http.requestHeadersToRemove.map((name) => name.toLowerCase())),
  });
}

/** Envoy accepts status ranges within [100, 600) with start < end. */
function statusRanges(at: Cursor, field: string, ranges: readonly Int64Range[]): readonly StatusRange[] {
  return Object.freeze(
    ranges.map(({ start, end }, index) => {
      if (start < 100 || end > 600 || start >= end) {
        at.fail(Code.invalidValue, join(field, `[${index}]`), `[${start}, ${end}) is not a status range in [100, 600)`);
      }
      return Object.freeze({ start, end });
    }),
  );
}

function requiredDuration(at: Cursor, field: string, value: HealthCheck["timeout"]): number {
  if (value === undefined) at.fail(Code.missingField, field, "required");
  return durationMs(at, field, value, 0, POSITIVE);
}

function atLeastOne(at: Cursor, field: string, value: number | undefined): number {
  if (value === undefined) at.fail(Code.missingField, field, "required");
  if (value < 1) at.fail(Code.invalidValue, field, "must be at least 1");
  return value;
}

function emptyPayload(payload: HealthCheck_Payload): boolean {
  return (payload.text ?? "") === "" && (payload.binary?.length ?? 0) === 0;
}

/** Whether `status` lies in one of `ranges`. */
export function statusIn(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some(({ start, end }) => status >= start && status < end);
}
