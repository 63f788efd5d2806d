// The app health probe against real local apps on 127.0.0.1 (an HTTP server whose status the test
// sets, a TCP server the test closes), with the manual clock driving intervals and timeouts.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { afterEach, describe, test } from "node:test";
import { type AppHealthCheck, AppHealthProbe, appHealthCheckOf } from "../../../data-plane/src/sidecar/index.js";
import { ManualClock } from "../../time/manual-clock.js";

type Outcome = { ok: boolean; reason?: string };

/** A probe whose every outcome and change is queued for the test to await, in order. */
function watchedProbe(port: number, check: AppHealthCheck, clock: ManualClock, thresholds = {}) {
  const changes: string[] = [];
  const outcomes: Outcome[] = [];
  let waiting: ((outcome: Outcome) => void) | undefined;
  const probe = new AppHealthProbe({
    host: "127.0.0.1",
    port,
    check,
    clock,
    intervalMs: 1_000,
    timeoutMs: 500,
    ...thresholds,
    onChange: (health) => changes.push(health),
    onProbe: (outcome) => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(outcome);
      } else outcomes.push(outcome);
    },
  });
  /** The next probe's outcome, after moving the clock `ms` forward to let it start. */
  async function nextProbe(ms: number): Promise<Outcome> {
    const done =
      outcomes.length > 0
        ? Promise.resolve(outcomes.shift() as Outcome)
        : new Promise<Outcome>((resolve) => {
            waiting = resolve;
          });
    await clock.advance(ms);
    return done;
  }
  return { probe, changes, nextProbe };
}

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("the app health probe", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  test("--app-health takes tcp or a path starting with /, and nothing else", () => {
    assert.deepEqual(appHealthCheckOf("tcp"), { kind: "tcp" });
    assert.deepEqual(appHealthCheckOf("/healthz"), { kind: "http", path: "/healthz" });
    assert.equal(appHealthCheckOf("healthz"), undefined);
    assert.equal(appHealthCheckOf("TCP"), undefined);
    assert.equal(appHealthCheckOf("/a b"), undefined);
  });

  test("an HTTP check is healthy on 2xx and 3xx, turns unhealthy after the failure threshold, and back after the success threshold", async () => {
    let statusCode = 200;
    const paths: string[] = [];
    const app = createServer((request, response) => {
      paths.push(request.url ?? "");
      response.writeHead(statusCode).end();
    });
    const port = await listen(app);
    cleanup.push(() => close(app));
    const clock = new ManualClock();
    const { probe, changes, nextProbe } = watchedProbe(port, { kind: "http", path: "/healthz" }, clock, {
      failureThreshold: 2,
      successThreshold: 2,
    });
    cleanup.push(() => probe.close());
    probe.start();

    assert.deepEqual(await nextProbe(0), { ok: true });
    assert.equal(probe.health, "unknown", "one success is below the threshold of two");
    assert.deepEqual(await nextProbe(1_000), { ok: true });
    assert.deepEqual(changes, ["healthy"]);
    assert.equal(paths[0], "/healthz");

    statusCode = 302;
    assert.deepEqual(await nextProbe(1_000), { ok: true });
    statusCode = 503;
    assert.equal((await nextProbe(1_000)).ok, false);
    assert.deepEqual(changes, ["healthy"], "one failure is below the threshold of two");
    assert.equal((await nextProbe(1_000)).ok, false);
    assert.deepEqual(changes, ["healthy", "unhealthy"]);
    assert.equal((await nextProbe(1_000)).ok, false);
    assert.deepEqual(changes, ["healthy", "unhealthy"], "only changes are reported");

    statusCode = 204;
    await nextProbe(1_000);
    await nextProbe(1_000);
    assert.deepEqual(changes, ["healthy", "unhealthy", "healthy"]);
    assert.equal(probe.health, "healthy");
  });

  test("an HTTP app that does not answer within the timeout fails the probe", async () => {
    const held: import("node:http").ServerResponse[] = [];
    const app = createServer((_request, response) => {
      held.push(response);
    });
    const port = await listen(app);
    cleanup.push(async () => {
      for (const response of held) response.destroy();
      app.closeAllConnections();
      await close(app);
    });
    const clock = new ManualClock();
    const { probe, changes, nextProbe } = watchedProbe(port, { kind: "http", path: "/" }, clock, {
      failureThreshold: 1,
    });
    cleanup.push(() => probe.close());
    probe.start();
    await clock.runDue();
    // The request reaches the app (which holds it) before the timeout is let run.
    while (held.length === 0) await new Promise((resolve) => app.once("request", resolve));
    const outcome = await nextProbe(500);
    assert.equal(outcome.ok, false);
    assert.match(outcome.reason ?? "", /500 ms/);
    assert.deepEqual(changes, ["unhealthy"]);
  });

  test("a tcp check is healthy while the app accepts connections and unhealthy once it stops", async () => {
    const app = createTcpServer((socket) => socket.destroy());
    const port = await listen(app);
    const clock = new ManualClock();
    const { probe, changes, nextProbe } = watchedProbe(port, { kind: "tcp" }, clock);
    cleanup.push(() => probe.close());
    probe.start();
    assert.deepEqual(await nextProbe(0), { ok: true });
    assert.deepEqual(changes, ["healthy"], "the default success threshold is one");

    await close(app);
    for (let i = 0; i < 2; i++) assert.equal((await nextProbe(1_000)).ok, false);
    assert.deepEqual(changes, ["healthy"], "two failures are below the default threshold of three");
    assert.equal((await nextProbe(1_000)).ok, false);
    assert.deepEqual(changes, ["healthy", "unhealthy"]);
  });

  test("close stops the loop: no timer is left and no probe runs afterwards", async () => {
    const app = createTcpServer((socket) => socket.destroy());
    const port = await listen(app);
    cleanup.push(() => close(app));
    const clock = new ManualClock();
    const { probe, nextProbe } = watchedProbe(port, { kind: "tcp" }, clock);
    probe.start();
    await nextProbe(0);
    assert.equal(clock.pendingCount, 1, "the next probe is scheduled");
    probe.close();
    assert.equal(clock.pendingCount, 0);
    await clock.advance(10_000);
    assert.equal(clock.pendingCount, 0);
  });
});
