// The order in which a sidecar joins and leaves the mesh, with a fake proxy, registration client
// and probe on a manual clock: what is registered when, and what happens on close, in order.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import {
  DEFAULT_DRAIN_DELAY_MS,
  INBOUND_POLL_MS,
  SidecarError,
  SidecarErrorCode,
  SidecarLifecycle,
} from "../../../data-plane/src/sidecar/index.js";
import { ManualClock, settle } from "../../time/manual-clock.js";

/** Every call the fakes receive, in order, as short words. */
function world(options: { inboundServing?: boolean; refuse?: boolean } = {}) {
  const calls: string[] = [];
  const clock = new ManualClock();
  const state = { inboundServing: options.inboundServing ?? true };
  let releaseDeregister: (() => void) | undefined;
  /** Every log line, parsed. */
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const lifecycle = new SidecarLifecycle({
    clock,
    logger,
    proxy: {
      inboundServing: () => state.inboundServing,
      close: async () => {
        calls.push("proxy.close");
      },
    },
    registration: {
      register: async (health) => {
        calls.push(`register ${health}`);
        if (options.refuse) throw new SidecarError(SidecarErrorCode.registrationRefused, "refused");
        return { name: "entry", revision: 1, changed: true };
      },
      deregister: (deadlineMs) => {
        calls.push(`deregister ${deadlineMs}`);
        return new Promise((resolve) => {
          releaseDeregister = () => resolve({ name: "entry", revision: 2 });
        });
      },
      close: () => calls.push("registration.close"),
    },
    probe: {
      start: () => calls.push("probe.start"),
      close: () => calls.push("probe.close"),
    },
  });
  return { calls, logs, clock, state, lifecycle, releaseDeregister: () => releaseDeregister?.() };
}

describe("the sidecar lifecycle", () => {
  test("start starts the probe and registers nothing before the app is first healthy", async () => {
    const { calls, lifecycle } = world();
    lifecycle.start();
    lifecycle.healthChanged("unhealthy");
    await settle();
    assert.deepEqual(calls, ["probe.start"]);
  });

  test("the instance is registered once its app is healthy, and again on each health change", async () => {
    const { calls, lifecycle } = world();
    lifecycle.healthChanged("healthy");
    lifecycle.healthChanged("unhealthy");
    lifecycle.healthChanged("healthy");
    await settle();
    assert.deepEqual(calls, ["register healthy", "register unhealthy", "register healthy"]);
  });

  test("a healthy app is registered only once the inbound listener serves", async () => {
    const { calls, clock, state, lifecycle } = world({ inboundServing: false });
    lifecycle.healthChanged("healthy");
    await clock.advance(INBOUND_POLL_MS * 5);
    assert.deepEqual(calls, []);
    state.inboundServing = true;
    await clock.advance(INBOUND_POLL_MS);
    assert.deepEqual(calls, ["register healthy"]);
  });

  test("a new xDS stream sends the registration again, only once one was sent", async () => {
    const { calls, lifecycle } = world();
    lifecycle.reconnected();
    lifecycle.healthChanged("healthy");
    lifecycle.reconnected();
    await settle();
    assert.deepEqual(calls, ["register healthy", "register healthy"]);
  });

  test("a refused registration is logged with its code and leaves the sidecar running", async () => {
    const { calls, logs, lifecycle } = world({ refuse: true });
    lifecycle.healthChanged("healthy");
    await settle();
    assert.deepEqual(calls, ["register healthy"]);
    assert.deepEqual(
      logs.filter((l) => l.level === 50).map((l) => l.code),
      [SidecarErrorCode.registrationRefused],
    );
  });

  test("each health change is logged", async () => {
    const { logs, lifecycle } = world();
    lifecycle.healthChanged("healthy");
    lifecycle.healthChanged("unhealthy");
    await settle();
    assert.deepEqual(
      logs.filter((l) => l.msg === "app health changed").map((l) => l.health),
      ["healthy", "unhealthy"],
    );
  });

  test("close stops the probe, deregisters, keeps serving for the drain delay, then closes the proxy", async () => {
    const { calls, clock, lifecycle, releaseDeregister } = world();
    lifecycle.healthChanged("healthy");
    await settle();
    let closed = false;
    const closing = lifecycle.close().then(() => {
      closed = true;
    });
    await settle();
    assert.deepEqual(calls, ["register healthy", "probe.close", "deregister 2000"]);
    releaseDeregister();
    await clock.advance(DEFAULT_DRAIN_DELAY_MS - 1);
    assert.equal(calls.includes("proxy.close"), false, "the proxy serves during the drain delay");
    await clock.advance(1);
    await closing;
    assert.equal(closed, true);
    assert.deepEqual(calls.slice(3), ["registration.close", "proxy.close"]);
  });

  test("close without a registration skips deregistering and the drain delay", async () => {
    const { calls, lifecycle } = world();
    lifecycle.healthChanged("unhealthy");
    await lifecycle.close();
    assert.deepEqual(calls, ["probe.close", "registration.close", "proxy.close"]);
  });

  test("health changes after close are not registered, and close is idempotent", async () => {
    const { calls, clock, lifecycle, releaseDeregister } = world();
    lifecycle.healthChanged("healthy");
    await settle();
    const first = lifecycle.close();
    assert.equal(lifecycle.close(), first);
    lifecycle.healthChanged("unhealthy");
    lifecycle.reconnected();
    releaseDeregister();
    await clock.advance(DEFAULT_DRAIN_DELAY_MS);
    await first;
    assert.deepEqual(
      calls.filter((c) => c.startsWith("register ")),
      ["register healthy"],
    );
  });
});
