// Gateway API matches (HTTPRoute and GRPCRoute) as Envoy route matches, each with its precedence:
// Gateway API orders the rules of every route attached to one parent by the match, not by the
// route they come from (docs/mesh.md, "Outbound routes").
import type { EnvoyJson } from "./compiled-resource.js";
import type { GrpcRouteSpec, HttpRouteSpec } from "./mesh-state.js";

type HttpMatch = NonNullable<NonNullable<HttpRouteSpec["rules"]>[number]["matches"]>[number];
type GrpcMatch = NonNullable<NonNullable<GrpcRouteSpec["rules"]>[number]["matches"]>[number];
type HeaderMatch = NonNullable<HttpMatch["headers"]>[number];

/** An Envoy route match and where it sorts among its parent's matches. */
export interface CompiledMatch {
  readonly match: EnvoyJson;
  /** Compared element by element, smaller first (see precedenceOrder). */
  readonly precedence: readonly number[];
}

/** Path kinds in Gateway API's order: an exact path, then a regular expression, then prefixes. */
const EXACT = 0;
const REGEX = 1;
const PREFIX = 2;

/**
 * Gateway API's precedence: an exact path, then the longest prefix (a regular expression between
 * the two), then a method match, then more header matches, then more query parameter matches.
 */
function precedence(
  pathKind: number,
  prefixLength: number,
  method: boolean,
  headers: number,
  queries: number,
): number[] {
  return [pathKind, -prefixLength, method ? 0 : 1, -headers, -queries];
}

export function precedenceOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** What the rule without matches matches: every request (a PathPrefix of "/"). */
export const MATCH_ALL: CompiledMatch = { match: { prefix: "/" }, precedence: precedence(PREFIX, 1, false, 0, 0) };

/** Escapes the characters a regular expression gives a meaning to (valid in RE2 and JavaScript alike). */
export function regexLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A PathPrefix is element-wise (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`): Envoy's
 * path_separated_prefix, without the trailing slashes Gateway API ignores. A prefix holding `?`
 * or `#` matches no path and path_separated_prefix refuses it, so it stays a plain prefix.
 */
export function prefixMatch(value: string): { match: EnvoyJson; length: number } {
  const trimmed = value.replace(/\/+$/, "");
  if (trimmed === "") return { match: { prefix: "/" }, length: 1 };
  if (/[?#]/.test(trimmed)) return { match: { prefix: value }, length: value.length };
  return { match: { pathSeparatedPrefix: trimmed }, length: trimmed.length };
}

export function httpMatch(match: HttpMatch): CompiledMatch {
  const value = match.path?.value ?? "/";
  let path: { match: EnvoyJson; kind: number; length: number };
  switch (match.path?.type ?? "PathPrefix") {
    case "Exact":
      path = { match: { path: value }, kind: EXACT, length: value.length };
      break;
    case "RegularExpression":
      path = { match: { safeRegex: { regex: value } }, kind: REGEX, length: 0 };
      break;
    default: {
      const prefix = prefixMatch(value);
      path = { match: prefix.match, kind: PREFIX, length: prefix.length };
    }
  }
  const headers = (match.headers ?? []).map(headerMatcher);
  if (match.method !== undefined) headers.push({ name: ":method", stringMatch: { exact: match.method } });
  const queryParameters = (match.queryParams ?? []).map((query) => ({
    name: query.name,
    stringMatch: stringMatch(query),
  }));
  const envoy: EnvoyJson = { ...path.match };
  if (headers.length > 0) envoy.headers = headers;
  if (queryParameters.length > 0) envoy.queryParameters = queryParameters;
  return {
    match: envoy,
    precedence: precedence(
      path.kind,
      path.length,
      match.method !== undefined,
      match.headers?.length ?? 0,
      queryParameters.length,
    ),
  };
}

/**
 * A gRPC method match on the request path `/SERVICE/METHOD`: both given exactly is an exact path,
 * a service alone a prefix `/SERVICE/`; a method alone, or a regular expression, is a regex.
 */
export function grpcMatch(match: GrpcMatch): CompiledMatch {
  const method = match.method;
  const service = method?.service?.replace(/^\./, "");
  let path: { match: EnvoyJson; kind: number; length: number };
  if (method === undefined || (service === undefined && method.method === undefined)) {
    path = { match: { prefix: "/" }, kind: PREFIX, length: 1 };
  } else if (method.type === "RegularExpression") {
    const regex = `^/(?:${service ?? "[^/]+"})/(?:${method.method ?? "[^/]+"})$`;
    path = { match: { safeRegex: { regex } }, kind: REGEX, length: 0 };
  } else if (service !== undefined && method.method !== undefined) {
    const exact = `/${service}/${method.method}`;
    path = { match: { path: exact }, kind: EXACT, length: exact.length };
  } else if (service !== undefined) {
    const prefix = `/${service}/`;
    path = { match: { prefix }, kind: PREFIX, length: prefix.length };
  } else {
    path = { match: { safeRegex: { regex: `^/[^/]+/${regexLiteral(method.method ?? "")}$` } }, kind: REGEX, length: 0 };
  }
  const headers = (match.headers ?? []).map(headerMatcher);
  const envoy: EnvoyJson = { ...path.match };
  if (headers.length > 0) envoy.headers = headers;
  return { match: envoy, precedence: precedence(path.kind, path.length, false, headers.length, 0) };
}

function headerMatcher(header: HeaderMatch): EnvoyJson {
  return { name: header.name, stringMatch: stringMatch(header) };
}

function stringMatch(match: { readonly type?: string | undefined; readonly value: string }): EnvoyJson {
  return match.type === "RegularExpression" ? { safeRegex: { regex: match.value } } : { exact: match.value };
}
