// RouteConfiguration (RDS): the checks Envoy and gRPC clients apply before accepting a route table.
// The same checks serve a route_config inline in an HttpConnectionManager, where the name may be empty.
import type { HeaderValueOption } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import {
  type DirectResponseAction,
  type RedirectAction,
  RedirectAction_RedirectResponseCode,
  type RetryPolicy,
  type Route,
  type RouteAction,
  type RouteAction_HashPolicy,
  type RouteMatch,
  type VirtualHost,
  type WeightedCluster,
} from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import {
  checkHeaderName,
  checkHeadersToAdd,
  checkHeadersToRemove,
  checkLineSafe,
  checkRange,
  UINT32_MAX,
} from "./core-checks.js";
import { checkDuration, compareDurations, NON_NEGATIVE, POSITIVE } from "./duration-checks.js";
import { checkHttpFaultAny, HTTP_FAULT, holdsHttpFault } from "./http-fault.js";
import { checkHeaderMatcher, checkRegexMatcher, checkRegexRewrite, checkStringMatcher } from "./matcher-checks.js";
import { entry, field, item, Problems } from "./problems.js";
import type { ResourceType } from "./resource-type.js";
import { ValidationCode } from "./validation-codes.js";

export const routeType: ResourceType<RouteConfiguration> = {
  validate(config) {
    const problems = new Problems();
    checkRouteConfiguration(problems, "", config, false);
    return problems.details;
  },
};

/** Envoy's default for max_direct_response_body_size_bytes. */
const DIRECT_RESPONSE_BODY_MAX = 4096;

/** The conditions Envoy's `retry_on` understands (x-envoy-retry-on and x-envoy-retry-grpc-on); Envoy refuses others. */
const RETRY_ON: ReadonlySet<string> = new Set([
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "envoy-ratelimited",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
]);

/**
 * Checks a route configuration at `path`. `inline` is true for a route_config inside an
 * HttpConnectionManager, which needs no name.
 */
export function checkRouteConfiguration(
  problems: Problems,
  path: string,
  config: RouteConfiguration,
  inline: boolean,
): void {
  if (!inline && config.name === "") problems.add(field(path, "name"), ValidationCode.required, "a name is required");
  config.internalOnlyHeaders.forEach((name, i) => {
    checkHeaderName(problems, item(field(path, "internal_only_headers"), i), name, false);
  });
  checkHeaderMutations(problems, path, config);
  checkPerFilterConfig(problems, field(path, "typed_per_filter_config"), config.typedPerFilterConfig);
  const bodyMax = config.maxDirectResponseBodySizeBytes ?? DIRECT_RESPONSE_BODY_MAX;
  const hostNames = new Map<string, string>();
  // Envoy matches Host case-insensitively, so "Example.com" and "example.com" are the same domain.
  const domains = new Map<string, { host: string; path: string }>();
  config.virtualHosts.forEach((host, i) => {
    const at = item(field(path, "virtual_hosts"), i);
    if (host.name === "") {
      problems.add(field(at, "name"), ValidationCode.required, "a virtual host name is required");
    } else {
      const first = hostNames.get(host.name);
      if (first === undefined) hostNames.set(host.name, at);
      else problems.add(field(at, "name"), ValidationCode.duplicate, `"${host.name}" is also the name of ${first}`);
    }
    if (host.domains.length === 0) {
      problems.add(field(at, "domains"), ValidationCode.empty, "a virtual host needs at least one domain");
    }
    host.domains.forEach((domain, j) => {
      const domainPath = item(field(at, "domains"), j);
      if (!checkDomain(problems, domainPath, domain)) return;
      const key = domain.toLowerCase();
      const seen = domains.get(key);
      if (seen === undefined) {
        domains.set(key, { host: host.name, path: domainPath });
      } else {
        problems.add(
          domainPath,
          ValidationCode.duplicate,
          `"${domain}" is already a domain of virtual host "${seen.host}" (${seen.path}); a domain may belong to one virtual host only`,
        );
      }
    });
    checkVirtualHost(problems, at, host, bodyMax);
  });
}

/** A Host pattern: `*` alone, as a prefix (`*.example.com`, `*-bar.com`) or as a suffix (`example.*`). */
function checkDomain(problems: Problems, path: string, domain: string): boolean {
  if (domain === "") {
    problems.add(path, ValidationCode.required, "a domain must not be empty");
    return false;
  }
  if (!/^[\x21-\x7e]+$/.test(domain)) {
    problems.add(path, ValidationCode.badDomain, `"${domain}" may hold only visible ASCII characters`);
    return false;
  }
  const first = domain.indexOf("*");
  if (first === -1) return true;
  if (first !== domain.lastIndexOf("*")) {
    problems.add(path, ValidationCode.badDomain, `"${domain}" has more than one "*"`);
    return false;
  }
  if (domain !== "*" && first !== 0 && first !== domain.length - 1) {
    problems.add(
      path,
      ValidationCode.badDomain,
      `"${domain}": "*" may stand alone, start a domain ("*.example.com") or end one ("example.*"), not sit in the middle`,
    );
    return false;
  }
  return true;
}

function checkVirtualHost(problems: Problems, path: string, host: VirtualHost, bodyMax: number): void {
  checkHeaderMutations(problems, path, host);
  checkPerFilterConfig(problems, field(path, "typed_per_filter_config"), host.typedPerFilterConfig);
  if (host.retryPolicy !== undefined) checkRetryPolicy(problems, field(path, "retry_policy"), host.retryPolicy);
  host.routes.forEach((route, k) => {
    checkRoute(problems, item(field(path, "routes"), k), route, bodyMax);
  });
}

interface HeaderMutations {
  readonly requestHeadersToAdd: readonly HeaderValueOption[];
  readonly requestHeadersToRemove: readonly string[];
  readonly responseHeadersToAdd: readonly HeaderValueOption[];
  readonly responseHeadersToRemove: readonly string[];
}

function checkHeaderMutations(problems: Problems, path: string, holder: HeaderMutations): void {
  checkHeadersToAdd(problems, field(path, "request_headers_to_add"), holder.requestHeadersToAdd);
  checkHeadersToRemove(problems, field(path, "request_headers_to_remove"), holder.requestHeadersToRemove);
  checkHeadersToAdd(problems, field(path, "response_headers_to_add"), holder.responseHeadersToAdd);
  checkHeadersToRemove(problems, field(path, "response_headers_to_remove"), holder.responseHeadersToRemove);
}

/**
 * Per-route filter configuration, keyed by the HTTP filter's name in the listener's http_filters.
 * The fault filter's HTTPFault is the only one Weft runs (the router takes none); Envoy refuses
 * config for a filter that takes none, and gRPC for a type it does not know.
 */
function checkPerFilterConfig(problems: Problems, path: string, configs: { readonly [key: string]: Any }): void {
  for (const [name, any] of Object.entries(configs)) {
    if (holdsHttpFault(any)) {
      checkHttpFaultAny(problems, entry(path, name), any);
      continue;
    }
    problems.add(
      entry(path, name),
      ValidationCode.unsupported,
      `per-route configuration (${any.typeUrl}) is not supported: only the fault filter's (${HTTP_FAULT}) is`,
    );
  }
}

function checkRoute(problems: Problems, path: string, route: Route, bodyMax: number): void {
  if (route.match === undefined) {
    problems.add(field(path, "match"), ValidationCode.required, "a match is required");
  } else {
    checkRouteMatch(problems, field(path, "match"), route.match);
  }
  const actions = [route.route, route.redirect, route.directResponse, route.nonForwardingAction].filter(
    (a) => a !== undefined,
  ).length;
  if (actions === 0) {
    problems.add(
      path,
      ValidationCode.required,
      "a route needs an action: route, redirect, direct_response or non_forwarding_action",
    );
  } else if (actions > 1) {
    problems.add(
      path,
      ValidationCode.conflict,
      "set only one of route, redirect, direct_response and non_forwarding_action",
    );
  }
  if (route.route !== undefined) checkRouteAction(problems, field(path, "route"), route.route);
  if (route.redirect !== undefined) checkRedirect(problems, field(path, "redirect"), route.redirect);
  if (route.directResponse !== undefined) {
    checkDirectResponse(problems, field(path, "direct_response"), route.directResponse, bodyMax);
  }
  checkHeaderMutations(problems, path, route);
  checkPerFilterConfig(problems, field(path, "typed_per_filter_config"), route.typedPerFilterConfig);
}

function checkRouteMatch(problems: Problems, path: string, match: RouteMatch): void {
  // connect_matcher matches CONNECT requests only (which have no path), as in Envoy.
  const specifiers = [
    match.prefix,
    match.path,
    match.safeRegex,
    match.pathSeparatedPrefix,
    match.connectMatcher,
  ].filter((s) => s !== undefined).length;
  if (specifiers === 0) {
    problems.add(
      path,
      ValidationCode.required,
      "needs a path specifier: prefix, path, safe_regex, path_separated_prefix or connect_matcher",
    );
  } else if (specifiers > 1) {
    problems.add(
      path,
      ValidationCode.conflict,
      "set only one of prefix, path, safe_regex, path_separated_prefix and connect_matcher",
    );
  }
  checkLineSafe(problems, field(path, "prefix"), match.prefix);
  if (match.path !== undefined && !match.path.startsWith("/")) {
    problems.add(field(path, "path"), ValidationCode.badPath, `"${match.path}" must start with "/"`);
  }
  checkLineSafe(problems, field(path, "path"), match.path);
  const separated = match.pathSeparatedPrefix;
  if (separated !== undefined) {
    const wrong = [
      separated.startsWith("/") ? "" : 'start with "/"',
      separated.endsWith("/") ? 'not end with "/"' : "",
      /[?#]/.test(separated) ? 'not contain "?" or "#"' : "",
    ].filter((w) => w !== "");
    if (wrong.length > 0) {
      problems.add(
        field(path, "path_separated_prefix"),
        ValidationCode.badPath,
        `"${separated}" must ${wrong.join(" and ")}`,
      );
    }
  }
  if (match.safeRegex !== undefined) checkRegexMatcher(problems, field(path, "safe_regex"), match.safeRegex);
  match.headers.forEach((header, i) => {
    checkHeaderMatcher(problems, item(field(path, "headers"), i), header);
  });
  match.queryParameters.forEach((query, i) => {
    const at = item(field(path, "query_parameters"), i);
    if (query.name === "") {
      problems.add(field(at, "name"), ValidationCode.required, "a query parameter name is required");
    } else if (Buffer.byteLength(query.name) > 1024) {
      problems.add(field(at, "name"), ValidationCode.outOfRange, "is longer than 1024 bytes");
    }
    if (query.stringMatch !== undefined) checkStringMatcher(problems, field(at, "string_match"), query.stringMatch);
  });
  if (match.runtimeFraction !== undefined && match.runtimeFraction.defaultValue === undefined) {
    problems.add(field(path, "runtime_fraction.default_value"), ValidationCode.required, "a default_value is required");
  }
}

function checkRouteAction(problems: Problems, path: string, action: RouteAction): void {
  const specifiers = [action.cluster, action.clusterHeader, action.weightedClusters].filter(
    (s) => s !== undefined,
  ).length;
  if (specifiers === 0) {
    problems.add(path, ValidationCode.required, "needs one of cluster, cluster_header or weighted_clusters");
  } else if (specifiers > 1) {
    problems.add(path, ValidationCode.conflict, "set only one of cluster, cluster_header and weighted_clusters");
  }
  if (action.cluster === "")
    problems.add(field(path, "cluster"), ValidationCode.required, "a cluster name is required");
  if (action.clusterHeader !== undefined) {
    checkHeaderName(problems, field(path, "cluster_header"), action.clusterHeader, true);
  }
  if (action.weightedClusters !== undefined) {
    checkWeightedClusters(problems, field(path, "weighted_clusters"), action.weightedClusters);
  }
  // Envoy: "Cannot specify both prefix_rewrite and regex_rewrite".
  if (action.prefixRewrite !== "" && action.regexRewrite !== undefined) {
    problems.add(
      field(path, "regex_rewrite"),
      ValidationCode.conflict,
      "prefix_rewrite and regex_rewrite cannot both be set",
    );
  }
  checkLineSafe(problems, field(path, "prefix_rewrite"), action.prefixRewrite);
  if (action.regexRewrite !== undefined) checkRegexRewrite(problems, field(path, "regex_rewrite"), action.regexRewrite);
  checkLineSafe(problems, field(path, "host_rewrite_literal"), action.hostRewriteLiteral);
  if (action.hostRewriteHeader !== undefined) {
    checkHeaderName(problems, field(path, "host_rewrite_header"), action.hostRewriteHeader, true);
  }
  if (action.hostRewritePathRegex !== undefined) {
    checkRegexRewrite(problems, field(path, "host_rewrite_path_regex"), action.hostRewritePathRegex);
  }
  checkDuration(problems, field(path, "timeout"), action.timeout, NON_NEGATIVE);
  checkDuration(problems, field(path, "idle_timeout"), action.idleTimeout, NON_NEGATIVE);
  if (action.retryPolicy !== undefined) checkRetryPolicy(problems, field(path, "retry_policy"), action.retryPolicy);
  action.hashPolicy.forEach((policy, i) => {
    checkHashPolicy(problems, item(field(path, "hash_policy"), i), policy);
  });
  const upgrades = new Map<string, string>();
  action.upgradeConfigs.forEach((upgrade, i) => {
    const at = field(item(field(path, "upgrade_configs"), i), "upgrade_type");
    if (upgrade.upgradeType === "") {
      problems.add(at, ValidationCode.required, "an upgrade_type is required");
      return;
    }
    checkLineSafe(problems, at, upgrade.upgradeType);
    const key = upgrade.upgradeType.toLowerCase();
    if (upgrade.connectConfig !== undefined && key !== "connect") {
      problems.add(
        field(item(field(path, "upgrade_configs"), i), "connect_config"),
        ValidationCode.conflict,
        "connect_config applies to the CONNECT upgrade only",
      );
    }
    const first = upgrades.get(key);
    if (first === undefined) upgrades.set(key, at);
    else
      problems.add(at, ValidationCode.duplicate, `upgrade "${upgrade.upgradeType}" is already configured at ${first}`);
  });
  const streams = action.maxStreamDuration;
  if (streams !== undefined) {
    const at = field(path, "max_stream_duration");
    checkDuration(problems, field(at, "max_stream_duration"), streams.maxStreamDuration, NON_NEGATIVE);
    checkDuration(problems, field(at, "grpc_timeout_header_max"), streams.grpcTimeoutHeaderMax, NON_NEGATIVE);
    checkDuration(problems, field(at, "grpc_timeout_header_offset"), streams.grpcTimeoutHeaderOffset, NON_NEGATIVE);
  }
}

function checkWeightedClusters(problems: Problems, path: string, weighted: WeightedCluster): void {
  if (weighted.clusters.length === 0) {
    problems.add(field(path, "clusters"), ValidationCode.empty, "at least one weighted cluster is required");
    return;
  }
  let sum = 0;
  weighted.clusters.forEach((cluster, i) => {
    const at = item(field(path, "clusters"), i);
    if (cluster.name === "") problems.add(field(at, "name"), ValidationCode.required, "a cluster name is required");
    checkRange(problems, field(at, "weight"), cluster.weight, 0, UINT32_MAX);
    sum += cluster.weight ?? 0;
    checkHeaderMutations(problems, at, cluster);
    checkPerFilterConfig(problems, field(at, "typed_per_filter_config"), cluster.typedPerFilterConfig);
    checkLineSafe(problems, field(at, "host_rewrite_literal"), cluster.hostRewriteLiteral);
  });
  if (sum === 0) {
    problems.add(
      path,
      ValidationCode.outOfRange,
      "the weights sum to 0; at least one cluster needs a positive weight (Envoy and gRPC clients refuse all-zero weights)",
    );
  } else if (sum > UINT32_MAX) {
    problems.add(path, ValidationCode.outOfRange, `the weights sum to ${sum}, more than ${UINT32_MAX}`);
  }
}

function checkRetryPolicy(problems: Problems, path: string, policy: RetryPolicy): void {
  const unknown = policy.retryOn
    .split(",")
    .map((token) => token.trim())
    .filter((token) => token !== "" && !RETRY_ON.has(token));
  if (unknown.length > 0) {
    problems.add(
      field(path, "retry_on"),
      ValidationCode.badValue,
      `unknown retry condition(s) ${unknown.map((t) => `"${t}"`).join(", ")}; known: ${[...RETRY_ON].join(", ")}`,
    );
  }
  if (policy.numRetries !== undefined && policy.numRetries < 1) {
    problems.add(
      field(path, "num_retries"),
      ValidationCode.outOfRange,
      "must be at least 1 when set (gRPC clients NACK 0); leave it unset for the default of 1",
    );
  }
  checkDuration(problems, field(path, "per_try_timeout"), policy.perTryTimeout, NON_NEGATIVE);
  checkDuration(problems, field(path, "per_try_idle_timeout"), policy.perTryIdleTimeout, NON_NEGATIVE);
  policy.retriableStatusCodes.forEach((code, i) => {
    checkRange(problems, item(field(path, "retriable_status_codes"), i), code, 100, 599);
  });
  const backOff = policy.retryBackOff;
  if (backOff !== undefined) {
    const at = field(path, "retry_back_off");
    checkDuration(problems, field(at, "base_interval"), backOff.baseInterval, { ...POSITIVE, required: true });
    checkDuration(problems, field(at, "max_interval"), backOff.maxInterval, POSITIVE);
    const { baseInterval: base, maxInterval: max } = backOff;
    if (base !== undefined && max !== undefined && compareDurations(max, base) < 0) {
      problems.add(field(at, "max_interval"), ValidationCode.outOfRange, "must be at least base_interval");
    }
  }
  policy.retriableHeaders.forEach((header, i) => {
    checkHeaderMatcher(problems, item(field(path, "retriable_headers"), i), header);
  });
  policy.retriableRequestHeaders.forEach((header, i) => {
    checkHeaderMatcher(problems, item(field(path, "retriable_request_headers"), i), header);
  });
}

function checkHashPolicy(problems: Problems, path: string, policy: RouteAction_HashPolicy): void {
  const { header, cookie, connectionProperties, queryParameter, filterState } = policy;
  if ([header, cookie, connectionProperties, queryParameter, filterState].every((s) => s === undefined)) {
    problems.add(
      path,
      ValidationCode.required,
      "needs one of header, cookie, connection_properties, query_parameter or filter_state",
    );
  }
  if (header !== undefined) {
    checkHeaderName(problems, field(path, "header.header_name"), header.headerName, true);
    if (header.regexRewrite !== undefined)
      checkRegexRewrite(problems, field(path, "header.regex_rewrite"), header.regexRewrite);
  }
  if (cookie !== undefined) {
    if (cookie.name === "")
      problems.add(field(path, "cookie.name"), ValidationCode.required, "a cookie name is required");
    checkDuration(problems, field(path, "cookie.ttl"), cookie.ttl, NON_NEGATIVE);
  }
  if (queryParameter !== undefined && queryParameter.name === "") {
    problems.add(field(path, "query_parameter.name"), ValidationCode.required, "a query parameter name is required");
  }
  if (filterState !== undefined && filterState.key === "") {
    problems.add(field(path, "filter_state.key"), ValidationCode.required, "a filter state key is required");
  }
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

function checkRedirect(problems: Problems, path: string, redirect: RedirectAction): void {
  if (redirect.schemeRedirect !== undefined && !SCHEME.test(redirect.schemeRedirect)) {
    problems.add(
      field(path, "scheme_redirect"),
      ValidationCode.badValue,
      `"${redirect.schemeRedirect}" is not a URL scheme`,
    );
  }
  checkLineSafe(problems, field(path, "host_redirect"), redirect.hostRedirect);
  checkRange(problems, field(path, "port_redirect"), redirect.portRedirect, 0, 65535);
  if (redirect.pathRedirect !== undefined && !redirect.pathRedirect.startsWith("/")) {
    problems.add(
      field(path, "path_redirect"),
      ValidationCode.badPath,
      `"${redirect.pathRedirect}" must start with "/"`,
    );
  }
  checkLineSafe(problems, field(path, "path_redirect"), redirect.pathRedirect);
  checkLineSafe(problems, field(path, "prefix_rewrite"), redirect.prefixRewrite);
  if (redirect.regexRewrite !== undefined)
    checkRegexRewrite(problems, field(path, "regex_rewrite"), redirect.regexRewrite);
  if (RedirectAction_RedirectResponseCode[redirect.responseCode] === undefined || redirect.responseCode < 0) {
    problems.add(
      field(path, "response_code"),
      ValidationCode.badValue,
      `${redirect.responseCode} is not a RedirectResponseCode`,
    );
  }
}

function checkDirectResponse(problems: Problems, path: string, response: DirectResponseAction, bodyMax: number): void {
  checkRange(problems, field(path, "status"), response.status, 200, 599);
  const body = response.body;
  if (body === undefined) return;
  const { filename, inlineBytes, inlineString, environmentVariable } = body;
  if ([filename, inlineBytes, inlineString, environmentVariable].every((s) => s === undefined)) {
    problems.add(
      field(path, "body"),
      ValidationCode.required,
      "needs one of inline_string, inline_bytes, filename or environment_variable",
    );
  }
  if (filename === "") problems.add(field(path, "body.filename"), ValidationCode.required, "must not be empty");
  if (environmentVariable === "") {
    problems.add(field(path, "body.environment_variable"), ValidationCode.required, "must not be empty");
  }
  const size = inlineString !== undefined ? Buffer.byteLength(inlineString) : (inlineBytes?.length ?? 0);
  if (size > bodyMax) {
    problems.add(
      field(path, "body"),
      ValidationCode.outOfRange,
      `is ${size} bytes; at most ${bodyMax} are allowed (max_direct_response_body_size_bytes)`,
    );
  }
}
