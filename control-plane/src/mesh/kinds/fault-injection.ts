// FaultInjection (weft.dev/v1alpha1): delays and aborts for a share of requests, in the shape of
// Istio's VirtualService `fault` (HTTPFaultInjection). HTTPRoute and GRPCRoute rules use one
// through an ExtensionRef filter (Gateway API's way to extend a route); the compiler turns it
// into Envoy's HTTPFault on the rule's routes, which Weft proxies and gRPC clients both run.
// It names no other document.
import { type Static, Type } from "typebox";
import { ValidationCode } from "../../errors.js";
import type { Problems } from "../../resources/index.js";
import { defineMeshKind } from "./define-mesh-kind.js";
import { checkIstioDuration } from "./field-checks.js";

/** gRPC's status codes by name, as Istio's `grpcStatus` takes them. */
export const GRPC_STATUS_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The share of requests a fault applies to, 0 to 100 (fractions allowed); absent: 100. */
const Percentage = Type.Object({ value: Type.Number({ minimum: 0, maximum: 100 }) }, { additionalProperties: false });

const Delay = Type.Object(
  { fixedDelay: Type.String(), percentage: Type.Optional(Percentage) },
  { additionalProperties: false },
);

const Abort = Type.Object(
  {
    httpStatus: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
    grpcStatus: Type.Optional(Type.Enum(Object.keys(GRPC_STATUS_CODES) as (keyof typeof GRPC_STATUS_CODES)[])),
    percentage: Type.Optional(Percentage),
  },
  { additionalProperties: false },
);

const FaultInjectionSpec = Type.Object(
  { delay: Type.Optional(Delay), abort: Type.Optional(Abort) },
  { additionalProperties: false },
);

export type FaultInjectionSpec = Static<typeof FaultInjectionSpec>;

export const faultInjectionKind = defineMeshKind({
  names: {
    plural: "faultinjections",
    apiVersion: "weft.dev/v1alpha1",
    kind: "FaultInjection",
    singular: "faultinjection",
    aliases: ["fault", "faults", "fault-injection", "fault-injections"],
  },
  spec: FaultInjectionSpec,
  validate(spec, problems) {
    checkFault(problems, spec);
  },
  references: () => [],
});

function checkFault(problems: Problems, spec: FaultInjectionSpec): void {
  if (spec.delay === undefined && spec.abort === undefined) {
    problems.add("spec", ValidationCode.required, "a fault delays (spec.delay), aborts (spec.abort), or both");
  }
  if (spec.delay !== undefined) checkIstioDuration(problems, "spec.delay.fixedDelay", spec.delay.fixedDelay, true);
  const abort = spec.abort;
  if (abort === undefined) return;
  if (abort.httpStatus === undefined && abort.grpcStatus === undefined) {
    problems.add("spec.abort", ValidationCode.required, "an abort answers with httpStatus or grpcStatus");
  } else if (abort.httpStatus !== undefined && abort.grpcStatus !== undefined) {
    problems.add(
      "spec.abort.grpcStatus",
      ValidationCode.conflict,
      "an abort answers with one of httpStatus and grpcStatus",
    );
  }
}
