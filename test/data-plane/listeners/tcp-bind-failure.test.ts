import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { ListenerErrorCode, ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { taggedEcho, tcpSpec } from "./tcp-helpers.js";

test("a TCP listener whose port is taken fails alone, with WEFT_PROXY_LISTENER_BIND", async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  const address = squatter.address();
  assert.ok(address !== null && typeof address === "object");

  const manager = new ListenerManager();
  const result = await manager.apply(
    new Map([
      ["blocked", tcpSpec(taggedEcho("X"), address.port)],
      ["ok", tcpSpec(taggedEcho("A"))],
    ]),
  );
  assert.deepEqual(result.added, ["ok"]);
  const error = result.failed.get("blocked");
  assert.equal(error?.code, ListenerErrorCode.bind);
  assert.equal(error?.listener, "blocked");
  assert.equal(error?.syscallCode, "EADDRINUSE");
  assert.equal(manager.address("blocked"), undefined);
  assert.deepEqual(manager.names(), ["ok"]);

  await new Promise<void>((resolve) => squatter.close(() => resolve()));
  await manager.close();
});
