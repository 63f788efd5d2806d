import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stripPort } from "../../../data-plane/src/router/domain-match.js";
import { compileRouteTable } from "../../../data-plane/src/router/index.js";
import { type Json, routeConfiguration } from "./fixtures.js";

function host(name: string, domains: string[]): Json {
  return { name, domains, routes: [{ match: { prefix: "/" }, route: { cluster: name } }] };
}

const table = compileRouteTable(
  routeConfiguration({
    name: "domains",
    virtual_hosts: [
      host("exact", ["example.com", "api.example.com"]),
      host("exact-with-port", ["example.com:8443"]),
      host("suffix-short", ["*.example.com"]),
      host("suffix-long", ["*.eu.example.com"]),
      host("suffix-dash", ["*-canary.example.com"]),
      host("prefix-short", ["shop.*"]),
      host("prefix-long", ["shop.internal.*"]),
      host("ipv6", ["[::1]"]),
      host("any", ["*"]),
    ],
  }),
);

const noCatchAll = compileRouteTable(
  routeConfiguration({ name: "strict", virtual_hosts: [host("only", ["only.example.com"])] }),
);

const cases: { rule: string; authority: string; vhost: string | undefined; in?: typeof table }[] = [
  { rule: "an exact domain matches its host", authority: "example.com", vhost: "exact" },
  {
    rule: "an exact domain is preferred to a suffix wildcard that also matches",
    authority: "api.example.com",
    vhost: "exact",
  },
  { rule: "domain matching ignores case", authority: "API.Example.COM", vhost: "exact" },
  { rule: "the port is stripped before matching", authority: "api.example.com:8080", vhost: "exact" },
  {
    rule: "an exact domain with a port matches the authority with that port",
    authority: "example.com:8443",
    vhost: "exact-with-port",
  },
  { rule: "an exact domain with a port does not take another port", authority: "example.com:9000", vhost: "exact" },
  { rule: "a suffix wildcard matches a subdomain", authority: "www.example.com", vhost: "suffix-short" },
  { rule: "the longest suffix wildcard wins", authority: "www.eu.example.com", vhost: "suffix-long" },
  { rule: "a suffix wildcard may end inside a label", authority: "web-canary.example.com", vhost: "suffix-dash" },
  {
    rule: "a suffix wildcard needs at least one character before the suffix",
    authority: "eu.example.com",
    vhost: "suffix-short",
  },
  {
    rule: "a suffix wildcard does not match its suffix alone",
    authority: "-canary.example.com",
    vhost: "suffix-short",
  },
  { rule: "a prefix wildcard needs at least one character after the prefix", authority: "shop.", vhost: "any" },
  { rule: "a prefix wildcard matches any ending", authority: "shop.example.org", vhost: "prefix-short" },
  { rule: "the longest prefix wildcard wins", authority: "shop.internal.net", vhost: "prefix-long" },
  { rule: "a suffix wildcard is preferred to a prefix wildcard", authority: "shop.example.com", vhost: "suffix-short" },
  {
    rule: "a prefix wildcard matches after the port is stripped",
    authority: "shop.internal.net:81",
    vhost: "prefix-long",
  },
  { rule: "a bracketed IPv6 host matches without its port", authority: "[::1]:8080", vhost: "ipv6" },
  { rule: "the catch-all takes what nothing else matches", authority: "other.org", vhost: "any" },
  {
    rule: "no virtual host is chosen when nothing matches and there is no catch-all",
    authority: "example.com",
    vhost: undefined,
    in: noCatchAll,
  },
];

describe("virtual host selection by domain", () => {
  for (const c of cases) {
    test(c.rule, () => {
      const decision = (c.in ?? table).match({ authority: c.authority, path: "/", headers: new Map() });
      assert.equal(decision?.virtualHost.name, c.vhost);
    });
  }

  test("ignore_port_in_host_matching stops an exact domain with a port from matching", () => {
    const config = routeConfiguration({
      name: "ignore-port",
      ignore_port_in_host_matching: true,
      virtual_hosts: [host("with-port", ["example.com:8443"]), host("bare", ["example.com"])],
    });
    assert.equal(
      compileRouteTable(config).match({ authority: "example.com:8443", path: "/", headers: new Map() })?.virtualHost
        .name,
      "bare",
    );
  });
});

describe("stripping the port from an authority", () => {
  const rows: [string, string][] = [
    ["example.com:80", "example.com"],
    ["example.com", "example.com"],
    ["example.com:", "example.com:"],
    ["[::1]:443", "[::1]"],
    ["[::1]", "[::1]"],
    ["::1", "::1"],
    ["10.0.0.1:9", "10.0.0.1"],
  ];
  for (const [authority, host] of rows) {
    test(`"${authority}" leaves "${host}"`, () => assert.equal(stripPort(authority), host));
  }
});
