import assert from "node:assert/strict";
import http2 from "node:http2";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { gate, h2Get, spec, taggedHandler } from "./helpers.js";

test("a removed listener sends HTTP/2 GOAWAY and lets the in-flight stream finish", async () => {
  const manager = new ListenerManager();
  const slow = gate();
  const arrived = gate();
  await manager.apply(new Map([["web", spec(taggedHandler("A", { wait: slow.wait, onSlow: arrived.open }))]]));
  const port = manager.address("web")?.port ?? 0;

  const session = http2.connect(`http://127.0.0.1:${port}`);
  const goaway = new Promise((resolve) => session.once("goaway", resolve));
  const sessionClosed = new Promise((resolve) => session.once("close", resolve));
  const inFlight = h2Get(session, "/slow");
  await arrived.wait;

  const result = await manager.apply(new Map());
  await goaway;

  slow.open();
  const reply = await inFlight;
  assert.equal(reply.status, 200);
  assert.match(reply.body, /^A \d+$/);

  await result.drained;
  await sessionClosed;
  await manager.close();
});
