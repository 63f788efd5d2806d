import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildCircuitBreakers, DEFAULT_CIRCUIT_BREAKERS } from "../../../data-plane/src/config/index.js";
import { BREAKER_RESOURCES, type BreakerTicket, CircuitBreaker } from "../../../data-plane/src/upstream/index.js";
import {
  type CircuitBreakers,
  CircuitBreakers_Thresholds,
} from "../../../proto/gen/envoy/config/cluster/v3/circuit_breaker.js";
import { RoutingPriority } from "../../../proto/gen/envoy/config/core/v3/base.js";

function thresholds(...entries: Partial<CircuitBreakers_Thresholds>[]): CircuitBreakers {
  return { thresholds: entries.map((e) => CircuitBreakers_Thresholds.fromPartial(e)), perHostThresholds: [] };
}

describe("circuit breaker configuration", () => {
  test("no circuit_breakers, or no DEFAULT entry, gives Envoy's defaults (1024, 1024, 1024, 3)", () => {
    assert.deepEqual(buildCircuitBreakers(undefined), {
      maxConnections: 1024,
      maxPendingRequests: 1024,
      maxRequests: 1024,
      maxRetries: 3,
    });
    assert.equal(
      buildCircuitBreakers(thresholds({ priority: RoutingPriority.HIGH, maxRequests: 1 })),
      DEFAULT_CIRCUIT_BREAKERS,
    );
  });

  test("the DEFAULT entry's limits are taken, unset ones defaulted, HIGH ignored", () => {
    const built = buildCircuitBreakers(
      thresholds(
        { priority: RoutingPriority.HIGH, maxRequests: 1 },
        { priority: RoutingPriority.DEFAULT, maxRequests: 2, maxRetries: 0, maxPendingRequests: 7 },
      ),
    );
    assert.deepEqual(built, { maxConnections: 1024, maxPendingRequests: 7, maxRequests: 2, maxRetries: 0 });
  });
});

describe("CircuitBreaker", () => {
  test("slots are granted up to the limit, then refused and counted as overflows", () => {
    const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRequests: 2 });
    const a = breaker.tryAcquire("requests");
    const b = breaker.tryAcquire("requests");
    assert.ok(a !== undefined && b !== undefined);
    assert.equal(breaker.tryAcquire("requests"), undefined);
    assert.equal(breaker.tryAcquire("requests"), undefined);
    assert.equal(breaker.open("requests"), 2);
    assert.equal(breaker.overflows("requests"), 2);
    a.release();
    assert.equal(breaker.open("requests"), 1);
    assert.ok(breaker.tryAcquire("requests") !== undefined);
  });

  test("each resource is counted on its own", () => {
    const breaker = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 1, maxRequests: 1, maxRetries: 1 });
    const tickets: BreakerTicket[] = [];
    for (const resource of BREAKER_RESOURCES) {
      const ticket = breaker.tryAcquire(resource);
      assert.ok(ticket !== undefined, resource);
      tickets.push(ticket);
      assert.equal(breaker.tryAcquire(resource), undefined);
    }
    for (const resource of BREAKER_RESOURCES) {
      assert.equal(breaker.open(resource), 1);
      assert.equal(breaker.overflows(resource), 1);
    }
    for (const ticket of tickets) ticket.release();
    for (const resource of BREAKER_RESOURCES) assert.equal(breaker.open(resource), 0);
  });

  test("an update keeps the open counts: a lowered limit refuses new slots, a raised one grants them", () => {
    const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRetries: 3 });
    const held = [breaker.tryAcquire("retries"), breaker.tryAcquire("retries")];
    breaker.update({ ...DEFAULT_CIRCUIT_BREAKERS, maxRetries: 1 });
    assert.equal(breaker.open("retries"), 2);
    assert.equal(breaker.tryAcquire("retries"), undefined);
    for (const ticket of held) ticket?.release();
    assert.ok(breaker.tryAcquire("retries") !== undefined);
    breaker.update({ ...DEFAULT_CIRCUIT_BREAKERS, maxRetries: 5 });
    assert.equal(breaker.limits.maxRetries, 5);
    assert.ok(breaker.tryAcquire("retries") !== undefined);
    assert.equal(breaker.open("retries"), 2);
  });

  test("a limit of zero refuses every slot", () => {
    const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRetries: 0 });
    assert.equal(breaker.tryAcquire("retries"), undefined);
    assert.equal(breaker.open("retries"), 0);
  });
});
