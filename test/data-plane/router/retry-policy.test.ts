import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  compileRouteTable,
  type ForwardDecision,
  RetryOn,
  type RetryPolicy,
  retriableFailure,
  retriableResponse,
  retryBackoffMs,
} from "../../../data-plane/src/router/index.js";
import { type Json, request, routeConfiguration, seededRandom } from "./fixtures.js";

function forwardWith(routeRetry: Json | undefined, vhostRetry?: Json): ForwardDecision {
  const config = routeConfiguration({
    name: "r",
    virtual_hosts: [
      {
        name: "all",
        domains: ["*"],
        ...(vhostRetry === undefined ? {} : { retry_policy: vhostRetry }),
        routes: [
          {
            match: { prefix: "/" },
            route: { cluster: "web", ...(routeRetry === undefined ? {} : { retry_policy: routeRetry }) },
          },
        ],
      },
    ],
  });
  const decision = compileRouteTable(config).match(request("/"));
  assert.ok(decision !== undefined && decision.action.type === "forward");
  return decision.action;
}

function policyOf(routeRetry: Json | undefined, vhostRetry?: Json): RetryPolicy {
  const policy = forwardWith(routeRetry, vhostRetry).retryPolicy;
  assert.ok(policy !== undefined, "a retry policy should be compiled");
  return policy;
}

describe("retry policy compilation", () => {
  test("a route without retry_policy, in a virtual host without one, has no retry policy", () => {
    assert.equal(forwardWith(undefined).retryPolicy, undefined);
  });

  test("defaults: one retry, no per-try timeout, 25 ms base and 250 ms max back-off", () => {
    const policy = policyOf({ retry_on: "5xx" });
    assert.equal(policy.retryOn, RetryOn.fiveXx);
    assert.equal(policy.numRetries, 1);
    assert.equal(policy.perTryTimeoutMs, 0);
    assert.equal(policy.baseIntervalMs, 25);
    assert.equal(policy.maxIntervalMs, 250);
    assert.ok(Object.isFrozen(policy));
  });

  test("explicit values are taken: num_retries, per_try_timeout, back-off intervals, status codes", () => {
    const policy = policyOf({
      retry_on: "retriable-status-codes, connect-failure",
      num_retries: 4,
      per_try_timeout: "0.25s",
      retry_back_off: { base_interval: "0.010s", max_interval: "0.040s" },
      retriable_status_codes: [418, 429],
    });
    assert.equal(policy.retryOn, RetryOn.retriableStatusCodes | RetryOn.connectFailure);
    assert.equal(policy.numRetries, 4);
    assert.equal(policy.perTryTimeoutMs, 250);
    assert.equal(policy.baseIntervalMs, 10);
    assert.equal(policy.maxIntervalMs, 40);
    assert.deepEqual([...policy.retriableStatusCodes], [418, 429]);
  });

  test("the virtual host's retry_policy applies when the route has none, and the route's wins over it", () => {
    assert.equal(policyOf(undefined, { retry_on: "reset", num_retries: 3 }).numRetries, 3);
    const both = policyOf({ retry_on: "gateway-error" }, { retry_on: "reset", num_retries: 3 });
    assert.equal(both.retryOn, RetryOn.gatewayError);
    assert.equal(both.numRetries, 1);
  });

  test("unknown and unsupported retry_on tokens are ignored; none left means no policy", () => {
    assert.equal(policyOf({ retry_on: "bogus,unavailable,envoy-ratelimited" }).retryOn, RetryOn.grpcUnavailable);
    assert.equal(forwardWith({ retry_on: "bogus" }).retryPolicy, undefined);
  });

  test("every supported token maps to its condition", () => {
    const all =
      "5xx,gateway-error,reset,connect-failure,retriable-4xx,refused-stream,retriable-status-codes," +
      "cancelled,deadline-exceeded,internal,resource-exhausted,unavailable";
    const expected = Object.values(RetryOn).reduce((a, b) => a | b, 0);
    assert.equal(policyOf({ retry_on: all }).retryOn, expected);
  });
});

describe("retry conditions", () => {
  const on = (retryOn: string, extra: Json = {}): RetryPolicy => policyOf({ retry_on: retryOn, ...extra });

  test("5xx takes every 5xx status; gateway-error only 502, 503 and 504", () => {
    assert.ok(retriableResponse(on("5xx"), 500, undefined));
    assert.ok(retriableResponse(on("5xx"), 599, undefined));
    assert.ok(!retriableResponse(on("5xx"), 499, undefined));
    assert.ok(!retriableResponse(on("gateway-error"), 500, undefined));
    for (const status of [502, 503, 504]) assert.ok(retriableResponse(on("gateway-error"), status, undefined));
  });

  test("retriable-4xx takes 409 and no other 4xx", () => {
    assert.ok(retriableResponse(on("retriable-4xx"), 409, undefined));
    assert.ok(!retriableResponse(on("retriable-4xx"), 404, undefined));
    assert.ok(!retriableResponse(on("retriable-4xx"), 429, undefined));
  });

  test("retriable-status-codes takes only the listed statuses", () => {
    const policy = on("retriable-status-codes", { retriable_status_codes: [429] });
    assert.ok(retriableResponse(policy, 429, undefined));
    assert.ok(!retriableResponse(policy, 503, undefined));
    assert.ok(!retriableResponse(on("5xx", { retriable_status_codes: [429] }), 429, undefined));
  });

  test("the gRPC conditions read grpc-status: cancelled 1, deadline-exceeded 4, resource-exhausted 8, internal 13, unavailable 14", () => {
    const pairs: [string, number][] = [
      ["cancelled", 1],
      ["deadline-exceeded", 4],
      ["resource-exhausted", 8],
      ["internal", 13],
      ["unavailable", 14],
    ];
    for (const [token, code] of pairs) {
      assert.ok(retriableResponse(on(token), 200, code), token);
      assert.ok(!retriableResponse(on(token), 200, code === 14 ? 1 : 14), `${token} takes only its own code`);
    }
    assert.ok(!retriableResponse(on("unavailable"), 200, undefined));
  });

  test("failures without a response: 5xx, gateway-error and reset take all; connect-failure and refused-stream their own", () => {
    for (const token of ["5xx", "gateway-error", "reset"]) {
      for (const failure of ["connectFailure", "refusedStream", "reset", "perTryTimeout"] as const) {
        assert.ok(retriableFailure(on(token), failure), `${token} ${failure}`);
      }
    }
    assert.ok(retriableFailure(on("connect-failure"), "connectFailure"));
    assert.ok(!retriableFailure(on("connect-failure"), "reset"));
    assert.ok(!retriableFailure(on("connect-failure"), "perTryTimeout"));
    assert.ok(retriableFailure(on("refused-stream"), "refusedStream"));
    assert.ok(!retriableFailure(on("refused-stream"), "connectFailure"));
    assert.ok(!retriableFailure(on("retriable-4xx"), "reset"));
  });
});

describe("retry back-off", () => {
  test("each wait is within [0, min((2^n − 1) × base, max)) for seeded draws", () => {
    const policy = policyOf({ retry_on: "5xx", retry_back_off: { base_interval: "0.025s", max_interval: "0.150s" } });
    const random = seededRandom(7);
    const ceilings = [25, 75, 150, 150, 150];
    for (let round = 0; round < 200; round++) {
      ceilings.forEach((ceiling, i) => {
        const wait = retryBackoffMs(policy, i + 1, random);
        assert.ok(wait >= 0 && wait < ceiling, `retry ${i + 1} waited ${wait}, ceiling ${ceiling}`);
        assert.ok(Number.isInteger(wait));
      });
    }
  });

  test("the draw sets the wait: 0 gives no wait, just under 1 gives just under the ceiling", () => {
    const policy = policyOf({ retry_on: "5xx" });
    assert.equal(
      retryBackoffMs(policy, 1, () => 0),
      0,
    );
    assert.equal(
      retryBackoffMs(policy, 2, () => 0.999_999),
      74,
    );
    assert.equal(
      retryBackoffMs(policy, 60, () => 0.999_999),
      249,
    );
  });
});
