import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import { gate, h1Get, spec, taggedHandler } from "./helpers.js";

test("an update in place keeps the port and keep-alive connections; in-flight requests keep the old handler", async () => {
  const manager = new ListenerManager();
  const slow = gate();
  const arrived = gate();
  await manager.apply(new Map([["web", spec(taggedHandler("A", { wait: slow.wait, onSlow: arrived.open }))]]));
  const port = manager.address("web")?.port ?? 0;

  const keep = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const other = new http.Agent({ keepAlive: true });
  const first = await h1Get(port, keep);
  const [tagBefore, clientPort] = first.body.split(" ");
  assert.equal(tagBefore, "A");

  const inFlight = h1Get(port, other, "/slow");
  await arrived.wait;

  const result = await manager.apply(new Map([["web", spec(taggedHandler("B"))]]));
  assert.deepEqual(result.updated, ["web"]);
  assert.deepEqual(result.added, []);
  assert.equal(manager.address("web")?.port, port);

  const second = await h1Get(port, keep);
  assert.equal(second.body, `B ${clientPort}`, "same keep-alive connection, new handler");

  slow.open();
  const slowReply = await inFlight;
  assert.equal(slowReply.status, 200);
  assert.match(slowReply.body, /^A \d+$/, "the in-flight request finished on the handler it started with");

  keep.destroy();
  other.destroy();
  await manager.close();
});
