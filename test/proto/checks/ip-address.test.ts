import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cidrKey, ipKey, isIp, parseIp } from "../../../proto/checks/index.js";

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

  test("what Envoy's address parser refuses is not an IP literal", () => {
    for (const text of ["010.0.0.1", "10.0.0", "localhost", "", "1.2.3.4.5", ":::1", "10.0.0.1%eth0", "fe80::1%"]) {
      assert.equal(parseIp(text), undefined, text);
    }
  });

  test("an IPv6 literal with a zone is an IP literal, as Envoy parses scoped addresses", () => {
    assert.ok(isIp("fe80::1%eth0"));
    assert.ok(isIp("fe80::1%2"));
    assert.ok(!isIp("fe80::1%eth 0"));
    assert.ok(!isIp(`fe80::1%${"e".repeat(16)}`));
  });

  test("the same address on two interfaces has two keys, and without a zone a third", () => {
    assert.notEqual(key("fe80::1%eth0"), key("fe80::1%eth1"));
    assert.notEqual(key("fe80::1%eth0"), key("fe80::1"));
    assert.equal(key("fe80::1%eth0"), key("fe80:0::1%eth0"));
  });

  test("CIDR ranges covering the same addresses have one key", () => {
    assert.equal(cidrKey("10.1.2.3", 8), cidrKey("10.0.0.0", 8));
    assert.equal(cidrKey("2001:db8::1", 32), cidrKey("2001:db8::", 32));
    assert.notEqual(cidrKey("10.0.0.0", 8), cidrKey("10.0.0.0", 16));
    assert.equal(cidrKey("10.0.0.1", undefined), cidrKey("10.0.0.1", 32));
  });

  test("a prefix longer than its address, or with a zone, is no CIDR range", () => {
    assert.equal(cidrKey("10.0.0.0", 33), undefined);
    assert.equal(cidrKey("::", 129), undefined);
    assert.equal(cidrKey("fe80::%eth0", 64), undefined);
  });
});
