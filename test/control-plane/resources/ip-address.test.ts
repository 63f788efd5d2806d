import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cidrKey, ipKey, isHostname, parseIp } from "../../../control-plane/src/resources/ip-address.js";

function key(text: string): string | undefined {
  const ip = parseIp(text);
  return ip && ipKey(ip);
}

describe("IP literals and CIDR prefixes", () => {
  test("one IPv6 address spelled three ways has one key", () => {
    assert.equal(key("::1"), key("0:0:0:0:0:0:0:1"));
    assert.equal(key("::ffff:10.0.0.1"), key("0:0:0:0:0:ffff:a00:1"));
    assert.notEqual(key("::1"), key("::2"));
  });

  test("an IPv4 address and its IPv4-mapped IPv6 form are different addresses", () => {
    assert.notEqual(key("10.0.0.1"), key("::ffff:10.0.0.1"));
  });

  test("what inet_pton refuses is not an IP literal", () => {
    for (const text of ["010.0.0.1", "10.0.0", "fe80::1%eth0", "localhost", "", "1.2.3.4.5", ":::1"]) {
      assert.equal(parseIp(text), undefined, text);
    }
  });

  test("CIDR ranges covering the same addresses have one key", () => {
    assert.equal(cidrKey("10.1.2.3", 8), cidrKey("10.0.0.0", 8));
    assert.equal(cidrKey("2001:db8::1", 32), cidrKey("2001:db8::", 32));
    assert.notEqual(cidrKey("10.0.0.0", 8), cidrKey("10.0.0.0", 16));
    assert.equal(cidrKey("10.0.0.1", undefined), cidrKey("10.0.0.1", 32));
  });

  test("a prefix longer than its address is no CIDR range", () => {
    assert.equal(cidrKey("10.0.0.0", 33), undefined);
    assert.equal(cidrKey("::", 129), undefined);
  });

  test("host names are dot-separated labels", () => {
    for (const name of ["backend", "search.internal", "a-b.example.com.", "_srv.example"])
      assert.ok(isHostname(name), name);
    for (const name of ["-a.example", "a..b", "a b", "", "x".repeat(64)]) assert.ok(!isHostname(name), name);
  });
});
