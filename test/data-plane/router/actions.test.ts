import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileRouteTable,
  type HeaderMutation,
  type RouteDecision,
  type RouteRequest,
} from "../../../data-plane/src/router/index.js";
import { HeaderValueOption_HeaderAppendAction as Append } from "../../../proto/gen/envoy/config/core/v3/base.js";
import { type Json, oneHost, request, routeConfiguration } from "./fixtures.js";

function decide(route: Json, req: RouteRequest = request("/"), extra: Json = {}): RouteDecision {
  const decision = compileRouteTable(oneHost([route], extra)).match(req);
  assert.ok(decision, "the route should match");
  return decision;
}

function forward(route: Json, req?: RouteRequest) {
  const { action } = decide(route, req);
  assert.equal(action.type, "forward");
  return action;
}

function location(redirect: Json, req: RouteRequest, match: Json = { prefix: "/" }) {
  const { action } = decide({ match, redirect }, req);
  assert.equal(action.type, "redirect");
  return action;
}

describe("forwarding actions", () => {
  test("a cluster action names its cluster and keeps the path", () => {
    const action = forward({ match: { prefix: "/" }, route: { cluster: "web" } }, request("/a?b=1"));
    assert.equal(action.cluster, "web");
    assert.equal(action.path, "/a?b=1");
  });

  test("cluster_header takes the cluster from the request's header, its first value if repeated", () => {
    const route = { match: { prefix: "/" }, route: { cluster_header: "X-Target" } };
    assert.equal(forward(route, request("/", { "x-target": "blue" })).cluster, "blue");
    assert.equal(forward(route, request("/", { "x-target": ["green", "blue"] })).cluster, "green");
  });

  test("cluster_header with the header absent or empty leaves no cluster and the not-found status", () => {
    const route = {
      match: { prefix: "/" },
      route: { cluster_header: "x-target", cluster_not_found_response_code: "NOT_FOUND" },
    };
    const absent = forward(route, request("/"));
    assert.equal(absent.cluster, undefined);
    assert.equal(absent.clusterNotFoundStatus, 404);
    assert.equal(forward(route, request("/", { "x-target": "" })).cluster, undefined);
  });

  test("the cluster-not-found status defaults to 503", () => {
    assert.equal(forward({ match: { prefix: "/" }, route: { cluster: "c" } }).clusterNotFoundStatus, 503);
  });

  test("prefix_rewrite replaces the matched prefix and keeps the rest and the query", () => {
    const route = { match: { prefix: "/api/" }, route: { cluster: "c", prefix_rewrite: "/v2/" } };
    assert.equal(forward(route, request("/api/users?id=7")).path, "/v2/users?id=7");
  });

  test("prefix_rewrite on a case-insensitive prefix replaces the text the prefix matched", () => {
    const route = { match: { prefix: "/api", case_sensitive: false }, route: { cluster: "c", prefix_rewrite: "/svc" } };
    assert.equal(forward(route, request("/API/x")).path, "/svc/x");
  });

  test("prefix_rewrite on a path match replaces the whole path and keeps the query", () => {
    const route = { match: { path: "/old" }, route: { cluster: "c", prefix_rewrite: "/new" } };
    assert.equal(forward(route, request("/old?q=1")).path, "/new?q=1");
  });

  test("prefix_rewrite on a path_separated_prefix keeps what follows the separator", () => {
    const route = { match: { path_separated_prefix: "/api" }, route: { cluster: "c", prefix_rewrite: "/" } };
    assert.equal(forward(route, request("/api/x")).path, "//x");
  });

  test("regex_rewrite substitutes every match in the path with numbered groups and keeps the query", () => {
    const route = {
      match: { prefix: "/" },
      route: { cluster: "c", regex_rewrite: { pattern: { regex: "/(\\w+)-(\\d+)" }, substitution: "/\\2/\\1" } },
    };
    assert.equal(forward(route, request("/a-1/b-2?x=a-1")).path, "/1/a/2/b?x=a-1");
  });

  test("regex_rewrite treats a dollar sign in the substitution as a literal", () => {
    const route = {
      match: { prefix: "/" },
      route: { cluster: "c", regex_rewrite: { pattern: { regex: "^/price" }, substitution: "/$1" } },
    };
    assert.equal(forward(route, request("/price/x")).path, "/$1/x");
  });

  test("host_rewrite_literal is passed on", () => {
    assert.equal(
      forward({ match: { prefix: "/" }, route: { cluster: "c", host_rewrite_literal: "internal.svc" } }).hostRewrite,
      "internal.svc",
    );
    assert.equal(forward({ match: { prefix: "/" }, route: { cluster: "c" } }).hostRewrite, undefined);
  });

  test("the timeout defaults to 15 seconds, converts to milliseconds, and 0 means none", () => {
    assert.equal(forward({ match: { prefix: "/" }, route: { cluster: "c" } }).timeoutMs, 15_000);
    assert.equal(forward({ match: { prefix: "/" }, route: { cluster: "c", timeout: "2.5s" } }).timeoutMs, 2_500);
    assert.equal(forward({ match: { prefix: "/" }, route: { cluster: "c", timeout: "0s" } }).timeoutMs, 0);
  });

  test("a weighted cluster entry's host rewrite and headers override the route's", () => {
    const route = {
      match: { prefix: "/" },
      route: {
        host_rewrite_literal: "route.host",
        weighted_clusters: {
          clusters: [
            {
              name: "a",
              weight: 1,
              host_rewrite_literal: "a.host",
              request_headers_to_add: [{ header: { key: "x-c", value: "a" } }],
            },
            { name: "b", weight: 1 },
          ],
        },
      },
    };
    const table = (r: number) => compileRouteTable(oneHost([route]), { random: () => r }).match(request("/"));
    const a = table(0.1);
    const b = table(0.9);
    assert.ok(a?.action.type === "forward" && b?.action.type === "forward");
    assert.deepEqual([a.action.cluster, a.action.hostRewrite], ["a", "a.host"]);
    assert.deepEqual([b.action.cluster, b.action.hostRewrite], ["b", "route.host"]);
    assert.deepEqual(names(a.headers.request), ["add x-c"]);
    assert.deepEqual(names(b.headers.request), []);
  });
});

describe("redirects", () => {
  test("https_redirect changes the scheme and drops the old scheme's default port", () => {
    const action = location({ https_redirect: true }, request("/a?b=1", {}, "example.com:80"));
    assert.equal(action.location, "https://example.com/a?b=1");
    assert.equal(action.status, 301);
  });

  test("a redirect keeps a non-default port when only the scheme changes", () => {
    assert.equal(
      location({ scheme_redirect: "HTTPS" }, request("/", {}, "example.com:8080")).location,
      "https://example.com:8080/",
    );
  });

  test("a redirect keeps the request's scheme when it does not change it", () => {
    const req = { ...request("/x", {}, "a.com"), scheme: "https" };
    assert.equal(location({ host_redirect: "b.com" }, req).location, "https://b.com/x");
  });

  test("host_redirect replaces the authority and port_redirect replaces the port", () => {
    assert.equal(
      location({ host_redirect: "new.example.com" }, request("/p", {}, "old.example.com:8080")).location,
      "http://new.example.com/p",
    );
    assert.equal(
      location({ port_redirect: 9443 }, request("/p", {}, "example.com:8080")).location,
      "http://example.com:9443/p",
    );
    assert.equal(
      location({ host_redirect: "n.com", port_redirect: 81 }, request("/p", {}, "o.com")).location,
      "http://n.com:81/p",
    );
  });

  test("path_redirect replaces the path and keeps the query unless it brings its own", () => {
    assert.equal(location({ path_redirect: "/new" }, request("/old?a=1")).location, "http://example.com/new?a=1");
    assert.equal(location({ path_redirect: "/new?b=2" }, request("/old?a=1")).location, "http://example.com/new?b=2");
    assert.equal(
      location({ path_redirect: "/new?b=2", strip_query: true }, request("/old?a=1")).location,
      "http://example.com/new?b=2",
    );
  });

  test("strip_query drops the request's query", () => {
    assert.equal(location({ strip_query: true }, request("/a?b=1")).location, "http://example.com/a");
    assert.equal(
      location({ path_redirect: "/n", strip_query: true }, request("/a?b=1")).location,
      "http://example.com/n",
    );
  });

  test("a redirect's prefix_rewrite replaces the matched prefix", () => {
    assert.equal(
      location({ prefix_rewrite: "/new/" }, request("/old/x?y=1"), { prefix: "/old/" }).location,
      "http://example.com/new/x?y=1",
    );
  });

  test("a redirect's regex_rewrite rewrites the path and keeps the query", () => {
    const redirect = { regex_rewrite: { pattern: { regex: "^/v1/(.*)$" }, substitution: "/v2/\\1" } };
    assert.equal(location(redirect, request("/v1/a/b?c=1")).location, "http://example.com/v2/a/b?c=1");
  });

  test("each response_code maps to its HTTP status", () => {
    const codes: [string, number][] = [
      ["MOVED_PERMANENTLY", 301],
      ["FOUND", 302],
      ["SEE_OTHER", 303],
      ["TEMPORARY_REDIRECT", 307],
      ["PERMANENT_REDIRECT", 308],
    ];
    for (const [code, status] of codes) {
      assert.equal(location({ path_redirect: "/", response_code: code }, request("/")).status, status, code);
    }
  });
});

describe("direct responses", () => {
  test("a direct response carries its status and inline string body as bytes", () => {
    const { action } = decide({
      match: { prefix: "/" },
      direct_response: { status: 418, body: { inline_string: "teapot" } },
    });
    assert.ok(action.type === "directResponse");
    assert.equal(action.status, 418);
    assert.equal(new TextDecoder().decode(action.body), "teapot");
  });

  test("a direct response carries an inline bytes body unchanged", () => {
    const { action } = decide({
      match: { prefix: "/" },
      direct_response: { status: 200, body: { inline_bytes: "AAEC" } },
    });
    assert.ok(action.type === "directResponse");
    assert.deepEqual([...(action.body ?? [])], [0, 1, 2]);
  });

  test("a direct response without a body has none", () => {
    const { action } = decide({ match: { prefix: "/" }, direct_response: { status: 204 } });
    assert.ok(action.type === "directResponse");
    assert.equal(action.body, undefined);
  });
});

describe("header mutations", () => {
  const levels = (mostSpecificWins: boolean) =>
    compileRouteTable(
      routeConfiguration({
        name: "headers",
        most_specific_header_mutations_wins: mostSpecificWins,
        request_headers_to_add: [{ header: { key: "x-level", value: "config" } }],
        request_headers_to_remove: ["x-config-drop"],
        response_headers_to_add: [{ header: { key: "x-level", value: "config" } }],
        virtual_hosts: [
          {
            name: "vh",
            domains: ["*"],
            request_headers_to_add: [
              { header: { key: "x-level", value: "vhost" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
            ],
            response_headers_to_remove: ["server"],
            routes: [
              {
                match: { prefix: "/" },
                route: { cluster: "c" },
                request_headers_to_remove: ["x-route-drop"],
                request_headers_to_add: [
                  { header: { key: "X-Level", value: "route" }, append: false },
                  { header: { key: "x-empty", value: "" }, keep_empty_value: true },
                ],
              },
            ],
          },
        ],
      }),
    ).match(request("/"));

  test("by default mutations run from the route to the route configuration, so the least specific wins", () => {
    const decision = levels(false);
    assert.deepEqual(names(decision?.headers.request ?? []), [
      "remove x-route-drop",
      "add x-level",
      "add x-empty",
      "add x-level",
      "remove x-config-drop",
      "add x-level",
    ]);
    assert.deepEqual(values(decision?.headers.request ?? []), ["route", "", "vhost", "config"]);
    assert.deepEqual(names(decision?.headers.response ?? []), ["remove server", "add x-level"]);
  });

  test("most_specific_header_mutations_wins runs them from the route configuration to the route", () => {
    assert.deepEqual(values(levels(true)?.headers.request ?? []), ["config", "vhost", "route", ""]);
  });

  test("append_action is carried, the deprecated append overrides it, and keep_empty_value is kept", () => {
    const adds = (levels(false)?.headers.request ?? []).filter((m) => m.op === "add");
    assert.deepEqual(
      adds.map((m) => [m.appendAction, m.keepEmptyValue]),
      [
        [Append.OVERWRITE_IF_EXISTS_OR_ADD, false],
        [Append.APPEND_IF_EXISTS_OR_ADD, true],
        [Append.OVERWRITE_IF_EXISTS_OR_ADD, false],
        [Append.APPEND_IF_EXISTS_OR_ADD, false],
      ],
    );
  });

  test("redirects and direct responses carry the response mutations too", () => {
    const table = compileRouteTable(
      oneHost([
        {
          match: { prefix: "/" },
          direct_response: { status: 200 },
          response_headers_to_add: [{ header: { key: "x-r", value: "1" } }],
        },
      ]),
    );
    assert.deepEqual(names(table.match(request("/"))?.headers.response ?? []), ["add x-r"]);
  });
});

function names(mutations: readonly HeaderMutation[]): string[] {
  return mutations.map((m) => `${m.op} ${m.name}`);
}

function values(mutations: readonly HeaderMutation[]): string[] {
  return mutations.flatMap((m) => (m.op === "add" ? [m.value] : []));
}
