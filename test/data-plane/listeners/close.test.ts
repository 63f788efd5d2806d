import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { h1Get, h2Get, spec, taggedHandler } from "./helpers.js";

/**
 * Active handles by kind, left out those no listener makes: terminals, and file-system requests
 * (the test runner and tsx's cache write files while the test runs).
 */
const IGNORED = new Set(["TTYWrap", "FSReqCallback", "FSReqPromise"]);

function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (!IGNORED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

test("close() drains every listener and leaves no handles behind", async () => {
  const before = handles();
  const manager = new ListenerManager();
  await manager.apply(
    new Map([
      ["a", spec(taggedHandler("A"))],
      ["b", spec(taggedHandler("B"))],
    ]),
  );
  const agent = new http.Agent({ keepAlive: true });
  await h1Get(manager.address("a")?.port ?? 0, agent);
  const session = http2.connect(`http://127.0.0.1:${manager.address("b")?.port ?? 0}`);
  await h2Get(session);
  const sessionClosed = new Promise((resolve) => session.once("close", resolve));

  await manager.close();
  await sessionClosed;
  agent.destroy();
  assert.deepEqual(manager.names(), []);
  await new Promise((resolve) => setImmediate(resolve));
  // None more of any kind than before: the test runner's own handles may have ended meanwhile
  // (on Node 24 its connections still being set up at the start are gone by now).
  const after = handles();
  for (const [kind, count] of after) assert.ok(count <= (before.get(kind) ?? 0), `${count} ${kind} left open`);
});
