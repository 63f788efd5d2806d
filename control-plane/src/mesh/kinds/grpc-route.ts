// GRPCRoute (gateway.networking.k8s.io/v1) in Gateway API's mesh mode: attached to a Service by
// its parentRefs, each rule matches calls by service and method and by headers, changes headers
// or mirrors, and sends to weighted Services. It names the Services of its parentRefs,
// backendRefs and mirrors.
import { type Static, Type } from "typebox";
import { field, item } from "../../../../proto/index.js";
import { ValidationCode } from "../../errors.js";
import { type Problems, regexProblem } from "../../resources/index.js";
import { defineMeshKind } from "./define-mesh-kind.js";
import {
  BackendRef,
  checkBackendRefs,
  checkFilterFields,
  checkHeaderMatches,
  checkHeaderModifier,
  checkParentRefs,
  checkRefNamespace,
  ExtensionRef,
  HeaderMatch,
  HeaderModifier,
  MirrorBackendRef,
  ParentRef,
  routeRefs,
} from "./route-parts.js";

const MethodMatch = Type.Object(
  {
    /** Default Exact. */
    type: Type.Optional(Type.Enum(["Exact", "RegularExpression"])),
    service: Type.Optional(Type.String()),
    method: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const GRPCRouteMatch = Type.Object(
  { method: Type.Optional(MethodMatch), headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16 })) },
  { additionalProperties: false },
);

const FILTER_FIELDS = {
  RequestHeaderModifier: "requestHeaderModifier",
  ResponseHeaderModifier: "responseHeaderModifier",
  RequestMirror: "requestMirror",
  ExtensionRef: "extensionRef",
} as const;

const GRPCRouteFilter = Type.Object(
  {
    type: Type.Enum(Object.keys(FILTER_FIELDS) as (keyof typeof FILTER_FIELDS)[]),
    requestHeaderModifier: Type.Optional(HeaderModifier),
    responseHeaderModifier: Type.Optional(HeaderModifier),
    requestMirror: Type.Optional(
      Type.Object(
        { backendRef: MirrorBackendRef, percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) },
        { additionalProperties: false },
      ),
    ),
    extensionRef: Type.Optional(ExtensionRef),
  },
  { additionalProperties: false },
);

const GRPCRouteRule = Type.Object(
  {
    matches: Type.Optional(Type.Array(GRPCRouteMatch, { maxItems: 64 })),
    filters: Type.Optional(Type.Array(GRPCRouteFilter, { maxItems: 16 })),
    backendRefs: Type.Optional(Type.Array(BackendRef, { maxItems: 16 })),
  },
  { additionalProperties: false },
);

const GRPCRouteSpec = Type.Object(
  {
    parentRefs: Type.Array(ParentRef, { minItems: 1, maxItems: 32 }),
    rules: Type.Optional(Type.Array(GRPCRouteRule, { maxItems: 16 })),
  },
  { additionalProperties: false },
);

type Rule = NonNullable<Static<typeof GRPCRouteSpec>["rules"]>[number];

/** Gateway API's Exact forms: a dotted proto service name, and a method name. */
const SERVICE_NAME = /^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
const METHOD_NAME = /^[A-Za-z_][A-Za-z_0-9]*$/;

export const grpcRouteKind = defineMeshKind({
  names: {
    plural: "grpcroutes",
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GRPCRoute",
    singular: "grpcroute",
    aliases: ["grpc-routes", "grpc-route"],
  },
  spec: GRPCRouteSpec,
  validate(spec, problems) {
    checkParentRefs(problems, spec.parentRefs);
    spec.rules?.forEach((rule, i) => {
      checkRule(problems, item("spec.rules", i), rule);
    });
  },
  references: routeRefs,
});

function checkRule(problems: Problems, path: string, rule: Rule): void {
  rule.matches?.forEach((match, i) => {
    const at = item(field(path, "matches"), i);
    const method = match.method;
    if (method !== undefined) {
      if (method.service === undefined && method.method === undefined) {
        problems.add(field(at, "method"), ValidationCode.required, "a method match names a service, a method, or both");
      }
      for (const [name, value, exact] of [
        ["service", method.service, SERVICE_NAME],
        ["method", method.method, METHOD_NAME],
      ] as const) {
        if (value === undefined) continue;
        if (method.type === "RegularExpression") {
          const problem = regexProblem(value);
          if (problem !== undefined) problems.add(field(at, `method.${name}`), ValidationCode.badRegex, problem);
        } else if (!exact.test(value)) {
          problems.add(field(at, `method.${name}`), ValidationCode.badValue, `is not a gRPC ${name} name`);
        }
      }
    }
    checkHeaderMatches(problems, field(at, "headers"), match.headers);
  });
  checkBackendRefs(problems, field(path, "backendRefs"), rule.backendRefs);
  const types = new Map<string, number>();
  rule.filters?.forEach((filter, i) => {
    const at = item(field(path, "filters"), i);
    checkFilterFields(problems, at, filter, FILTER_FIELDS);
    checkHeaderModifier(problems, field(at, "requestHeaderModifier"), filter.requestHeaderModifier);
    checkHeaderModifier(problems, field(at, "responseHeaderModifier"), filter.responseHeaderModifier);
    if (filter.requestMirror !== undefined)
      checkRefNamespace(problems, field(at, "requestMirror.backendRef"), filter.requestMirror.backendRef);
    const earlier = types.get(filter.type);
    if (earlier !== undefined && filter.type !== "RequestMirror") {
      problems.add(
        field(at, "type"),
        ValidationCode.duplicate,
        `a rule has one ${filter.type} filter; another is at filters[${earlier}]`,
      );
    } else types.set(filter.type, i);
  });
}
