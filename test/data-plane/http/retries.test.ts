import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http2 from "node:http2";
import { createServer } from "node:net";
import { afterEach, describe, it } from "node:test";
import type { RuntimeCluster, RuntimeEndpoint } from "../../../data-plane/src/config/index.js";
import { staticCluster } from "../upstream/backends.js";
import { h1Request, h2Request, routeTo, type Server, startHttp2Backend, startHttpBackend } from "./harness.js";
import { type RetryProxy, startRetryProxy } from "./retry-harness.js";

const local = (port: number): RuntimeEndpoint => ({ host: "127.0.0.1", port, weight: 1, health: "HEALTHY" });

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("retries", () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const backend = async (...args: Parameters<typeof startHttpBackend>): Promise<Server> => {
    const server = await startHttpBackend(...args);
    open.push(server);
    return server;
  };
  const proxy = async (retryPolicy: Record<string, unknown>, ...clusters: RuntimeCluster[]): Promise<RetryProxy> => {
    const p = await startRetryProxy({ routes: [routeTo("web", { retry_policy: retryPolicy })], clusters });
    open.push(p);
    return p;
  };

  it("masks a backend that fails twice with 503 before answering 200", async () => {
    let calls = 0;
    const b = await backend((_req, res) => {
      calls++;
      res.statusCode = calls <= 2 ? 503 : 200;
      res.end(`attempt ${calls}`);
    });
    const p = await proxy({ retry_on: "5xx", num_retries: 2 }, staticCluster("web", local(b.port)));
    const record = p.nextRecord();
    const reply = await h1Request(p.port);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), "attempt 3");
    assert.deepEqual((await record).responseFlags, []);
    assert.deepEqual(p.retried, ["web", "web"]);
    assert.deepEqual(
      p.outcomes.map((o) => o.outcome),
      [
        { kind: "response", status: 503 },
        { kind: "response", status: 503 },
        { kind: "response", status: 200 },
      ],
    );
  });

  it("retries on another endpoint: with one of two endpoints always 503, every request succeeds", async () => {
    const bad = await backend((_req, res) => {
      res.statusCode = 503;
      res.end("bad");
    });
    const good = await backend((_req, res) => res.end("good"));
    const p = await proxy({ retry_on: "5xx" }, staticCluster("web", local(bad.port), local(good.port)));
    for (let i = 0; i < 6; i++) {
      const reply = await h1Request(p.port);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.toString(), "good");
    }
    for (const avoid of p.avoided) assert.ok(avoid.length === 0 || avoid[0] === `127.0.0.1:${bad.port}`);
    assert.ok(
      p.avoided.some((avoid) => avoid.length === 1),
      "a retry asked to avoid the endpoint tried",
    );
  });

  it("retries a connect failure on a live endpoint (connect-failure)", async () => {
    const live = await backend((_req, res) => res.end("live"));
    const dead = await deadPort();
    const p = await proxy({ retry_on: "connect-failure" }, staticCluster("web", local(dead), local(live.port)));
    const record = p.nextRecord();
    const reply = await h1Request(p.port);
    assert.equal(reply.status, 200);
    assert.equal((await record).upstreamAddress, `127.0.0.1:${live.port}`);
    assert.deepEqual(p.outcomes[0]?.outcome, { kind: "connectFailure" });
  });

  it("retries a reset before the response (reset)", async () => {
    let calls = 0;
    const b = await backend((req, res) => {
      calls++;
      if (calls === 1) req.socket.destroy();
      else res.end("second");
    });
    const p = await proxy({ retry_on: "reset" }, staticCluster("web", local(b.port)));
    const reply = await h1Request(p.port);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), "second");
    assert.deepEqual(p.outcomes[0]?.outcome, { kind: "reset" });
  });

  it("retriable-4xx retries 409 and not 404", async () => {
    const statuses = [409, 200, 404, 200];
    const b = await backend((_req, res) => {
      res.statusCode = statuses.shift() ?? 500;
      res.end();
    });
    const p = await proxy({ retry_on: "retriable-4xx" }, staticCluster("web", local(b.port)));
    assert.equal((await h1Request(p.port)).status, 200);
    assert.equal((await h1Request(p.port)).status, 404);
    assert.equal(statuses.length, 1);
  });

  it("retriable-status-codes retries only the listed statuses", async () => {
    const statuses = [418, 200, 503, 200];
    const b = await backend((_req, res) => {
      res.statusCode = statuses.shift() ?? 500;
      res.end();
    });
    const p = await proxy(
      { retry_on: "retriable-status-codes", retriable_status_codes: [418] },
      staticCluster("web", local(b.port)),
    );
    assert.equal((await h1Request(p.port)).status, 200);
    assert.equal((await h1Request(p.port)).status, 503);
    assert.equal(statuses.length, 1);
  });

  it("passes the last response through, flagged URX, when num_retries is used up", async () => {
    let calls = 0;
    const b = await backend((_req, res) => {
      calls++;
      res.statusCode = 503;
      res.end(`attempt ${calls}`);
    });
    const p = await proxy({ retry_on: "5xx", num_retries: 2 }, staticCluster("web", local(b.port)));
    const record = p.nextRecord();
    const reply = await h1Request(p.port);
    assert.equal(reply.status, 503);
    assert.equal(reply.body.toString(), "attempt 3");
    const r = await record;
    assert.deepEqual(r.responseFlags, ["URX"]);
    assert.equal(r.upstreamAddress, `127.0.0.1:${b.port}`);
    assert.deepEqual(p.exhausted, ["web"]);
  });

  it("does not retry once response headers have gone downstream", async () => {
    let calls = 0;
    const b = await backend((_req, res) => {
      calls++;
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const p = await proxy({ retry_on: "5xx,reset", num_retries: 3 }, staticCluster("web", local(b.port)));
    const record = p.nextRecord();
    await h1Request(p.port).catch(() => undefined);
    const r = await record;
    assert.equal(r.status, 200);
    assert.ok(r.responseFlags.includes("UR"));
    assert.equal(calls, 1);
  });

  it("retries an attempt past per_try_timeout within the route timeout", async () => {
    let calls = 0;
    const b = await backend((_req, res) => {
      calls++;
      if (calls === 1) setTimeout(() => res.end("late"), 1000);
      else res.end("quick");
    });
    const p = await startRetryProxy({
      routes: [routeTo("web", { timeout: "3s", retry_policy: { retry_on: "5xx", per_try_timeout: "0.1s" } })],
      clusters: [staticCluster("web", local(b.port))],
    });
    open.push(p);
    const reply = await h1Request(p.port);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), "quick");
    assert.deepEqual(p.outcomes[0]?.outcome, { kind: "timeout" });
  });

  it("the route timeout bounds every attempt together: 504 UT", async () => {
    const b = await backend((_req, res) => {
      setTimeout(() => res.end("late"), 1000);
    });
    const p = await startRetryProxy({
      routes: [
        routeTo("web", {
          timeout: "0.25s",
          retry_policy: { retry_on: "5xx", per_try_timeout: "0.1s", num_retries: 10 },
        }),
      ],
      clusters: [staticCluster("web", local(b.port))],
    });
    open.push(p);
    const record = p.nextRecord();
    const reply = await h1Request(p.port);
    assert.equal(reply.status, 504);
    assert.ok((await record).responseFlags.includes("UT"));
    // 0.25 s holds at most three 0.1 s tries (backoff only lowers that), far from the ten retries allowed.
    assert.ok(p.outcomes.length <= 3, `${p.outcomes.length} attempts ended`);
    assert.ok(
      p.outcomes.every(({ outcome }) => outcome.kind === "timeout"),
      "every attempt ended at its per-try timeout or the route's",
    );
  });

  it("replays a request body under the limit intact", async () => {
    const hashes: string[] = [];
    let calls = 0;
    const b = await backend((req, res) => {
      const hash = createHash("sha256");
      req.on("data", (chunk: Buffer) => hash.update(chunk));
      req.on("end", () => {
        hashes.push(hash.digest("hex"));
        calls++;
        res.statusCode = calls === 1 ? 503 : 200;
        res.end();
      });
    });
    const p = await proxy({ retry_on: "5xx" }, staticCluster("web", local(b.port)));
    const body = Buffer.alloc(40_000, "abc");
    const record = p.nextRecord();
    const reply = await h1Request(p.port, { method: "POST", body });
    assert.equal(reply.status, 200);
    const expected = createHash("sha256").update(body).digest("hex");
    assert.deepEqual(hashes, [expected, expected]);
    assert.equal((await record).bytesReceived, body.length);
  });

  it("does not retry a request whose body passed the replay limit: one upstream attempt", async () => {
    let calls = 0;
    const b = await backend((req, res) => {
      req.resume();
      req.on("end", () => {
        calls++;
        res.statusCode = 503;
        res.end();
      });
    });
    const p = await proxy({ retry_on: "5xx", num_retries: 3 }, staticCluster("web", local(b.port)));
    const reply = await h1Request(p.port, { method: "POST", body: Buffer.alloc(100_000, 1) });
    assert.equal(reply.status, 503);
    assert.equal(calls, 1);
    assert.deepEqual(p.retried, []);
  });

  it("retries gRPC UNAVAILABLE in trailers-only form, and not a status it was not asked to", async () => {
    const statuses = ["14", "0", "5"];
    let calls = 0;
    const b = await startHttp2Backend((stream) => {
      calls++;
      const status = statuses.shift() ?? "13";
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": status },
        { endStream: true },
      );
    });
    open.push(b);
    const cluster = { ...staticCluster("web", local(b.port)), http2: true };
    const p = await proxy({ retry_on: "unavailable" }, cluster);
    const session = http2.connect(`http://127.0.0.1:${p.port}`);
    try {
      const headers = { ":method": "POST", ":path": "/svc/M", "content-type": "application/grpc", te: "trailers" };
      const first = await h2Request(session, headers, Buffer.from([0, 0, 0, 0, 0]));
      assert.equal(first.headers["grpc-status"], "0");
      const second = await h2Request(session, headers, Buffer.from([0, 0, 0, 0, 0]));
      assert.equal(second.headers["grpc-status"], "5");
      assert.equal(calls, 3);
    } finally {
      session.close();
    }
  });
});
