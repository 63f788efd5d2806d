// Envoy's HTTP fault filter (envoy.filters.http.fault, HTTPFault): in an HCM's http_filters before
// the router, and per virtual host, route or weighted cluster in typed_per_filter_config, where it
// replaces the filter's own config for that request. Weft proxies and gRPC clients both run it, so
// a config is accepted only when both would take it: gRPC refuses a delay or an abort without a
// percentage, Envoy a delay of zero and an HTTP status outside 200..599.
import type { FaultDelay } from "../../../proto/gen/envoy/extensions/filters/common/fault/v3/fault.js";
import type { FaultAbort, HTTPFault } from "../../../proto/gen/envoy/extensions/filters/http/fault/v3/fault.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { typeNameOf } from "../../../proto/index.js";
import { checkFractionalPercent, checkRange } from "./core-checks.js";
import { checkDuration, POSITIVE } from "./duration-checks.js";
import { field, type Problems, unpackChecked } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

export const HTTP_FAULT = "envoy.extensions.filters.http.fault.v3.HTTPFault";

/** The highest gRPC status code (UNAUTHENTICATED); gRPC defines no code above it. */
const GRPC_STATUS_MAX = 16;

/** Whether `any` holds an HTTPFault. */
export function holdsHttpFault(any: Any): boolean {
  return typeNameOf(any.typeUrl) === HTTP_FAULT;
}

/** Unpacks and checks the HTTPFault in `any` at `path` (the Any's own path). */
export function checkHttpFaultAny(problems: Problems, path: string, any: Any): void {
  const fault = unpackChecked<HTTPFault>(problems, path, any);
  if (fault !== undefined) checkHttpFault(problems, path, fault);
}

export function checkHttpFault(problems: Problems, path: string, fault: HTTPFault): void {
  if (fault.delay !== undefined) checkDelay(problems, field(path, "delay"), fault.delay);
  if (fault.abort !== undefined) checkAbort(problems, field(path, "abort"), fault.abort);
}

function checkDelay(problems: Problems, path: string, delay: FaultDelay): void {
  if (delay.fixedDelay === undefined) {
    problems.add(field(path, "fixed_delay"), ValidationCode.required, "a delay needs a fixed_delay");
  } else {
    checkDuration(problems, field(path, "fixed_delay"), delay.fixedDelay, POSITIVE);
  }
  checkPercentage(problems, path, delay.percentage, "delay");
}

function checkAbort(problems: Problems, path: string, abort: FaultAbort): void {
  if (abort.httpStatus === undefined && abort.grpcStatus === undefined) {
    problems.add(path, ValidationCode.required, "an abort needs an http_status or a grpc_status");
  }
  checkRange(problems, field(path, "http_status"), abort.httpStatus, 200, 599);
  checkRange(problems, field(path, "grpc_status"), abort.grpcStatus, 0, GRPC_STATUS_MAX);
  checkPercentage(problems, path, abort.percentage, "abort");
}

function checkPercentage(problems: Problems, path: string, percentage: FaultAbort["percentage"], what: string): void {
  if (percentage === undefined) {
    problems.add(
      field(path, "percentage"),
      ValidationCode.required,
      `${what === "abort" ? "an" : "a"} ${what} needs a percentage (gRPC clients refuse one without; 100% is numerator 100)`,
    );
    return;
  }
  checkFractionalPercent(problems, field(path, "percentage"), percentage);
}
