import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { h1Get, h2Get, spec, taggedHandler } from "./helpers.js";

test("an added listener serves HTTP/1.1 and HTTP/2 prior knowledge on the same port", async () => {
  const manager = new ListenerManager();
  const result = await manager.apply(new Map([["web", spec(taggedHandler("A"))]]));
  assert.deepEqual(result.added, ["web"]);
  assert.equal(result.failed.size, 0);
  const port = manager.address("web")?.port ?? 0;
  assert.ok(port > 0);

  const agent = new http.Agent({ keepAlive: true });
  const h1 = await h1Get(port, agent);
  assert.equal(h1.status, 200);
  assert.match(h1.body, /^A \d+$/);
  agent.destroy();

  const session = http2.connect(`http://127.0.0.1:${port}`);
  const h2 = await h2Get(session);
  assert.equal(h2.status, 200);
  assert.match(h2.body, /^A \d+$/);
  session.close();

  await manager.close();
});
