import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { staticCluster } from "../upstream/backends.js";
import {
  h1Request,
  h2Request,
  routeTo,
  type Server,
  startHttp2Backend,
  startHttpBackend,
  startProxy,
  type TestProxy,
} from "./harness.js";

const MiB = 1024 * 1024;

/** A backend that answers a POST with the body's length and sha256, and a GET /big with 8 MiB. */
function hashingBackend(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === "/big") {
    res.setHeader("content-length", String(8 * MiB));
    const chunk = Buffer.alloc(64 * 1024, 7);
    let left = 128;
    const pump = (): void => {
      while (left > 0) {
        left--;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  const hash = createHash("sha256");
  let length = 0;
  req.on("data", (chunk: Buffer) => {
    length += chunk.length;
    hash.update(chunk);
  });
  req.on("end", () => res.end(`${length} ${hash.digest("hex")}`));
}

describe("request and response bodies", () => {
  let h1: Server;
  let h2: Server;
  let proxy: TestProxy;
  const payload = Buffer.alloc(4 * MiB + 123, "weft");
  const expected = `${payload.length} ${createHash("sha256").update(payload).digest("hex")}`;

  before(async () => {
    h1 = await startHttpBackend(hashingBackend);
    h2 = await startHttp2Backend((stream, headers) => {
      const hash = createHash("sha256");
      let length = 0;
      stream.on("data", (chunk: Buffer) => {
        length += chunk.length;
        hash.update(chunk);
      });
      stream.on("end", () => {
        stream.respond({ ":status": 200, "x-method": String(headers[":method"]) });
        stream.end(`${length} ${hash.digest("hex")}`);
      });
    });
    proxy = await startProxy({
      table: undefined,
      routes: [{ match: { prefix: "/h2" }, route: { cluster: "h2" } }, routeTo("h1")],
      clusters: [
        staticCluster("h1", { host: "127.0.0.1", port: h1.port, weight: 1, health: "HEALTHY" }),
        { ...staticCluster("h2", { host: "127.0.0.1", port: h2.port, weight: 1, health: "HEALTHY" }), http2: true },
      ],
    });
  });
  after(async () => {
    await proxy.close();
    await Promise.all([h1.close(), h2.close()]);
  });

  it("streams a large HTTP/1.1 request body to the upstream intact, counting its bytes", async () => {
    const record = proxy.nextRecord();
    const reply = await h1Request(proxy.port, { method: "POST", path: "/upload", body: payload });
    assert.equal(reply.body.toString(), expected);
    assert.equal((await record).bytesReceived, payload.length);
  });

  it("streams a chunked request body of unknown length", async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: proxy.port, method: "PUT", path: "/c", agent: false },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.write("hello ");
      setTimeout(() => req.end("world"), 20);
    });
    assert.equal(reply, `11 ${createHash("sha256").update("hello world").digest("hex")}`);
  });

  it("streams a large response to a slow reader with backpressure, counting its bytes", async () => {
    const record = proxy.nextRecord();
    const received = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port: proxy.port, path: "/big", agent: false }, (res) => {
          let total = 0;
          res.on("data", (chunk: Buffer) => {
            total += chunk.length;
            // Read slowly at first so the proxy's downstream buffer fills and it must pause.
            if (total < MiB) {
              res.pause();
              setTimeout(() => res.resume(), 2);
            }
          });
          res.on("end", () => resolve(total));
        })
        .on("error", reject);
    });
    assert.equal(received, 8 * MiB);
    assert.equal((await record).bytesSent, 8 * MiB);
  });

  it("forwards an HTTP/2 client's request body to an HTTP/1.1 upstream", async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
    after(() => session.close());
    const record = proxy.nextRecord();
    const reply = await h2Request(session, { ":method": "POST", ":path": "/upload" }, payload);
    assert.equal(reply.headers[":status"], 200);
    assert.equal(reply.body.toString(), expected);
    const r = await record;
    assert.equal(r.protocol, "HTTP/2");
    assert.equal(r.bytesReceived, payload.length);
  });

  it("speaks HTTP/2 to an HTTP/2 cluster, with bodies both ways", async () => {
    const record = proxy.nextRecord();
    const reply = await h1Request(proxy.port, { method: "POST", path: "/h2/upload", body: payload });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["x-method"], "POST");
    assert.equal(reply.body.toString(), expected);
    const r = await record;
    assert.equal(r.cluster, "h2");
    assert.equal(r.upstreamAddress, `127.0.0.1:${h2.port}`);
    assert.equal(r.protocol, "HTTP/1.1");
  });

  it("forwards an HTTP/2 GET without a body to an HTTP/2 cluster", async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
    after(() => session.close());
    const reply = await h2Request(session, { ":path": "/h2/get" });
    assert.equal(reply.headers[":status"], 200);
    assert.equal(reply.body.toString(), `0 ${createHash("sha256").digest("hex")}`);
  });
});
