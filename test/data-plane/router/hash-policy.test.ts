import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { xxHash64 } from "../../../data-plane/src/hashing/hash64.js";
import { compileHashPolicy, type HashRequest } from "../../../data-plane/src/router/hash-policy.js";
import type { RouteAction_HashPolicy } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import { decodeJson } from "../../../proto/index.js";

type Json = Record<string, unknown>;

function policies(...json: Json[]): RouteAction_HashPolicy[] {
  const route = decodeJson<{ hashPolicy: RouteAction_HashPolicy[] }>("envoy.config.route.v3.RouteAction", {
    cluster: "c",
    hash_policy: json,
  });
  return route.hashPolicy;
}

function req(headers: Record<string, string | string[]> = {}, remoteAddress?: string, path = "/"): HashRequest {
  return { header: (name) => headers[name], path, remoteAddress };
}

const rotl1 = (h: bigint) => ((h << 1n) | (h >> 63n)) & 0xffff_ffff_ffff_ffffn;

describe("compileHashPolicy", () => {
  it("is undefined without policies", () => {
    assert.equal(compileHashPolicy([]), undefined);
  });

  it("hashes a header's value, sorted values joined, and nothing when it is absent", () => {
    const hash = compileHashPolicy(policies({ header: { header_name: "X-User" } }));
    assert.ok(hash);
    assert.equal(hash(req({ "x-user": "alice" })), xxHash64("alice"));
    assert.equal(hash(req({ "x-user": ["b", "a"] })), hash(req({ "x-user": ["a", "b"] })));
    assert.equal(hash(req()), undefined);
  });

  it("applies a header policy's regex_rewrite first", () => {
    const hash = compileHashPolicy(
      policies({
        header: {
          header_name: "x-session",
          regex_rewrite: { pattern: { regex: "-v[0-9]+$" }, substitution: "" },
        },
      }),
    );
    assert.equal(hash?.(req({ "x-session": "abc-v2" })), xxHash64("abc"));
  });

  it("hashes a cookie's value and the source IP", () => {
    const cookie = compileHashPolicy(policies({ cookie: { name: "sid" } }));
    assert.equal(cookie?.(req({ cookie: "a=1; sid=xyz; b=2" })), xxHash64("xyz"));
    assert.equal(cookie?.(req({ cookie: "a=1" })), undefined);
    const ip = compileHashPolicy(policies({ connection_properties: { source_ip: true } }));
    assert.equal(ip?.(req({}, "10.1.2.3")), xxHash64("10.1.2.3"));
    assert.equal(ip?.(req()), undefined);
    const query = compileHashPolicy(policies({ query_parameter: { name: "u" } }));
    assert.equal(query?.(req({}, undefined, "/p?x=1&u=bob")), xxHash64("bob"));
  });

  it("combines policies as Envoy does: rotate the hash so far left by one, then XOR", () => {
    const hash = compileHashPolicy(
      policies({ header: { header_name: "a" } }, { header: { header_name: "b" } }, { header: { header_name: "a" } }),
    );
    const a = xxHash64("1");
    const b = xxHash64("2");
    assert.equal(hash?.(req({ a: "1", b: "2" })), rotl1(rotl1(a) ^ b) ^ a);
    assert.equal(hash?.(req({ b: "2" })), b, "a policy without a value is skipped");
  });

  it("stops at a terminal policy that produced a hash", () => {
    const hash = compileHashPolicy(
      policies({ header: { header_name: "a" }, terminal: true }, { header: { header_name: "b" } }),
    );
    assert.equal(hash?.(req({ a: "1", b: "2" })), xxHash64("1"));
    assert.equal(hash?.(req({ b: "2" })), xxHash64("2"), "a terminal policy without a value does not stop");
  });
});
