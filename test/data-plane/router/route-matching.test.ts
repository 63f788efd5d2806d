import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileRouteTable, type RouteRequest } from "../../../data-plane/src/router/index.js";
import { type Json, oneHost, request, routeConfiguration } from "./fixtures.js";

interface MatcherCase {
  rule: string;
  match: Json;
  hits: RouteRequest[];
  misses: RouteRequest[];
}

const h = (name: string, extra: Json): Json => ({ name, ...extra });
const r = request;

const cases: MatcherCase[] = [
  // Path specifiers.
  {
    rule: "a prefix matches paths that start with it",
    match: { prefix: "/api" },
    hits: [r("/api"), r("/api/v1"), r("/apix")],
    misses: [r("/ap"), r("/API")],
  },
  { rule: "an empty prefix matches every path", match: { prefix: "" }, hits: [r("/"), r("/anything?x=1")], misses: [] },
  {
    rule: "a path matches only that path, ignoring the query",
    match: { path: "/health" },
    hits: [r("/health"), r("/health?verbose=1")],
    misses: [r("/health/"), r("/healthz"), r("/Health")],
  },
  {
    rule: "case_sensitive false makes a prefix match without case",
    match: { prefix: "/API", case_sensitive: false },
    hits: [r("/api/x"), r("/Api")],
    misses: [r("/ap")],
  },
  {
    rule: "case_sensitive false makes a path match without case",
    match: { path: "/Health", case_sensitive: false },
    hits: [r("/HEALTH"), r("/health?x")],
    misses: [r("/healthy")],
  },
  {
    rule: "a path_separated_prefix matches the prefix alone or followed by a slash",
    match: { path_separated_prefix: "/api" },
    hits: [r("/api"), r("/api/"), r("/api/v1"), r("/api?x=1")],
    misses: [r("/apix"), r("/ap"), r("/API/v1")],
  },
  {
    rule: "case_sensitive false applies to path_separated_prefix",
    match: { path_separated_prefix: "/api", case_sensitive: false },
    hits: [r("/API/v1")],
    misses: [r("/APIX")],
  },
  {
    rule: "a safe_regex must match the whole path without its query",
    match: { safe_regex: { regex: "/users/[0-9]+" } },
    hits: [r("/users/42"), r("/users/42?full=1")],
    misses: [r("/users/42/x"), r("/v1/users/42"), r("/users/")],
  },
  // Headers, through string_match.
  {
    rule: "a header string_match exact compares the whole value",
    match: { prefix: "/", headers: [h("x-env", { string_match: { exact: "prod" } })] },
    hits: [r("/", { "x-env": "prod" })],
    misses: [r("/", { "x-env": "prod2" }), r("/"), r("/", { "x-env": "PROD" })],
  },
  {
    rule: "a header string_match with ignore_case compares without case",
    match: { prefix: "/", headers: [h("x-env", { string_match: { exact: "prod", ignore_case: true } })] },
    hits: [r("/", { "x-env": "PROD" })],
    misses: [r("/", { "x-env": "dev" })],
  },
  {
    rule: "a header string_match prefix tests the start of the value",
    match: { prefix: "/", headers: [h("user-agent", { string_match: { prefix: "curl/" } })] },
    hits: [r("/", { "user-agent": "curl/8.1" })],
    misses: [r("/", { "user-agent": "Mozilla curl/8" })],
  },
  {
    rule: "a header string_match suffix tests the end of the value",
    match: { prefix: "/", headers: [h("content-type", { string_match: { suffix: "+json" } })] },
    hits: [r("/", { "content-type": "application/problem+json" })],
    misses: [r("/", { "content-type": "application/json" })],
  },
  {
    rule: "a header string_match contains tests anywhere in the value",
    match: { prefix: "/", headers: [h("cookie", { string_match: { contains: "beta=1" } })] },
    hits: [r("/", { cookie: "a=b; beta=1; c=d" })],
    misses: [r("/", { cookie: "beta=0" })],
  },
  {
    rule: "a header string_match safe_regex must match the whole value",
    match: { prefix: "/", headers: [h("x-version", { string_match: { safe_regex: { regex: "v[0-9]+" } } })] },
    hits: [r("/", { "x-version": "v12" })],
    misses: [r("/", { "x-version": "v12-beta" }), r("/", { "x-version": "xv1" })],
  },
  // Headers, through the deprecated direct fields.
  {
    rule: "the deprecated exact_match compares the whole value",
    match: { prefix: "/", headers: [h("x-a", { exact_match: "1" })] },
    hits: [r("/", { "x-a": "1" })],
    misses: [r("/", { "x-a": "11" })],
  },
  {
    rule: "the deprecated prefix_match tests the start",
    match: { prefix: "/", headers: [h("x-a", { prefix_match: "ab" })] },
    hits: [r("/", { "x-a": "abc" })],
    misses: [r("/", { "x-a": "cab" })],
  },
  {
    rule: "the deprecated suffix_match tests the end",
    match: { prefix: "/", headers: [h("x-a", { suffix_match: "yz" })] },
    hits: [r("/", { "x-a": "xyz" })],
    misses: [r("/", { "x-a": "yzx" })],
  },
  {
    rule: "the deprecated contains_match tests anywhere",
    match: { prefix: "/", headers: [h("x-a", { contains_match: "mid" })] },
    hits: [r("/", { "x-a": "amidst" })],
    misses: [r("/", { "x-a": "mi-d" })],
  },
  {
    rule: "the deprecated safe_regex_match must match the whole value",
    match: { prefix: "/", headers: [h("x-a", { safe_regex_match: { regex: "a+" } })] },
    hits: [r("/", { "x-a": "aaa" })],
    misses: [r("/", { "x-a": "aab" })],
  },
  // Presence, ranges, inversion, missing headers, repeated headers.
  {
    rule: "a header matcher with only a name tests presence",
    match: { prefix: "/", headers: [h("x-debug", {})] },
    hits: [r("/", { "x-debug": "" }), r("/", { "x-debug": "1" })],
    misses: [r("/")],
  },
  {
    rule: "present_match true wants the header present",
    match: { prefix: "/", headers: [h("x-debug", { present_match: true })] },
    hits: [r("/", { "x-debug": "1" })],
    misses: [r("/")],
  },
  {
    rule: "present_match false wants the header absent",
    match: { prefix: "/", headers: [h("x-debug", { present_match: false })] },
    hits: [r("/")],
    misses: [r("/", { "x-debug": "1" })],
  },
  {
    rule: "invert_match on present_match wants the header absent",
    match: { prefix: "/", headers: [h("x-debug", { present_match: true, invert_match: true })] },
    hits: [r("/")],
    misses: [r("/", { "x-debug": "1" })],
  },
  {
    rule: "a range_match takes integers from start inclusive to end exclusive",
    match: { prefix: "/", headers: [h("x-n", { range_match: { start: "-10", end: "10" } })] },
    hits: [r("/", { "x-n": "-10" }), r("/", { "x-n": "9" }), r("/", { "x-n": "+3" })],
    misses: [
      r("/", { "x-n": "10" }),
      r("/", { "x-n": "1.5" }),
      r("/", { "x-n": "abc" }),
      r("/", { "x-n": "" }),
      r("/"),
    ],
  },
  {
    rule: "invert_match flips a value matcher on a present header",
    match: { prefix: "/", headers: [h("x-env", { string_match: { exact: "prod" }, invert_match: true })] },
    hits: [r("/", { "x-env": "dev" })],
    misses: [r("/", { "x-env": "prod" })],
  },
  {
    rule: "an absent header fails an inverted value matcher",
    match: { prefix: "/", headers: [h("x-env", { string_match: { exact: "prod" }, invert_match: true })] },
    hits: [],
    misses: [r("/")],
  },
  {
    rule: "treat_missing_header_as_empty matches an absent header as the empty string",
    match: { prefix: "/", headers: [h("x-env", { string_match: { exact: "" }, treat_missing_header_as_empty: true })] },
    hits: [r("/"), r("/", { "x-env": "" })],
    misses: [r("/", { "x-env": "x" })],
  },
  {
    rule: "treat_missing_header_as_empty lets an inverted matcher match an absent header",
    match: {
      prefix: "/",
      headers: [
        h("x-env", { string_match: { exact: "prod" }, invert_match: true, treat_missing_header_as_empty: true }),
      ],
    },
    hits: [r("/")],
    misses: [r("/", { "x-env": "prod" })],
  },
  {
    rule: "a repeated header is matched as its values joined with commas",
    match: { prefix: "/", headers: [h("x-tag", { string_match: { exact: "a,b" } })] },
    hits: [r("/", { "x-tag": ["a", "b"] })],
    misses: [r("/", { "x-tag": ["a"] }), r("/", { "x-tag": ["b", "a"] })],
  },
  {
    rule: "header names compare without case",
    match: { prefix: "/", headers: [h("X-Env", { exact_match: "prod" })] },
    hits: [r("/", { "x-env": "prod" })],
    misses: [],
  },
  {
    rule: "every header matcher must match",
    match: { prefix: "/", headers: [h("x-a", { exact_match: "1" }), h("x-b", { exact_match: "2" })] },
    hits: [r("/", { "x-a": "1", "x-b": "2" })],
    misses: [r("/", { "x-a": "1" }), r("/", { "x-b": "2" })],
  },
  // Query parameters.
  {
    rule: "a query parameter string_match tests the decoded value",
    match: { prefix: "/", query_parameters: [{ name: "q", string_match: { exact: "a b" } }] },
    hits: [r("/?q=a%20b"), r("/?x=1&q=a%20b")],
    misses: [r("/?q=a+b"), r("/?q=ab"), r("/")],
  },
  {
    rule: "a query parameter is matched by its first value",
    match: { prefix: "/", query_parameters: [{ name: "v", string_match: { prefix: "1" } }] },
    hits: [r("/?v=1&v=2")],
    misses: [r("/?v=2&v=1")],
  },
  {
    rule: "a query parameter present_match wants the parameter present, with or without a value",
    match: { prefix: "/", query_parameters: [{ name: "debug", present_match: true }] },
    hits: [r("/?debug"), r("/?debug="), r("/?a=1&debug=0")],
    misses: [r("/?debugger=1"), r("/")],
  },
  {
    rule: "a query parameter string_match with ignore_case compares without case",
    match: { prefix: "/", query_parameters: [{ name: "mode", string_match: { exact: "fast", ignore_case: true } }] },
    hits: [r("/?mode=FAST")],
    misses: [r("/?mode=slow"), r("/?MODE=fast")],
  },
  {
    rule: "a fragment is not part of the query",
    match: { prefix: "/", query_parameters: [{ name: "a", string_match: { exact: "1" } }] },
    hits: [r("/?a=1#frag")],
    misses: [r("/#?a=1")],
  },
];

describe("route matchers", () => {
  for (const c of cases) {
    test(c.rule, () => {
      const table = compileRouteTable(oneHost([{ match: c.match, route: { cluster: "hit" } }]));
      for (const hit of c.hits) {
        assert.equal(table.match(hit)?.route.match !== undefined, true, `expected a match for ${describeRequest(hit)}`);
      }
      for (const miss of c.misses) {
        assert.equal(table.match(miss), undefined, `expected no match for ${describeRequest(miss)}`);
      }
    });
  }

  test("headers can be read through a lookup function as well as a map", () => {
    const table = compileRouteTable(
      oneHost([{ match: { prefix: "/", headers: [h("x-a", { exact_match: "1" })] }, route: { cluster: "c" } }]),
    );
    const lookup = (name: string) => (name === "x-a" ? ["1"] : undefined);
    assert.notEqual(table.match({ authority: "a", path: "/", headers: lookup }), undefined);
    assert.equal(table.match({ authority: "a", path: "/", headers: () => undefined }), undefined);
  });

  test("the first matching route wins even when a later one is more specific", () => {
    const table = compileRouteTable(
      oneHost([
        { name: "broad", match: { prefix: "/" }, route: { cluster: "broad" } },
        { name: "narrow", match: { path: "/exact" }, route: { cluster: "narrow" } },
      ]),
    );
    assert.equal(table.match(request("/exact"))?.route.name, "broad");
  });

  test("a route that does not match passes the request to the next one", () => {
    const table = compileRouteTable(
      oneHost([
        { name: "needs-header", match: { prefix: "/", headers: [h("x-canary", {})] }, route: { cluster: "canary" } },
        { name: "fallback", match: { prefix: "/" }, route: { cluster: "stable" } },
      ]),
    );
    assert.equal(table.match(request("/", { "x-canary": "1" }))?.route.name, "needs-header");
    assert.equal(table.match(request("/"))?.route.name, "fallback");
  });

  test("a virtual host with no matching route gives no decision, not another host's route", () => {
    const table = compileRouteTable(
      routeConfiguration({
        name: "two-hosts",
        virtual_hosts: [
          { name: "a", domains: ["a.example.com"], routes: [{ match: { prefix: "/api" }, route: { cluster: "api" } }] },
          { name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "any" } }] },
        ],
      }),
    );
    assert.equal(table.match(request("/web", {}, "a.example.com")), undefined);
  });

  test("runtime_fraction takes the route for draws below its share and skips it above", () => {
    const draws = [0.05, 0.5, 0.2999, 0.3];
    const random = () => draws.shift() ?? 0;
    const table = compileRouteTable(
      oneHost([
        {
          name: "canary",
          match: {
            prefix: "/",
            runtime_fraction: { default_value: { numerator: 30, denominator: "HUNDRED" }, runtime_key: "canary" },
          },
          route: { cluster: "canary" },
        },
        { name: "stable", match: { prefix: "/" }, route: { cluster: "stable" } },
      ]),
      { random },
    );
    const names = [1, 2, 3, 4].map(() => table.match(request("/"))?.route.name);
    assert.deepEqual(names, ["canary", "stable", "canary", "stable"]);
  });

  test("runtime_fraction reads TEN_THOUSAND and MILLION denominators", () => {
    const tenThousand = compileRouteTable(
      oneHost([
        {
          match: {
            prefix: "/",
            runtime_fraction: { default_value: { numerator: 1, denominator: "TEN_THOUSAND" }, runtime_key: "k" },
          },
          route: { cluster: "c" },
        },
      ]),
      { random: () => 0.0002 },
    );
    const million = compileRouteTable(
      oneHost([
        {
          match: {
            prefix: "/",
            runtime_fraction: { default_value: { numerator: 300, denominator: "MILLION" }, runtime_key: "k" },
          },
          route: { cluster: "c" },
        },
      ]),
      { random: () => 0.0002 },
    );
    assert.equal(tenThousand.match(request("/")), undefined);
    assert.notEqual(million.match(request("/")), undefined);
  });
});

function describeRequest(req: RouteRequest): string {
  const headers = req.headers instanceof Map ? JSON.stringify(Object.fromEntries(req.headers)) : "(lookup)";
  return `${req.path} ${headers}`;
}
