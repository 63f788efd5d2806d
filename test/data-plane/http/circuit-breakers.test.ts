import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import {
  DEFAULT_CIRCUIT_BREAKERS,
  type RuntimeCircuitBreakers,
  type RuntimeEndpoint,
} from "../../../data-plane/src/config/index.js";
import { type BreakerResource, type BreakerTicket, CircuitBreaker } from "../../../data-plane/src/upstream/index.js";
import { gate } from "../listeners/helpers.js";
import { staticCluster } from "../upstream/backends.js";
import { h1Request, routeTo, startHttpBackend } from "./harness.js";
import { startRetryProxy } from "./retry-harness.js";

const local = (port: number): RuntimeEndpoint => ({ host: "127.0.0.1", port, weight: 1, health: "HEALTHY" });

/**
 * A CircuitBreaker that says when its counts change, so a test waits for a slot to be taken or
 * given back instead of sleeping.
 */
class ObservedBreaker extends CircuitBreaker {
  #waiting: { readonly ready: () => boolean; readonly resolve: () => void }[] = [];

  constructor(limits: RuntimeCircuitBreakers) {
    super(limits);
  }

  override tryAcquire(resource: BreakerResource): BreakerTicket | undefined {
    const ticket = super.tryAcquire(resource);
    this.#changed();
    if (ticket === undefined) return undefined;
    return {
      release: () => {
        ticket.release();
        this.#changed();
      },
    };
  }

  /** Resolves once `open(resource)` is `count` (at once if it is now). */
  until(resource: BreakerResource, count: number): Promise<void> {
    const ready = () => this.open(resource) === count;
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ ready, resolve }));
  }

  #changed(): void {
    const done = this.#waiting.filter((w) => w.ready());
    this.#waiting = this.#waiting.filter((w) => !w.ready());
    for (const w of done) w.resolve();
  }
}

describe("circuit breakers", () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it("max_requests 2: of a burst of 10 slow requests, 8 are answered 503 UO at once", async () => {
    const release = gate();
    let arrived = 0;
    const b = await startHttpBackend((_req, res) => {
      arrived++;
      void release.wait.then(() => res.end("done"));
    });
    open.push(b);
    const breaker = new ObservedBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRequests: 2 });
    const p = await startRetryProxy({
      routes: [routeTo("web")],
      clusters: [staticCluster("web", local(b.port))],
      breaker,
    });
    open.push(p);
    const replies = [...Array(10)].map(() => h1Request(p.port));
    const refused = await Promise.all(replies.slice(2));
    for (const reply of refused) {
      assert.equal(reply.status, 503);
      assert.equal(reply.headers["x-envoy-overloaded"], "true");
    }
    assert.equal(arrived, 2);
    assert.equal(breaker.open("requests"), 2);
    assert.equal(breaker.overflows("requests"), 8);
    assert.equal(p.overflows.length, 8);
    assert.deepEqual(
      p.records.map((r) => r.responseFlags),
      [...Array(8)].map(() => ["UO"]),
    );
    release.open();
    for (const reply of await Promise.all(replies.slice(0, 2))) assert.equal(reply.status, 200);
    await breaker.until("requests", 0);
    assert.equal(breaker.open("pendingRequests"), 0);
  });

  it("max_retries limits the retries in flight; the others pass their response through", async () => {
    let calls = 0;
    const b = await startHttpBackend((_req, res) => {
      calls++;
      res.statusCode = 503;
      res.end();
    });
    open.push(b);
    const breaker = new ObservedBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRetries: 1 });
    const p = await startRetryProxy({
      routes: [routeTo("web", { retry_policy: { retry_on: "5xx", retry_back_off: { base_interval: "0.2s" } } })],
      clusters: [staticCluster("web", local(b.port))],
      breaker,
    });
    open.push(p);
    const replies = await Promise.all([...Array(3)].map(() => h1Request(p.port)));
    for (const reply of replies) assert.equal(reply.status, 503);
    assert.equal(calls, 4);
    assert.deepEqual(p.overflows, ["retries", "retries"]);
    assert.equal(breaker.overflows("retries"), 2);
    await breaker.until("requests", 0);
    assert.equal(breaker.open("retries"), 0);
  });

  it("limits changed at run time apply to the next requests", async () => {
    const release = gate();
    const b = await startHttpBackend((_req, res) => {
      void release.wait.then(() => res.end("done"));
    });
    open.push(b);
    const breaker = new ObservedBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRequests: 1 });
    const p = await startRetryProxy({
      routes: [routeTo("web")],
      clusters: [staticCluster("web", local(b.port))],
      breaker,
    });
    open.push(p);
    const held = h1Request(p.port);
    assert.equal((await h1Request(p.port)).status, 503);
    breaker.update({ ...DEFAULT_CIRCUIT_BREAKERS, maxRequests: 2 });
    const second = h1Request(p.port);
    await breaker.until("requests", 2);
    assert.equal(breaker.overflows("requests"), 1, "the raised limit let the second request in");
    release.open();
    assert.equal((await held).status, 200);
    assert.equal((await second).status, 200);
  });

  it("max_connections 1: one request on the one connection, one waits pending, the rest overflow 503 UO", async () => {
    const release = gate();
    const firstArrived = gate();
    const ports = new Set<number>();
    let arrived = 0;
    const b = await startHttpBackend((req, res) => {
      arrived++;
      firstArrived.open();
      ports.add(req.socket.remotePort ?? 0);
      void release.wait.then(() => res.end("done"));
    });
    open.push(b);
    const limits = { ...DEFAULT_CIRCUIT_BREAKERS, maxConnections: 1, maxPendingRequests: 1 };
    const breaker = new ObservedBreaker(limits);
    const p = await startRetryProxy({
      routes: [routeTo("web")],
      clusters: [{ ...staticCluster("web", local(b.port)), circuitBreakers: limits }],
      breaker,
    });
    open.push(p);
    const first = h1Request(p.port);
    await firstArrived.wait;
    const second = h1Request(p.port);
    await breaker.until("requests", 2);
    assert.equal(breaker.open("pendingRequests"), 1, "the second waits for a connection");
    const refused = await Promise.all([...Array(3)].map(() => h1Request(p.port)));
    for (const reply of refused) assert.equal(reply.status, 503);
    assert.equal(breaker.overflows("pendingRequests"), 3);
    assert.equal(arrived, 1, "the second request waits for the one connection");
    release.open();
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
    assert.equal(arrived, 2);
    assert.equal(ports.size, 1, "both went over the same single connection");
  });
});
