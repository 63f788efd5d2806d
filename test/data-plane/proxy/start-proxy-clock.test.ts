// startProxy's one `clock` option: the proxy's own timers run on it, so a test moves them by hand.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import pino from "pino";
import { startProxy } from "../../../data-plane/src/proxy/main.js";
import { freePort } from "../../ports.js";
import { ManualClock } from "../../time/manual-clock.js";

/** A debug-level logger whose lines a test can wait for by message. */
function recordingLogger() {
  const messages: string[] = [];
  const waiters: { message: string; count: number; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() === "") continue;
        messages.push((JSON.parse(line) as { msg: string }).msg);
      }
      for (const waiter of [...waiters]) {
        if (messages.filter((m) => m === waiter.message).length < waiter.count) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      callback();
    },
  });
  const logged = (message: string, count = 1): Promise<void> =>
    messages.filter((m) => m === message).length >= count
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ message, count, resolve }));
  return { logger: pino({ level: "debug" }, stream), messages, logged };
}

test("startProxy runs the xDS client's reconnect backoff on the clock it is given", async () => {
  const clock = new ManualClock();
  const { logger, logged } = recordingLogger();
  const proxy = await startProxy({
    node: { id: "clocked", cluster: "test", userAgentVersion: "0.0.0" },
    xdsServers: [`127.0.0.1:${await freePort()}`],
    delta: false,
    admin: { host: "127.0.0.1", port: 0 },
    accessLog: "off",
    logger,
    clock,
  });
  try {
    await logged("reconnecting to control plane");
    assert.equal(clock.pendingCount, 1, "the first retry waits on the manual clock");
    const [delayMs = 0] = clock.delays();
    await clock.advance(delayMs - 1);
    assert.equal(clock.pendingCount, 1, "no retry 1 ms before its delay");
    await clock.advance(1);
    await logged("reconnecting to control plane", 2);
    assert.equal(clock.pendingCount, 1, "the second retry waits on the manual clock too");
  } finally {
    await proxy.close();
  }
  assert.equal(clock.pendingCount, 0, "close() cancels the pending retry");
});
