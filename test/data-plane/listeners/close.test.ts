import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { h1Get, h2Get, spec, taggedHandler } from "./helpers.js";

function handles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== "TTYWrap")
    .sort();
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
  assert.deepEqual(handles(), before);
});
