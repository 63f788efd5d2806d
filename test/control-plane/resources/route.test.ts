import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { routeType } from "../../../control-plane/src/resources/route.js";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import { decodeJson, TypeUrl } from "../../../proto/index.js";
import { assertAccepted, assertRefused, edited, REMOVE, type RefusalCase, ROUTE } from "./fixtures.js";

const VH = "virtual_hosts[0]";
const R0 = `${VH}.routes[0]`;
const R1 = `${VH}.routes[1]`;
const R2 = `${VH}.routes[2]`;
const R3 = `${VH}.routes[3]`;

function refused(rule: string, edits: Record<string, unknown>, path: string, code: V): RefusalCase {
  return { rule, base: ROUTE, edits, path, code };
}

const cases: RefusalCase[] = [
  refused("a route configuration without a name is refused", { name: "" }, "name", V.required),
  // Virtual hosts and domains.
  refused("a virtual host without a name is refused", { [`${VH}.name`]: "" }, `${VH}.name`, V.required),
  refused(
    "two virtual hosts with one name are refused",
    { "virtual_hosts[1].name": "backend" },
    "virtual_hosts[1].name",
    V.duplicate,
  ),
  refused("a virtual host without domains is refused", { [`${VH}.domains`]: [] }, `${VH}.domains`, V.empty),
  refused("an empty domain is refused", { [`${VH}.domains[0]`]: "" }, `${VH}.domains[0]`, V.required),
  refused(
    "a domain in two virtual hosts is refused",
    { "virtual_hosts[1].domains[1]": "example.com" },
    "virtual_hosts[1].domains[1]",
    V.duplicate,
  ),
  refused(
    "domains differing only in case are the same domain",
    { "virtual_hosts[1].domains[1]": "EXAMPLE.com" },
    "virtual_hosts[1].domains[1]",
    V.duplicate,
  ),
  refused(
    "a domain listed twice in one virtual host is refused",
    { [`${VH}.domains[3]`]: "example.com" },
    `${VH}.domains[3]`,
    V.duplicate,
  ),
  refused(
    "a wildcard in the middle of a domain is refused",
    { [`${VH}.domains[0]`]: "foo.*.com" },
    `${VH}.domains[0]`,
    V.badDomain,
  ),
  refused(
    "a domain with two wildcards is refused",
    { [`${VH}.domains[0]`]: "*.example.*" },
    `${VH}.domains[0]`,
    V.badDomain,
  ),
  refused(
    "a domain with a space is refused",
    { [`${VH}.domains[0]`]: "exa mple.com" },
    `${VH}.domains[0]`,
    V.badDomain,
  ),
  // Matches.
  refused("a route without a match is refused", { [`${R0}.match`]: REMOVE }, `${R0}.match`, V.required),
  refused("a match without a path specifier is refused", { [`${R0}.match.prefix`]: REMOVE }, `${R0}.match`, V.required),
  refused(
    "a path that does not start with a slash is refused",
    { [`${R2}.match.path`]: "old" },
    `${R2}.match.path`,
    V.badPath,
  ),
  refused(
    "a path_separated_prefix ending in a slash is refused",
    { "virtual_hosts[1].routes[0].match.path_separated_prefix": "/static/" },
    "virtual_hosts[1].routes[0].match.path_separated_prefix",
    V.badPath,
  ),
  refused(
    "a path_separated_prefix not starting with a slash is refused",
    { "virtual_hosts[1].routes[0].match.path_separated_prefix": "static" },
    "virtual_hosts[1].routes[0].match.path_separated_prefix",
    V.badPath,
  ),
  refused(
    "a path_separated_prefix with a query is refused",
    { "virtual_hosts[1].routes[0].match.path_separated_prefix": "/a?b" },
    "virtual_hosts[1].routes[0].match.path_separated_prefix",
    V.badPath,
  ),
  refused(
    "a safe_regex that does not compile is refused",
    { [`${R1}.match.safe_regex.regex`]: "^/v[0-9+" },
    `${R1}.match.safe_regex.regex`,
    V.badRegex,
  ),
  refused(
    "a safe_regex with a lookahead, which RE2 lacks, is refused",
    { [`${R1}.match.safe_regex.regex`]: "^/(?=v)" },
    `${R1}.match.safe_regex.regex`,
    V.badRegex,
  ),
  refused(
    "a safe_regex with a lookbehind is refused",
    { [`${R1}.match.safe_regex.regex`]: "(?<!x)/v" },
    `${R1}.match.safe_regex.regex`,
    V.badRegex,
  ),
  refused(
    "a safe_regex with a backreference is refused",
    { [`${R1}.match.safe_regex.regex`]: "^/(a)\\1" },
    `${R1}.match.safe_regex.regex`,
    V.badRegex,
  ),
  refused(
    "a safe_regex with a named backreference is refused",
    { [`${R1}.match.safe_regex.regex`]: "^/(?<x>a)\\k<x>" },
    `${R1}.match.safe_regex.regex`,
    V.badRegex,
  ),
  refused(
    "a safe_regex repeating more than RE2 allows is refused",
    { [`${R1}.match.safe_regex.regex`]: "^/a{1,1001}" },
    `${R1}.match.safe_regex.regex`,
    V.badRegex,
  ),
  refused(
    "an empty safe_regex is refused",
    { [`${R1}.match.safe_regex.regex`]: "" },
    `${R1}.match.safe_regex.regex`,
    V.required,
  ),
  refused(
    "a header matcher without a name is refused",
    { [`${R0}.match.headers[0].name`]: "" },
    `${R0}.match.headers[0].name`,
    V.required,
  ),
  refused(
    "a header matcher name that is not a token is refused",
    { [`${R0}.match.headers[0].name`]: "x canary" },
    `${R0}.match.headers[0].name`,
    V.badHeader,
  ),
  refused(
    "a header range whose start is not below its end is refused",
    { [`${R0}.match.headers[0]`]: { name: "x-n", range_match: { start: 5, end: 5 } } },
    `${R0}.match.headers[0].range_match`,
    V.outOfRange,
  ),
  refused(
    "a header safe_regex_match that does not compile is refused",
    { [`${R0}.match.headers[0]`]: { name: "x-n", safe_regex_match: { regex: "(" } } },
    `${R0}.match.headers[0].safe_regex_match.regex`,
    V.badRegex,
  ),
  refused(
    "an empty header prefix_match is refused",
    { [`${R0}.match.headers[0]`]: { name: "x-n", prefix_match: "" } },
    `${R0}.match.headers[0].prefix_match`,
    V.required,
  ),
  refused(
    "a string matcher without a pattern is refused",
    { [`${R0}.match.headers[0].string_match`]: {} },
    `${R0}.match.headers[0].string_match`,
    V.required,
  ),
  refused(
    "an empty string matcher prefix is refused",
    { [`${R0}.match.headers[0].string_match`]: { prefix: "" } },
    `${R0}.match.headers[0].string_match.prefix`,
    V.required,
  ),
  refused(
    "ignore_case with safe_regex is refused as Envoy does",
    { [`${R0}.match.headers[0].string_match`]: { safe_regex: { regex: "a" }, ignore_case: true } },
    `${R0}.match.headers[0].string_match.ignore_case`,
    V.conflict,
  ),
  refused(
    "a query parameter matcher without a name is refused",
    { [`${R1}.match.query_parameters[0].name`]: "" },
    `${R1}.match.query_parameters[0].name`,
    V.required,
  ),
  refused(
    "a query parameter regex that does not compile is refused",
    { [`${R1}.match.query_parameters[0]`]: { name: "q", string_match: { safe_regex: { regex: "a)" } } } },
    `${R1}.match.query_parameters[0].string_match.safe_regex.regex`,
    V.badRegex,
  ),
  refused(
    "a runtime_fraction without default_value is refused",
    { [`${R0}.match.runtime_fraction`]: { runtime_key: "k" } },
    `${R0}.match.runtime_fraction.default_value`,
    V.required,
  ),
  // Actions.
  refused("a route without an action is refused", { [`${R0}.route`]: REMOVE }, R0, V.required),
  refused(
    "a route action without a cluster specifier is refused",
    { [`${R0}.route.cluster`]: REMOVE },
    `${R0}.route`,
    V.required,
  ),
  refused("an empty cluster name is refused", { [`${R0}.route.cluster`]: "" }, `${R0}.route.cluster`, V.required),
  refused(
    "a cluster_header that is not a header name is refused",
    { "virtual_hosts[1].routes[0].route.cluster_header": "x cluster" },
    "virtual_hosts[1].routes[0].route.cluster_header",
    V.badHeader,
  ),
  refused(
    "empty weighted clusters are refused",
    { [`${R1}.route.weighted_clusters.clusters`]: [] },
    `${R1}.route.weighted_clusters.clusters`,
    V.empty,
  ),
  refused(
    "a weighted cluster without a name is refused",
    { [`${R1}.route.weighted_clusters.clusters[0].name`]: "" },
    `${R1}.route.weighted_clusters.clusters[0].name`,
    V.required,
  ),
  refused(
    "weighted clusters whose weights sum to 0 are refused",
    {
      [`${R1}.route.weighted_clusters.clusters[0].weight`]: 0,
      [`${R1}.route.weighted_clusters.clusters[1].weight`]: REMOVE,
    },
    `${R1}.route.weighted_clusters`,
    V.outOfRange,
  ),
  refused(
    "weighted clusters whose weights overflow uint32 are refused",
    { [`${R1}.route.weighted_clusters.clusters[0].weight`]: 4294967295 },
    `${R1}.route.weighted_clusters`,
    V.outOfRange,
  ),
  refused(
    "prefix_rewrite with regex_rewrite is refused",
    { [`${R0}.route.regex_rewrite`]: { pattern: { regex: "^/a" }, substitution: "/b" } },
    `${R0}.route.regex_rewrite`,
    V.conflict,
  ),
  refused(
    "a regex_rewrite pattern that does not compile is refused",
    {
      [`${R0}.route.prefix_rewrite`]: REMOVE,
      [`${R0}.route.regex_rewrite`]: { pattern: { regex: "[" }, substitution: "/" },
    },
    `${R0}.route.regex_rewrite.pattern.regex`,
    V.badRegex,
  ),
  refused(
    "a regex_rewrite without a pattern is refused",
    { [`${R0}.route.prefix_rewrite`]: REMOVE, [`${R0}.route.regex_rewrite`]: { substitution: "/" } },
    `${R0}.route.regex_rewrite.pattern`,
    V.required,
  ),
  refused(
    "a host_rewrite_path_regex that does not compile is refused",
    { [`${R0}.route.host_rewrite_path_regex`]: { pattern: { regex: "(?<=a)" }, substitution: "x" } },
    `${R0}.route.host_rewrite_path_regex.pattern.regex`,
    V.badRegex,
  ),
  refused(
    "a prefix_rewrite with a newline is refused",
    { [`${R0}.route.prefix_rewrite`]: "/a\n" },
    `${R0}.route.prefix_rewrite`,
    V.badValue,
  ),
  refused(
    "a negative route timeout is refused",
    { [`${R1}.route.timeout`]: "-1s" },
    `${R1}.route.timeout`,
    V.outOfRange,
  ),
  refused(
    "a negative idle_timeout is refused",
    { [`${R1}.route.idle_timeout`]: "-0.001s" },
    `${R1}.route.idle_timeout`,
    V.outOfRange,
  ),
  refused(
    "a negative max_stream_duration is refused",
    { [`${R1}.route.max_stream_duration.max_stream_duration`]: "-1s" },
    `${R1}.route.max_stream_duration.max_stream_duration`,
    V.outOfRange,
  ),
  refused(
    "a negative grpc_timeout_header_max is refused",
    { [`${R1}.route.max_stream_duration.grpc_timeout_header_max`]: "-1s" },
    `${R1}.route.max_stream_duration.grpc_timeout_header_max`,
    V.outOfRange,
  ),
  refused(
    "a hash policy without a specifier is refused",
    { [`${R1}.route.hash_policy[0]`]: {} },
    `${R1}.route.hash_policy[0]`,
    V.required,
  ),
  refused(
    "a hash policy header without a name is refused",
    { [`${R1}.route.hash_policy[0].header.header_name`]: "" },
    `${R1}.route.hash_policy[0].header.header_name`,
    V.required,
  ),
  refused(
    "a hash policy cookie without a name is refused",
    { [`${R1}.route.hash_policy[0]`]: { cookie: { name: "" } } },
    `${R1}.route.hash_policy[0].cookie.name`,
    V.required,
  ),
  refused(
    "two route upgrade configs for one upgrade are refused",
    { [`${R0}.route.upgrade_configs`]: [{ upgrade_type: "websocket" }, { upgrade_type: "websocket" }] },
    `${R0}.route.upgrade_configs[1].upgrade_type`,
    V.duplicate,
  ),
  // Retry policies.
  refused(
    "num_retries 0 is refused, as gRPC clients NACK it",
    { [`${R1}.route.retry_policy.num_retries`]: 0 },
    `${R1}.route.retry_policy.num_retries`,
    V.outOfRange,
  ),
  refused(
    "an unknown retry_on condition is refused",
    { [`${R1}.route.retry_policy.retry_on`]: "5xx,sometimes" },
    `${R1}.route.retry_policy.retry_on`,
    V.badValue,
  ),
  refused(
    "a retry back-off without base_interval is refused",
    { [`${R1}.route.retry_policy.retry_back_off.base_interval`]: REMOVE },
    `${R1}.route.retry_policy.retry_back_off.base_interval`,
    V.required,
  ),
  refused(
    "a zero retry back-off base_interval is refused",
    { [`${R1}.route.retry_policy.retry_back_off.base_interval`]: "0s" },
    `${R1}.route.retry_policy.retry_back_off.base_interval`,
    V.outOfRange,
  ),
  refused(
    "a retry back-off max_interval below base_interval is refused",
    { [`${R1}.route.retry_policy.retry_back_off.max_interval`]: "0.05s" },
    `${R1}.route.retry_policy.retry_back_off.max_interval`,
    V.outOfRange,
  ),
  refused(
    "a negative per_try_timeout is refused",
    { [`${R1}.route.retry_policy.per_try_timeout`]: "-1s" },
    `${R1}.route.retry_policy.per_try_timeout`,
    V.outOfRange,
  ),
  refused(
    "a retriable status code outside 100-599 is refused",
    { [`${R1}.route.retry_policy.retriable_status_codes[0]`]: 700 },
    `${R1}.route.retry_policy.retriable_status_codes[0]`,
    V.outOfRange,
  ),
  refused(
    "a retriable header matcher without a name is refused",
    { [`${R1}.route.retry_policy.retriable_headers`]: [{ name: "" }] },
    `${R1}.route.retry_policy.retriable_headers[0].name`,
    V.required,
  ),
  refused(
    "a virtual host retry policy is checked too",
    { [`${VH}.retry_policy`]: { retry_on: "reset", num_retries: 0 } },
    `${VH}.retry_policy.num_retries`,
    V.outOfRange,
  ),
  // Redirects and direct responses.
  refused(
    "a redirect port above 65535 is refused",
    { [`${R2}.redirect.port_redirect`]: 70000 },
    `${R2}.redirect.port_redirect`,
    V.outOfRange,
  ),
  refused(
    "a redirect path without a leading slash is refused",
    { [`${R2}.redirect.path_redirect`]: "new" },
    `${R2}.redirect.path_redirect`,
    V.badPath,
  ),
  refused(
    "a redirect scheme that is not a scheme is refused",
    { [`${R2}.redirect.scheme_redirect`]: "ht tp" },
    `${R2}.redirect.scheme_redirect`,
    V.badValue,
  ),
  refused(
    "a redirect regex_rewrite that does not compile is refused",
    {
      [`${R2}.redirect.path_redirect`]: REMOVE,
      [`${R2}.redirect.regex_rewrite`]: { pattern: { regex: "(" }, substitution: "/" },
    },
    `${R2}.redirect.regex_rewrite.pattern.regex`,
    V.badRegex,
  ),
  refused(
    "a direct response status below 200 is refused",
    { [`${R3}.direct_response.status`]: 199 },
    `${R3}.direct_response.status`,
    V.outOfRange,
  ),
  refused(
    "a direct response status of 600 is refused",
    { [`${R3}.direct_response.status`]: 600 },
    `${R3}.direct_response.status`,
    V.outOfRange,
  ),
  refused(
    "a direct response body without a source is refused",
    { [`${R3}.direct_response.body`]: {} },
    `${R3}.direct_response.body`,
    V.required,
  ),
  refused(
    "a direct response body above the configured maximum is refused",
    { [`${R3}.direct_response.body.inline_string`]: "x".repeat(4097) },
    `${R3}.direct_response.body`,
    V.outOfRange,
  ),
  refused(
    "max_direct_response_body_size_bytes lowers the body limit",
    { max_direct_response_body_size_bytes: 4 },
    `${R3}.direct_response.body`,
    V.outOfRange,
  ),
  // Header mutations and per-filter config.
  refused(
    "adding a pseudo-header is refused",
    { [`${VH}.response_headers_to_add[0].header.key`]: ":status" },
    `${VH}.response_headers_to_add[0].header.key`,
    V.badHeader,
  ),
  refused(
    "adding a host header is refused",
    { [`${VH}.request_headers_to_add`]: [{ header: { key: "Host", value: "x" } }] },
    `${VH}.request_headers_to_add[0].header.key`,
    V.badHeader,
  ),
  refused(
    "adding a header without a name is refused",
    { [`${VH}.response_headers_to_add[0].header.key`]: "" },
    `${VH}.response_headers_to_add[0].header.key`,
    V.required,
  ),
  refused(
    "adding a header whose name is not a token is refused",
    { [`${VH}.response_headers_to_add[0].header.key`]: "x served" },
    `${VH}.response_headers_to_add[0].header.key`,
    V.badHeader,
  ),
  refused(
    "adding a header value with a newline is refused",
    { [`${VH}.response_headers_to_add[0].header.value`]: "a\r\nb: c" },
    `${VH}.response_headers_to_add[0].header.value`,
    V.badHeader,
  ),
  refused(
    "a header option without a header is refused",
    { [`${VH}.response_headers_to_add[0]`]: { append_action: "ADD_IF_ABSENT" } },
    `${VH}.response_headers_to_add[0].header`,
    V.required,
  ),
  refused(
    "append and append_action together are refused",
    {
      [`${VH}.response_headers_to_add[0].append`]: true,
      [`${VH}.response_headers_to_add[0].append_action`]: "OVERWRITE_IF_EXISTS_OR_ADD",
    },
    `${VH}.response_headers_to_add[0].append_action`,
    V.conflict,
  ),
  refused(
    "value and raw_value together are refused",
    { [`${VH}.response_headers_to_add[0].header.raw_value`]: "eA==" },
    `${VH}.response_headers_to_add[0].header.raw_value`,
    V.conflict,
  ),
  refused(
    "removing a pseudo-header is refused",
    { [`${R0}.request_headers_to_remove`]: [":path"] },
    `${R0}.request_headers_to_remove[0]`,
    V.badHeader,
  ),
  refused(
    "removing a header with an empty name is refused",
    { response_headers_to_remove: [""] },
    "response_headers_to_remove[0]",
    V.required,
  ),
  refused(
    "weighted cluster header mutations are checked too",
    {
      [`${R1}.route.weighted_clusters.clusters[0].request_headers_to_add`]: [
        { header: { key: ":authority", value: "x" } },
      ],
    },
    `${R1}.route.weighted_clusters.clusters[0].request_headers_to_add[0].header.key`,
    V.badHeader,
  ),
  refused(
    "an internal-only header name that is not a token is refused",
    { internal_only_headers: ["x internal"] },
    "internal_only_headers[0]",
    V.badHeader,
  ),
  refused(
    "per-route filter config is unsupported: the router takes none",
    { [`${VH}.typed_per_filter_config`]: { "envoy.filters.http.router": { "@type": TypeUrl.router } } },
    `${VH}.typed_per_filter_config["envoy.filters.http.router"]`,
    V.unsupported,
  ),
];

describe("route configuration validation", () => {
  test("a route configuration using every action, matcher and wildcard form is valid", () => {
    assertAccepted("routes", ROUTE);
  });

  test("validate() on a decoded valid route configuration returns no details", () => {
    const config = decodeJson<RouteConfiguration>("envoy.config.route.v3.RouteConfiguration", ROUTE);
    assert.deepEqual(routeType.validate(config), []);
  });

  test("a route configuration without virtual hosts is valid (every request gets a 404)", () => {
    assertAccepted("routes", { name: "empty" });
  });

  test("a prefix of the empty string, which matches every path, is valid", () => {
    assertAccepted("routes", edited(ROUTE, { [`${R0}.match.prefix`]: "" }));
  });

  test("a duplicate domain's refusal names both virtual hosts", () => {
    const detail = assertRefused(
      "routes",
      edited(ROUTE, { "virtual_hosts[1].domains[0]": "example.com" }),
      "virtual_hosts[1].domains[0]",
      V.duplicate,
    );
    assert.match(detail.message, /"backend"/);
    assert.match(detail.message, /virtual_hosts\[0\]\.domains\[0\]/);
  });

  test("pseudo-headers may be matched, though not modified", () => {
    assertAccepted("routes", edited(ROUTE, { [`${R0}.match.headers[0].name`]: ":authority" }));
  });

  for (const c of cases) {
    test(c.rule, () => {
      assertRefused("routes", edited(c.base, c.edits), c.path, c.code);
    });
  }
});
