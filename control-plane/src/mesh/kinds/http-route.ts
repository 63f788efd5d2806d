// HTTPRoute (gateway.networking.k8s.io/v1) in Gateway API's mesh mode: attached to a Service by
// its parentRefs, each rule matches requests (path, headers, query parameters, method), changes
// them (filters), sends them to weighted Services (backendRefs), with timeouts and retries (the
// retry field of GEP-1731). It names the Services of its parentRefs, backendRefs and mirrors.
import { type Static, Type } from "typebox";
import { field, item } from "../../../../proto/index.js";
import { ValidationCode } from "../../errors.js";
import type { Problems } from "../../resources/index.js";
import { defineMeshKind } from "./define-mesh-kind.js";
import { checkGatewayDuration, durationMs, PortNumber } from "./field-checks.js";
import {
  BackendRef,
  checkBackendRefs,
  checkFilterFields,
  checkHeaderMatches,
  checkHeaderModifier,
  checkMatchValue,
  checkParentRefs,
  checkRefNamespace,
  ExtensionRef,
  HeaderMatch,
  HeaderModifier,
  MirrorBackendRef,
  ParentRef,
  routeRefs,
} from "./route-parts.js";

const PathMatch = Type.Object(
  {
    /** Default PathPrefix. */
    type: Type.Optional(Type.Enum(["Exact", "PathPrefix", "RegularExpression"])),
    /** Default "/". */
    value: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const HTTPRouteMatch = Type.Object(
  {
    path: Type.Optional(PathMatch),
    headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16 })),
    queryParams: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16 })),
    method: Type.Optional(Type.Enum(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"])),
  },
  { additionalProperties: false },
);

const PathModifier = Type.Object(
  {
    type: Type.Enum(["ReplaceFullPath", "ReplacePrefixMatch"]),
    replaceFullPath: Type.Optional(Type.String()),
    replacePrefixMatch: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const RequestRedirect = Type.Object(
  {
    scheme: Type.Optional(Type.Enum(["http", "https"])),
    hostname: Type.Optional(Type.String()),
    path: Type.Optional(PathModifier),
    port: Type.Optional(PortNumber),
    statusCode: Type.Optional(Type.Enum([301, 302, 303, 307, 308])),
  },
  { additionalProperties: false },
);

const URLRewrite = Type.Object(
  { hostname: Type.Optional(Type.String()), path: Type.Optional(PathModifier) },
  { additionalProperties: false },
);

const RequestMirror = Type.Object(
  { backendRef: MirrorBackendRef, percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) },
  { additionalProperties: false },
);

/** Filter type -> the field that holds its settings. */
const FILTER_FIELDS = {
  RequestHeaderModifier: "requestHeaderModifier",
  ResponseHeaderModifier: "responseHeaderModifier",
  RequestMirror: "requestMirror",
  ExtensionRef: "extensionRef",
  RequestRedirect: "requestRedirect",
  URLRewrite: "urlRewrite",
} as const;

const HTTPRouteFilter = Type.Object(
  {
    type: Type.Enum(Object.keys(FILTER_FIELDS) as (keyof typeof FILTER_FIELDS)[]),
    requestHeaderModifier: Type.Optional(HeaderModifier),
    responseHeaderModifier: Type.Optional(HeaderModifier),
    requestMirror: Type.Optional(RequestMirror),
    extensionRef: Type.Optional(ExtensionRef),
    requestRedirect: Type.Optional(RequestRedirect),
    urlRewrite: Type.Optional(URLRewrite),
  },
  { additionalProperties: false },
);

const Timeouts = Type.Object(
  { request: Type.Optional(Type.String()), backendRequest: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

/** GEP-1731: retry these status codes, this many times, waiting at least backoff between attempts. */
const Retry = Type.Object(
  {
    codes: Type.Optional(Type.Array(Type.Integer({ minimum: 400, maximum: 599 }))),
    attempts: Type.Optional(Type.Integer({ minimum: 0 })),
    backoff: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const HTTPRouteRule = Type.Object(
  {
    matches: Type.Optional(Type.Array(HTTPRouteMatch, { maxItems: 64 })),
    filters: Type.Optional(Type.Array(HTTPRouteFilter, { maxItems: 16 })),
    backendRefs: Type.Optional(Type.Array(BackendRef, { maxItems: 16 })),
    timeouts: Type.Optional(Timeouts),
    retry: Type.Optional(Retry),
  },
  { additionalProperties: false },
);

const HTTPRouteSpec = Type.Object(
  {
    parentRefs: Type.Array(ParentRef, { minItems: 1, maxItems: 32 }),
    rules: Type.Optional(Type.Array(HTTPRouteRule, { maxItems: 16 })),
  },
  { additionalProperties: false },
);

type Rule = NonNullable<Static<typeof HTTPRouteSpec>["rules"]>[number];

export const httpRouteKind = defineMeshKind({
  names: {
    plural: "httproutes",
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    singular: "httproute",
    aliases: ["http-routes", "http-route"],
  },
  spec: HTTPRouteSpec,
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
    const value = match.path?.value;
    if (value !== undefined) {
      if (match.path?.type === "RegularExpression")
        checkMatchValue(problems, field(at, "path.value"), "RegularExpression", value);
      else if (!value.startsWith("/"))
        problems.add(field(at, "path.value"), ValidationCode.badPath, "must start with '/'");
    }
    checkHeaderMatches(problems, field(at, "headers"), match.headers);
    checkHeaderMatches(problems, field(at, "queryParams"), match.queryParams);
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
    for (const [name, modifier] of [
      ["requestRedirect", filter.requestRedirect?.path],
      ["urlRewrite", filter.urlRewrite?.path],
    ] as const) {
      if (modifier !== undefined) checkPathModifier(problems, field(at, `${name}.path`), modifier, rule);
    }
    // Gateway API: each filter type at most once per rule, except RequestMirror.
    const earlier = types.get(filter.type);
    if (earlier !== undefined && filter.type !== "RequestMirror") {
      problems.add(
        field(at, "type"),
        ValidationCode.duplicate,
        `a rule has one ${filter.type} filter; another is at filters[${earlier}]`,
      );
    } else types.set(filter.type, i);
  });
  if (types.has("RequestRedirect") && types.has("URLRewrite")) {
    problems.add(field(path, "filters"), ValidationCode.conflict, "a rule may not both redirect and rewrite");
  }
  if (types.has("RequestRedirect") && (rule.backendRefs?.length ?? 0) > 0) {
    problems.add(field(path, "backendRefs"), ValidationCode.conflict, "a rule that redirects sends to no backend");
  }
  const request = rule.timeouts?.request;
  const backendRequest = rule.timeouts?.backendRequest;
  const requestOk = checkGatewayDuration(problems, field(path, "timeouts.request"), request);
  const backendOk = checkGatewayDuration(problems, field(path, "timeouts.backendRequest"), backendRequest);
  const both = requestOk && backendOk;
  // Gateway API: one attempt may not outlast the whole request (0s disables the request timeout).
  if (
    both &&
    request !== undefined &&
    backendRequest !== undefined &&
    durationMs(request) > 0 &&
    durationMs(backendRequest) > durationMs(request)
  ) {
    problems.add(
      field(path, "timeouts.backendRequest"),
      ValidationCode.outOfRange,
      "may not be longer than timeouts.request",
    );
  }
  checkGatewayDuration(problems, field(path, "retry.backoff"), rule.retry?.backoff);
}

/** ReplacePrefixMatch needs a PathPrefix match to replace; each type carries its own value. */
function checkPathModifier(
  problems: Problems,
  path: string,
  modifier: { type: string; replaceFullPath?: string | undefined; replacePrefixMatch?: string | undefined },
  rule: Rule,
): void {
  const fields = { ReplaceFullPath: "replaceFullPath", ReplacePrefixMatch: "replacePrefixMatch" } as const;
  checkFilterFields(problems, path, modifier, fields);
  const value = modifier.type === "ReplaceFullPath" ? modifier.replaceFullPath : modifier.replacePrefixMatch;
  if (value !== undefined && !value.startsWith("/")) {
    problems.add(
      field(path, fields[modifier.type as keyof typeof fields]),
      ValidationCode.badPath,
      "must start with '/'",
    );
  }
  if (modifier.type === "ReplacePrefixMatch") {
    const prefixOnly = (rule.matches ?? []).every((match) => (match.path?.type ?? "PathPrefix") === "PathPrefix");
    if (!prefixOnly)
      problems.add(
        field(path, "type"),
        ValidationCode.conflict,
        "ReplacePrefixMatch needs every match of the rule to be a PathPrefix",
      );
  }
}
