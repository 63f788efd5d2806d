import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { DEFAULT_CIRCUIT_BREAKERS, type RuntimeEndpoint } from "../../../data-plane/src/config/index.js";
import { CircuitBreaker } from "../../../data-plane/src/upstream/index.js";
import { gate } from "../listeners/helpers.js";
import { staticCluster } from "../upstream/backends.js";
import { h1Request, routeTo, startHttpBackend } from "./harness.js";
import { startRetryProxy } from "./retry-harness.js";

const local = (port: number): RuntimeEndpoint => ({ host: "127.0.0.1", port, weight: 1, health: "HEALTHY" });

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
    const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRequests: 2 });
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
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(breaker.open("requests"), 0);
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
    const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRetries: 1 });
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
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(breaker.open("retries"), 0);
    assert.equal(breaker.open("requests"), 0);
  });

  it("limits changed at run time apply to the next requests", async () => {
    const release = gate();
    const b = await startHttpBackend((_req, res) => {
      void release.wait.then(() => res.end("done"));
    });
    open.push(b);
    const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKERS, maxRequests: 1 });
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
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(breaker.open("requests"), 2);
    release.open();
    assert.equal((await held).status, 200);
    assert.equal((await second).status, 200);
  });

  it("max_connections 1: one request on the one connection, one waits pending, the rest overflow 503 UO", async () => {
    const release = gate();
    const ports = new Set<number>();
    let arrived = 0;
    const b = await startHttpBackend((req, res) => {
      arrived++;
      ports.add(req.socket.remotePort ?? 0);
      void release.wait.then(() => res.end("done"));
    });
    open.push(b);
    const limits = { ...DEFAULT_CIRCUIT_BREAKERS, maxConnections: 1, maxPendingRequests: 1 };
    const breaker = new CircuitBreaker(limits);
    const p = await startRetryProxy({
      routes: [routeTo("web")],
      clusters: [{ ...staticCluster("web", local(b.port)), circuitBreakers: limits }],
      breaker,
    });
    open.push(p);
    const first = h1Request(p.port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = h1Request(p.port);
    await new Promise((resolve) => setTimeout(resolve, 50));
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
