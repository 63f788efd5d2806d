// Active health checks of a cluster (envoy.config.core.v3.HealthCheck), as Envoy's proto rules and
// checker factories accept them.
import { checkPort } from "../../../proto/checks/index.js";
import { RequestMethod } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { HealthCheck, HealthCheck_Payload } from "../../../proto/gen/envoy/config/core/v3/health_check.js";
import type { Int64Range } from "../../../proto/gen/envoy/type/v3/range.js";
import { checkHeadersToAdd, checkHeadersToRemove, checkLineSafe, checkRange, UINT32_MAX } from "./core-checks.js";
import { checkDuration, NON_NEGATIVE, POSITIVE } from "./duration-checks.js";
import { checkStringMatcher } from "./matcher-checks.js";
import { field, item, type Problems } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

export function checkHealthCheck(problems: Problems, path: string, check: HealthCheck): void {
  checkDuration(problems, field(path, "timeout"), check.timeout, { ...POSITIVE, required: true });
  checkDuration(problems, field(path, "interval"), check.interval, { ...POSITIVE, required: true });
  checkDuration(problems, field(path, "initial_jitter"), check.initialJitter, NON_NEGATIVE);
  checkDuration(problems, field(path, "interval_jitter"), check.intervalJitter, NON_NEGATIVE);
  for (const [name, value] of [
    ["no_traffic_interval", check.noTrafficInterval],
    ["no_traffic_healthy_interval", check.noTrafficHealthyInterval],
    ["unhealthy_interval", check.unhealthyInterval],
    ["unhealthy_edge_interval", check.unhealthyEdgeInterval],
    ["healthy_edge_interval", check.healthyEdgeInterval],
  ] as const) {
    checkDuration(problems, field(path, name), value, POSITIVE);
  }
  for (const [name, value] of [
    ["unhealthy_threshold", check.unhealthyThreshold],
    ["healthy_threshold", check.healthyThreshold],
  ] as const) {
    if (value === undefined) problems.add(field(path, name), ValidationCode.required, "is required");
    else checkRange(problems, field(path, name), value, 1, UINT32_MAX);
  }
  problems.addChecked(checkPort(field(path, "alt_port"), check.altPort));
  const { httpHealthCheck: http, tcpHealthCheck: tcp, grpcHealthCheck: grpc } = check;
  const checkers = [http, tcp, grpc].filter((c) => c !== undefined).length;
  if (checkers === 0) {
    problems.add(
      path,
      ValidationCode.required,
      "needs one of http_health_check, tcp_health_check or grpc_health_check",
    );
  } else if (checkers > 1) {
    problems.add(
      path,
      ValidationCode.conflict,
      "set only one of http_health_check, tcp_health_check and grpc_health_check",
    );
  }
  if (http !== undefined) {
    const at = field(path, "http_health_check");
    if (http.path === "") {
      problems.add(field(at, "path"), ValidationCode.required, "a path is required");
    } else if (!http.path.startsWith("/")) {
      problems.add(field(at, "path"), ValidationCode.badPath, `"${http.path}" must start with "/"`);
    }
    checkLineSafe(problems, field(at, "path"), http.path);
    checkLineSafe(problems, field(at, "host"), http.host);
    checkStatusRanges(problems, field(at, "expected_statuses"), http.expectedStatuses);
    checkStatusRanges(problems, field(at, "retriable_statuses"), http.retriableStatuses);
    if (http.method === RequestMethod.CONNECT) {
      problems.add(field(at, "method"), ValidationCode.badValue, "CONNECT cannot be used for health checks");
    }
    if (http.send !== undefined) checkPayload(problems, field(at, "send"), http.send);
    http.receive.forEach((payload, i) => {
      checkPayload(problems, item(field(at, "receive"), i), payload);
    });
    checkHeadersToAdd(problems, field(at, "request_headers_to_add"), http.requestHeadersToAdd);
    checkHeadersToRemove(problems, field(at, "request_headers_to_remove"), http.requestHeadersToRemove);
    if (http.serviceNameMatcher !== undefined) {
      checkStringMatcher(problems, field(at, "service_name_matcher"), http.serviceNameMatcher);
    }
  }
  if (tcp !== undefined) {
    const at = field(path, "tcp_health_check");
    if (tcp.send !== undefined) checkPayload(problems, field(at, "send"), tcp.send);
    tcp.receive.forEach((payload, i) => {
      checkPayload(problems, item(field(at, "receive"), i), payload);
    });
  }
  if (grpc !== undefined) {
    const at = field(path, "grpc_health_check");
    checkLineSafe(problems, field(at, "authority"), grpc.authority);
    checkHeadersToAdd(problems, field(at, "initial_metadata"), grpc.initialMetadata);
  }
}

/** Envoy: each range is [start, end) with 100 <= start < end <= 600. */
function checkStatusRanges(problems: Problems, path: string, ranges: readonly Int64Range[]): void {
  ranges.forEach((range, i) => {
    if (!(range.start >= 100 && range.end <= 600 && range.start < range.end)) {
      problems.add(
        item(path, i),
        ValidationCode.outOfRange,
        `[${range.start}, ${range.end}) is not a status range; expected 100 <= start < end <= 600`,
      );
    }
  });
}

/** A payload to send or expect: `text` is hex-encoded bytes, `binary` raw bytes. */
function checkPayload(problems: Problems, path: string, payload: HealthCheck_Payload): void {
  if (payload.text === undefined && payload.binary === undefined) {
    problems.add(path, ValidationCode.required, "needs text (hex-encoded) or binary");
  } else if (payload.text !== undefined && !HEX.test(payload.text)) {
    problems.add(
      field(path, "text"),
      ValidationCode.badValue,
      "is hex-encoded bytes: a non-empty, even number of hex digits",
    );
  }
}
