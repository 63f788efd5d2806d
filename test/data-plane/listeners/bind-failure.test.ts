import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import { ListenerErrorCode, ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { h1Get, spec, taggedHandler } from "./helpers.js";

test("a port taken by another server fails that listener alone, with WEFT_PROXY_LISTENER_BIND", async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  const address = squatter.address();
  assert.ok(address !== null && typeof address === "object");
  const taken = address.port;

  const manager = new ListenerManager();
  const result = await manager.apply(
    new Map([
      ["blocked", spec(taggedHandler("X"), taken)],
      ["ok", spec(taggedHandler("A"))],
    ]),
  );
  assert.deepEqual(result.added, ["ok"]);
  const error = result.failed.get("blocked");
  assert.equal(error?.code, ListenerErrorCode.bind);
  assert.equal(error?.code, "WEFT_PROXY_LISTENER_BIND");
  assert.equal(error?.listener, "blocked");
  assert.equal(error?.syscallCode, "EADDRINUSE");
  assert.match(error?.message ?? "", /blocked.*127\.0\.0\.1:\d+/);
  assert.equal(manager.address("blocked"), undefined);

  const agent = new http.Agent();
  const reply = await h1Get(manager.address("ok")?.port ?? 0, agent);
  assert.match(reply.body, /^A /);
  agent.destroy();

  // Once the port is free, applying again binds it.
  await new Promise<void>((resolve) => squatter.close(() => resolve()));
  const retry = await manager.apply(
    new Map([
      ["blocked", spec(taggedHandler("X"), taken)],
      ["ok", spec(taggedHandler("A"))],
    ]),
  );
  assert.deepEqual(retry.added, ["blocked"]);
  assert.deepEqual(retry.updated, ["ok"]);
  assert.equal(manager.address("blocked")?.port, taken);

  await manager.close();
});
