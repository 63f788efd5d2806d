import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { test } from "node:test";
import { type ListenerHandler, ListenerManager } from "../../../data-plane/src/listeners/index.js";
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

test("every accepted connection is reported with its listener's name, and sockets run without Nagle", async () => {
  const opened: string[] = [];
  const manager = new ListenerManager({ connectionOpened: (name) => opened.push(name) });
  let noDelay: boolean | undefined;
  const handler: ListenerHandler = (req, res) => {
    // Node 20 exposes no getter for TCP_NODELAY; the server option is what sets it, so check that
    // the accepted socket was created by a server asking for it.
    noDelay = (req.socket as unknown as { server?: { noDelay?: boolean } }).server?.noDelay;
    res.end("ok");
  };
  await manager.apply(new Map([["web", spec(handler)]]));
  const port = manager.address("web")?.port ?? 0;
  const agent = new http.Agent({ keepAlive: false });
  await h1Get(port, agent);
  await h1Get(port, agent);
  assert.deepEqual(opened, ["web", "web"]);
  assert.equal(noDelay, true);
  agent.destroy();
  await manager.close();
});

test("codec_type HTTP1 or HTTP2 serves only that protocol; AUTO serves both; a codec change applies to new connections", async () => {
  const manager = new ListenerManager();
  const only = (codec: "http1" | "http2") => new Map([["web", { ...spec(taggedHandler("A")), codec }]]);
  await manager.apply(only("http2"));
  const port = manager.address("web")?.port ?? 0;
  const h2 = http2.connect(`http://127.0.0.1:${port}`);
  assert.equal((await h2Get(h2)).status, 200);
  h2.close();
  const agent = new http.Agent({ keepAlive: false });
  await assert.rejects(h1Get(port, agent), "HTTP/1.1 is not spoken on an HTTP/2-only listener");

  await manager.apply(only("http1"));
  assert.equal((await h1Get(port, agent)).status, 200);
  const refused = http2.connect(`http://127.0.0.1:${port}`);
  refused.on("error", () => undefined);
  await assert.rejects(h2Get(refused), "HTTP/2 is not spoken on an HTTP/1.1-only listener");
  refused.destroy();
  agent.destroy();
  await manager.close();
});
