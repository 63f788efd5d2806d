// The control plane validates every route configuration before it is served, so the router must
// compile whatever passes that validation; these configurations are checked against it first.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { routeType } from "../../../control-plane/src/resources/route.js";
import { compileRouteTable, RouterError, RouterErrorCode } from "../../../data-plane/src/router/index.js";
import { ROUTE } from "../../control-plane/resources/fixtures.js";
import { type Json, oneHost, request, routeConfiguration } from "./fixtures.js";

const header = (key: string, value: string) => ({ header: { key, value } });

/** One route configuration using every matcher and action the router understands. */
const EVERYTHING: Json = {
  name: "everything",
  most_specific_header_mutations_wins: true,
  request_headers_to_add: [header("x-config", "1")],
  response_headers_to_remove: ["x-internal"],
  virtual_hosts: [
    {
      name: "main",
      domains: ["example.com", "example.com:8443", "*.example.com", "example.*", "*"],
      request_headers_to_add: [header("x-vhost", "1")],
      routes: [
        { match: { path: "/health" }, direct_response: { status: 200, body: { inline_string: "ok" } } },
        {
          match: { prefix: "/http" },
          redirect: { https_redirect: true, strip_query: true, response_code: "PERMANENT_REDIRECT" },
        },
        {
          match: { prefix: "/moved/" },
          redirect: { host_redirect: "new.example.com", port_redirect: 8080, prefix_rewrite: "/" },
        },
        {
          match: { prefix: "/re/" },
          redirect: { regex_rewrite: { pattern: { regex: "^/re/(.*)$" }, substitution: "/\\1" } },
        },
        { match: { safe_regex: { regex: "/users/[0-9]+" } }, route: { cluster: "users", timeout: "1s" } },
        {
          match: { path_separated_prefix: "/api", case_sensitive: false },
          route: { cluster: "api", prefix_rewrite: "/v2" },
        },
        {
          match: {
            prefix: "/",
            headers: [
              { name: "x-a", string_match: { exact: "1" } },
              { name: "x-b", string_match: { prefix: "p", ignore_case: true } },
              { name: "x-c", string_match: { suffix: "s" } },
              { name: "x-d", string_match: { contains: "c" } },
              { name: "x-e", string_match: { safe_regex: { regex: "[a-z]+" } } },
              { name: "x-f", present_match: true },
              { name: "x-g", range_match: { start: "1", end: "5" } },
              { name: "x-h", exact_match: "1", invert_match: true },
              { name: "x-i", string_match: { exact: "" }, treat_missing_header_as_empty: true },
            ],
            query_parameters: [
              { name: "q", string_match: { exact: "1" } },
              { name: "p", present_match: true },
            ],
          },
          route: { cluster_header: "x-cluster", cluster_not_found_response_code: "INTERNAL_SERVER_ERROR" },
        },
        {
          match: {
            prefix: "/canary",
            runtime_fraction: { default_value: { numerator: 10, denominator: "HUNDRED" }, runtime_key: "canary" },
          },
          route: {
            weighted_clusters: {
              clusters: [
                { name: "v1", weight: 90, request_headers_to_add: [header("x-v", "1")] },
                { name: "v2", weight: 10, host_rewrite_literal: "v2.internal" },
              ],
            },
            regex_rewrite: { pattern: { regex: "/canary" }, substitution: "" },
          },
        },
        {
          match: { prefix: "/" },
          route: { cluster: "web", host_rewrite_literal: "web.internal", timeout: "0s" },
          request_headers_to_add: [header("x-route", "1")],
        },
      ],
    },
  ],
};

describe("compiling route configurations the control plane accepts", () => {
  for (const [label, json] of [
    ["the control plane's route fixture", ROUTE],
    ["a configuration using every matcher and action", EVERYTHING],
  ] as const) {
    test(`${label} is valid and compiles`, () => {
      const config = routeConfiguration(json);
      assert.deepEqual(routeType.validate(config), []);
      const table = compileRouteTable(config);
      assert.equal(table.name, config.name);
    });
  }

  test("the compiled configuration using every matcher and action routes requests", () => {
    const table = compileRouteTable(routeConfiguration(EVERYTHING), { random: () => 0 });
    assert.equal(table.match(request("/health"))?.action.type, "directResponse");
    assert.equal(table.match(request("/http?x"))?.action.type, "redirect");
    const api = table.match(request("/API/x"));
    assert.ok(api?.action.type === "forward");
    assert.deepEqual([api.action.cluster, api.action.path], ["api", "/v2/x"]);
    const canary = table.match(request("/canary/x"));
    assert.ok(canary?.action.type === "forward");
    assert.deepEqual([canary.action.cluster, canary.action.path], ["v1", "/x"]);
  });

  test("a compiled table is frozen", () => {
    const table = compileRouteTable(routeConfiguration(EVERYTHING));
    assert.ok(Object.isFrozen(table));
  });

  test("a regex that cannot compile, which validation refuses, fails with a router error code", () => {
    const config = oneHost([{ match: { safe_regex: { regex: "(" } }, route: { cluster: "c" } }]);
    assert.notDeepEqual(routeType.validate(config), []);
    assert.throws(
      () => compileRouteTable(config),
      (error: unknown) => error instanceof RouterError && error.code === RouterErrorCode.invalidRegex,
    );
  });
});
