import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CheckCode,
  type CheckProblem,
  checkAddress,
  checkDuration,
  checkPort,
  firstProblem,
  isHostname,
  MORE_THAN_1MS,
  NON_NEGATIVE,
  POSITIVE,
} from "../../../proto/checks/index.js";
import type { Address } from "../../../proto/gen/envoy/config/core/v3/address.js";
import { SocketAddress_Protocol } from "../../../proto/gen/envoy/config/core/v3/address.js";
import { DURATION_MAX_SECONDS } from "../../../proto/json-shared.js";

function socket(address: string, portValue?: number, protocol = SocketAddress_Protocol.TCP): Address {
  return { socketAddress: { protocol, address, portValue, resolverName: "", ipv4Compat: false } };
}

function codes(problems: Iterable<CheckProblem>): [string, CheckCode][] {
  return [...problems].map((p) => [p.path, p.code]);
}

describe("the checks both planes share", () => {
  describe("the four cases the planes used to disagree on", () => {
    test("a name with an empty label (a..b) is no host name", () => {
      assert.equal(isHostname("a..b"), false);
      assert.deepEqual(codes(checkAddress("address", socket("a..b", 80), "ip-or-hostname")), [
        ["address.socket_address.address", CheckCode.hostNotHostname],
      ]);
    });

    test("a label ending with a hyphen (a-) is no host name", () => {
      assert.equal(isHostname("a-"), false);
      assert.equal(isHostname("a-.example"), false);
      assert.equal(isHostname("-a.example"), false);
      assert.equal(isHostname("a-b.example"), true);
    });

    test("a 64-character label is no host name; a 63-character one is", () => {
      assert.equal(isHostname("x".repeat(64)), false);
      assert.equal(isHostname(`${"x".repeat(64)}.example`), false);
      assert.equal(isHostname(`${"x".repeat(63)}.example`), true);
    });

    test("fe80::1%eth0 is an IP literal, also where only IPs are taken", () => {
      assert.deepEqual(codes(checkAddress("address", socket("fe80::1%eth0", 80), "ip")), []);
    });
  });

  describe("host names", () => {
    test("RFC 1123 names, with a trailing root dot and underscores, are host names", () => {
      for (const name of ["backend", "search.internal", "a-b.example.com.", "_srv.example", "my_service", "1.2.3.4.5"])
        assert.ok(isHostname(name), name);
    });

    test("spaces, empty names, a lone dot and names over 253 characters are not", () => {
      const long = Array.from({ length: 4 }, () => "x".repeat(63)).join("."); // 255 characters
      for (const name of ["a b", "", ".", "a.b..", "ä.example", long]) assert.ok(!isHostname(name), name);
      assert.ok(isHostname(long.slice(2)), "253 characters");
      assert.ok(isHostname(`${long.slice(2)}.`), "253 characters and the root dot");
    });
  });

  describe("socket addresses", () => {
    test("a listener or EDS address must be an IP literal; a DNS cluster's may be a host name", () => {
      assert.deepEqual(codes(checkAddress("a", socket("db.internal", 80), "ip")), [
        ["a.socket_address.address", CheckCode.hostNotIp],
      ]);
      assert.deepEqual(codes(checkAddress("a", socket("db.internal", 80), "ip-or-hostname")), []);
      assert.deepEqual(codes(checkAddress("a", socket("10.0.0.1", 80), "ip")), []);
    });

    test("every fault of one socket address is reported, in field order", () => {
      const address: Address = {
        socketAddress: {
          protocol: 99 as SocketAddress_Protocol,
          address: "",
          namedPort: "http",
          resolverName: "custom",
          ipv4Compat: false,
        },
      };
      assert.deepEqual(codes(checkAddress("a", address, "ip")), [
        ["a.socket_address.address", CheckCode.hostMissing],
        ["a.socket_address.named_port", CheckCode.namedPort],
        ["a.socket_address.protocol", CheckCode.protocolUnknown],
        ["a.socket_address.resolver_name", CheckCode.resolverUnsupported],
      ]);
    });

    test("a missing address, a pipe, an empty Address and UDP are each refused by code", () => {
      assert.deepEqual(codes(checkAddress("a", undefined, "ip")), [["a", CheckCode.addressMissing]]);
      assert.deepEqual(codes(checkAddress("a", { pipe: { path: "/s", mode: 0 } }, "ip")), [
        ["a.pipe", CheckCode.pipeAddress],
      ]);
      assert.deepEqual(codes(checkAddress("a", {}, "ip")), [["a.socket_address", CheckCode.socketAddressMissing]]);
      assert.deepEqual(codes(checkAddress("a", socket("10.0.0.1", 80, SocketAddress_Protocol.UDP), "ip")), [
        ["a.socket_address.protocol", CheckCode.protocolUnsupported],
      ]);
    });
  });

  describe("ports", () => {
    test("1 and 65535 are ports; 0, 65536 and fractions are not; absence is the caller's business", () => {
      for (const port of [1, 80, 65_535, undefined]) assert.deepEqual(codes(checkPort("p", port)), [], String(port));
      for (const port of [0, 65_536, 2 ** 32 - 1, 1.5, -1])
        assert.deepEqual(codes(checkPort("p", port)), [["p", CheckCode.portOutOfRange]], String(port));
    });

    test("a socket address without a port_value is refused", () => {
      assert.deepEqual(codes(checkAddress("a", socket("10.0.0.1"), "ip")), [
        ["a.socket_address.port_value", CheckCode.portMissing],
      ]);
    });
  });

  describe("durations", () => {
    const code = (seconds: number, nanos: number, rule = NON_NEGATIVE) =>
      firstProblem(checkDuration("d", { seconds, nanos }, rule))?.code;

    test("the range limit is protobuf's ±10,000 years, on both sides", () => {
      assert.equal(code(DURATION_MAX_SECONDS, 999_999_999), undefined);
      assert.equal(code(DURATION_MAX_SECONDS + 1, 0), CheckCode.durationOutOfRange);
      assert.equal(code(-DURATION_MAX_SECONDS - 1, 0), CheckCode.durationOutOfRange);
    });

    test("nanos beyond a second, or of the other sign than seconds, are malformed", () => {
      assert.equal(code(0, 1_000_000_000), CheckCode.durationMalformed);
      assert.equal(code(1, -1), CheckCode.durationMalformed);
      assert.equal(code(-1, 1), CheckCode.durationMalformed);
      assert.equal(code(1.5, 0), CheckCode.durationMalformed);
    });

    test("each field's lower bound: >= 0, > 0, > 1ms", () => {
      assert.equal(code(0, 0), undefined);
      assert.equal(code(0, -1), CheckCode.durationBelowMin);
      assert.equal(code(0, 0, POSITIVE), CheckCode.durationBelowMin);
      assert.equal(code(0, 1, POSITIVE), undefined);
      assert.equal(code(0, 1_000_000, MORE_THAN_1MS), CheckCode.durationBelowMin);
      assert.equal(code(0, 1_000_001, MORE_THAN_1MS), undefined);
    });

    test("an absent duration is refused only where the rule requires one", () => {
      assert.deepEqual(codes(checkDuration("d", undefined, NON_NEGATIVE)), []);
      assert.deepEqual(codes(checkDuration("d", undefined, { ...POSITIVE, required: true })), [
        ["d", CheckCode.durationMissing],
      ]);
    });
  });
});
