// A Gateway API rule's action as Envoy's: backends (weighted clusters of Service ports), filters
// (header modifiers, redirect, rewrite, fault injection), timeouts and retries, and the hash policy a backend's
// DestinationRule asks for (docs/mesh.md, "Outbound routes").
import { field, item } from "../../../../proto/index.js";
import { durationMs } from "../kinds/field-checks.js";
import type { CompileIssue, EnvoyJson } from "./compiled-resource.js";
import { msDuration, protoDuration } from "./durations.js";
import { faultPerFilterConfig } from "./fault.js";
import { DEFAULT_RETRIES, DEFAULT_ROUTE_TIMEOUT, defaultRetryPolicy, RULE_RETRY_ON } from "./mesh-defaults.js";
import {
  destinationRuleFor,
  type HttpRouteSpec,
  type MeshState,
  portOf,
  type ServiceDocument,
  type ServicePort,
} from "./mesh-state.js";
import { serviceClusterName } from "./names.js";
import { regexLiteral } from "./route-match.js";

type HttpRule = NonNullable<HttpRouteSpec["rules"]>[number];
type HttpFilter = NonNullable<HttpRule["filters"]>[number];
type HeaderModifier = NonNullable<HttpFilter["requestHeaderModifier"]>;
type PathModifier = NonNullable<NonNullable<HttpFilter["urlRewrite"]>["path"]>;
type BackendRef = NonNullable<HttpRule["backendRefs"]>[number];

/** A route document being compiled, for the issues it raises. */
export interface RouteSource {
  readonly kind: "httproutes" | "grpcroutes";
  readonly name: string;
  /** `spec.rules[i]`. */
  readonly rulePath: string;
}

/** One Service port a route sends to: the key of its cluster. */
export interface Backend {
  readonly service: string;
  readonly port: number;
}

/** The parts of a rule both route kinds have: backends and filters. */
export interface RuleParts {
  readonly backendRefs?: readonly BackendRef[] | undefined;
  readonly filters?: readonly HttpFilter[] | undefined;
  readonly timeouts?: HttpRule["timeouts"];
  readonly retry?: HttpRule["retry"];
}

/**
 * The Envoy route (everything but `match`) for a rule, given the prefix its match matched (for
 * ReplacePrefixMatch; undefined when the match is not a prefix). Adds the Service ports it sends
 * to into `backends`.
 */
export function ruleAction(
  state: MeshState,
  rule: RuleParts,
  matchedPrefix: string | undefined,
  source: RouteSource,
  backends: Set<string>,
  issues: CompileIssue[],
): EnvoyJson {
  const issue = (path: string, message: string) =>
    issues.push({ kind: source.kind, name: source.name, path: field(source.rulePath, path), message });
  const route: EnvoyJson = {};
  const filters = rule.filters ?? [];
  filters.forEach((filter, i) => {
    const at = item("filters", i);
    if (filter.requestHeaderModifier !== undefined) {
      Object.assign(
        route,
        headerMutations("request", filter.requestHeaderModifier, field(at, "requestHeaderModifier"), issue),
      );
    }
    if (filter.responseHeaderModifier !== undefined) {
      Object.assign(
        route,
        headerMutations("response", filter.responseHeaderModifier, field(at, "responseHeaderModifier"), issue),
      );
    }
    if (filter.requestMirror !== undefined) {
      issue(
        at,
        "RequestMirror is not compiled yet: the proxy does not mirror requests; the rule sends without mirroring",
      );
    }
  });
  // The fault filter runs before the router, so a fault applies whatever the route then does.
  const fault = faultPerFilterConfig(state, filters, issue);
  if (fault !== undefined) route.typedPerFilterConfig = fault;
  const redirect = filters.find((f) => f.requestRedirect !== undefined)?.requestRedirect;
  if (redirect !== undefined) {
    route.redirect = redirectAction(redirect, matchedPrefix);
    return route;
  }
  const clusters = weightedBackends(state, rule.backendRefs ?? [], issue);
  if (clusters === "none") {
    route.directResponse = { status: 404, body: { inlineString: "this route rule names no backend\n" } };
    return route;
  }
  if (clusters.length === 0) {
    route.directResponse = { status: 500, body: { inlineString: "this route rule's backends name no Service port\n" } };
    return route;
  }
  for (const { backend } of clusters) backends.add(backendKey(backend));
  const action: EnvoyJson = {};
  const [only] = clusters;
  if (clusters.length === 1 && only !== undefined) action.cluster = clusterOf(only.backend);
  else
    action.weightedClusters = {
      clusters: clusters.map(({ backend, weight }) => ({ name: clusterOf(backend), weight })),
    };
  const rewrite = filters.find((f) => f.urlRewrite !== undefined)?.urlRewrite;
  if (rewrite?.hostname !== undefined) action.hostRewriteLiteral = rewrite.hostname;
  if (rewrite?.path !== undefined) action.regexRewrite = pathRewrite(rewrite.path, matchedPrefix);
  Object.assign(action, timeoutsAndRetries(rule));
  const hashPolicy = hashPolicyOf(
    state,
    clusters.map((c) => c.backend.service),
  );
  if (hashPolicy.length > 0) action.hashPolicy = hashPolicy;
  route.route = action;
  return route;
}

export function backendKey(backend: Backend): string {
  return `${backend.port}/${backend.service}`;
}

export function backendOfKey(key: string): Backend {
  const slash = key.indexOf("/");
  return { port: Number(key.slice(0, slash)), service: key.slice(slash + 1) };
}

/**
 * The Service ports named by backend keys, by Service name then port number; a key naming no
 * Service or no port of its Service is skipped (ruleAction adds only ports that exist; kept
 * defensive for callers adding their own keys).
 */
export function backendPorts(
  state: MeshState,
  keys: Iterable<string>,
): { readonly service: ServiceDocument; readonly port: ServicePort }[] {
  const out: { service: ServiceDocument; port: ServicePort }[] = [];
  const backends = [...keys]
    .map(backendOfKey)
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.port - b.port));
  for (const { service: name, port: number } of backends) {
    const service = state.services.get(name);
    const port = service === undefined ? undefined : portOf(service, number);
    if (service !== undefined && port !== undefined) out.push({ service, port });
  }
  return out;
}

function clusterOf(backend: Backend): string {
  return serviceClusterName(backend.service, backend.port);
}

/**
 * The rule's backends with their weights: zero weights left out, a Service port named twice
 * counted once with the weights added, a backend naming no Service port left out with an issue
 * (its share goes to the others). "none" when the rule names no backend at all.
 */
function weightedBackends(
  state: MeshState,
  refs: readonly BackendRef[],
  issue: (path: string, message: string) => void,
): { backend: Backend; weight: number }[] | "none" {
  if (refs.length === 0) return "none";
  const byKey = new Map<string, { backend: Backend; weight: number }>();
  refs.forEach((ref, i) => {
    const weight = ref.weight ?? 1;
    const service = state.services.get(ref.name);
    if (service === undefined || portOf(service, ref.port) === undefined) {
      issue(
        item("backendRefs", i),
        service === undefined ? `no Service ${ref.name}` : `Service ${ref.name} has no port ${ref.port}`,
      );
      return;
    }
    if (weight === 0) return;
    const backend = { service: ref.name, port: ref.port };
    const key = backendKey(backend);
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, { backend, weight });
    else seen.weight += weight;
  });
  return [...byKey.values()];
}

/** Gateway API's `set` overwrites, `add` appends; `host` is left out with an issue. */
function headerMutations(
  direction: "request" | "response",
  modifier: HeaderModifier,
  path: string,
  issue: (path: string, message: string) => void,
): EnvoyJson {
  const add: EnvoyJson[] = [];
  const remove: string[] = [];
  // Envoy refuses route rules that change `host` in either direction.
  const allowed = (name: string, at: string) => {
    if (name.toLowerCase() !== "host") return true;
    issue(
      at,
      direction === "request"
        ? "the host header is the request's authority: use a URLRewrite filter's hostname to change it"
        : "Envoy lets no route change a response's host header",
    );
    return false;
  };
  for (const [op, appendAction] of [
    ["set", "OVERWRITE_IF_EXISTS_OR_ADD"],
    ["add", "APPEND_IF_EXISTS_OR_ADD"],
  ] as const) {
    modifier[op]?.forEach((header, i) => {
      if (allowed(header.name, item(field(path, op), i)))
        add.push({ header: { key: header.name, value: header.value }, appendAction });
    });
  }
  modifier.remove?.forEach((name, i) => {
    if (allowed(name, item(field(path, "remove"), i))) remove.push(name);
  });
  const result: EnvoyJson = {};
  if (add.length > 0) result[`${direction}HeadersToAdd`] = add;
  if (remove.length > 0) result[`${direction}HeadersToRemove`] = remove;
  return result;
}

/**
 * A path modifier as a regex rewrite of the whole path. ReplacePrefixMatch replaces the matched
 * prefix element-wise, as Gateway API says (`/foo` to `/bar`: `/foo/x` -> `/bar/x`, `/foo` ->
 * `/bar`; to `/`: `/foo/x` -> `/x`), which Envoy's prefix_rewrite does not for `/`.
 */
function pathRewrite(modifier: PathModifier, matchedPrefix: string | undefined): EnvoyJson {
  if (modifier.type === "ReplaceFullPath") {
    return { pattern: { regex: "^/.*$" }, substitution: substitutionLiteral(modifier.replaceFullPath ?? "/") };
  }
  const prefix = (matchedPrefix ?? "/").replace(/\/+$/, "");
  const replacement = (modifier.replacePrefixMatch ?? "/").replace(/\/+$/, "");
  if (replacement === "") return { pattern: { regex: `^${regexLiteral(prefix)}/*(.*)$` }, substitution: "/\\1" };
  return {
    pattern: { regex: `^${regexLiteral(prefix)}(/.*)?$` },
    substitution: `${substitutionLiteral(replacement)}\\1`,
  };
}

/** A literal in a regex substitution, where `\` introduces a group number. */
function substitutionLiteral(text: string): string {
  return text.replaceAll("\\", "\\\\");
}

const REDIRECT_CODES: Readonly<Record<number, string>> = {
  301: "MOVED_PERMANENTLY",
  302: "FOUND",
  303: "SEE_OTHER",
  307: "TEMPORARY_REDIRECT",
  308: "PERMANENT_REDIRECT",
};

function redirectAction(
  redirect: NonNullable<HttpFilter["requestRedirect"]>,
  matchedPrefix: string | undefined,
): EnvoyJson {
  const action: EnvoyJson = { responseCode: REDIRECT_CODES[redirect.statusCode ?? 302] ?? "FOUND" };
  if (redirect.scheme !== undefined) action.schemeRedirect = redirect.scheme;
  if (redirect.hostname !== undefined) action.hostRedirect = redirect.hostname;
  if (redirect.port !== undefined) action.portRedirect = redirect.port;
  if (redirect.path?.type === "ReplaceFullPath") action.pathRedirect = redirect.path.replaceFullPath ?? "/";
  else if (redirect.path !== undefined) action.regexRewrite = pathRewrite(redirect.path, matchedPrefix);
  return action;
}

/**
 * GEP-1731 and the rule's timeouts. `timeouts.request` is the route timeout (0s: none), else the
 * mesh default. `timeouts.backendRequest` bounds each attempt: the retry policy's per-try timeout,
 * or without retries the route timeout when it is shorter. `retry.attempts` is the number of
 * retries (0: none) on the default conditions and connection errors (RULE_RETRY_ON),
 * `retry.codes` the statuses retried besides those,
 * `retry.backoff` the first back-off. A rule without `retry` gets the mesh default retries.
 */
function timeoutsAndRetries(rule: RuleParts): EnvoyJson {
  const result: EnvoyJson = {};
  const requestMs = rule.timeouts?.request === undefined ? undefined : durationMs(rule.timeouts.request);
  const backendMs = rule.timeouts?.backendRequest === undefined ? undefined : durationMs(rule.timeouts.backendRequest);
  let retryPolicy: EnvoyJson | undefined = defaultRetryPolicy();
  const retry = rule.retry;
  if (retry !== undefined) {
    const attempts = retry.attempts ?? DEFAULT_RETRIES;
    if (attempts === 0) retryPolicy = undefined;
    else {
      retryPolicy = { retryOn: RULE_RETRY_ON, numRetries: attempts };
      if (retry.codes !== undefined && retry.codes.length > 0) {
        retryPolicy.retryOn = `${RULE_RETRY_ON},retriable-status-codes`;
        retryPolicy.retriableStatusCodes = [...new Set(retry.codes)];
      }
      if (retry.backoff !== undefined && durationMs(retry.backoff) > 0) {
        retryPolicy.retryBackOff = { baseInterval: protoDuration(retry.backoff) };
      }
    }
  }
  let timeoutMs = requestMs;
  if (backendMs !== undefined && backendMs > 0) {
    if (retryPolicy !== undefined) retryPolicy.perTryTimeout = msDuration(backendMs);
    else if (timeoutMs === undefined || timeoutMs === 0 || backendMs < timeoutMs) timeoutMs = backendMs;
  }
  result.timeout = timeoutMs === undefined ? DEFAULT_ROUTE_TIMEOUT : msDuration(timeoutMs);
  if (retryPolicy !== undefined) result.retryPolicy = retryPolicy;
  return result;
}

/** The route action of a Service port with no route attached: to the port itself, mesh defaults. */
export function defaultAction(state: MeshState, backend: Backend): EnvoyJson {
  const action: EnvoyJson = {
    cluster: clusterOf(backend),
    timeout: DEFAULT_ROUTE_TIMEOUT,
    retryPolicy: defaultRetryPolicy(),
  };
  const hashPolicy = hashPolicyOf(state, [backend.service]);
  if (hashPolicy.length > 0) action.hashPolicy = hashPolicy;
  return action;
}

/** The consistent-hash keys the backends' DestinationRules give, each once, in backend order. */
function hashPolicyOf(state: MeshState, services: readonly string[]): EnvoyJson[] {
  const policies = new Map<string, EnvoyJson>();
  for (const service of services) {
    const hash = destinationRuleFor(state, service)?.spec.trafficPolicy?.loadBalancer?.consistentHash;
    if (hash === undefined) continue;
    let policy: EnvoyJson | undefined;
    if (hash.httpHeaderName !== undefined) policy = { header: { headerName: hash.httpHeaderName } };
    else if (hash.httpCookie !== undefined) {
      const cookie: EnvoyJson = { name: hash.httpCookie.name };
      if (hash.httpCookie.path !== undefined) cookie.path = hash.httpCookie.path;
      if (hash.httpCookie.ttl !== undefined) cookie.ttl = protoDuration(hash.httpCookie.ttl);
      policy = { cookie };
    } else if (hash.useSourceIp === true) policy = { connectionProperties: { sourceIp: true } };
    else if (hash.httpQueryParameterName !== undefined)
      policy = { queryParameter: { name: hash.httpQueryParameterName } };
    if (policy !== undefined) policies.set(JSON.stringify(policy), policy);
  }
  return [...policies.values()];
}
