// The default request (httpProbe) against real backends on 127.0.0.1, driven by a HealthChecker on
// real timers with short intervals; a test waits for the checker to report a changed verdict.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createH2cServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import type { RuntimeHealthCheck } from "../../../data-plane/src/config/index.js";
import { HealthChecker, httpProbe } from "../../../data-plane/src/upstream/health/index.js";
import { type ChangeSource, until } from "../../until.js";
import { FakeTarget } from "./fake-time.js";

interface Seen {
  readonly path: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

function check(http2: boolean): RuntimeHealthCheck {
  return {
    timeoutMs: 500,
    intervalMs: 20,
    intervalJitterMs: 0,
    intervalJitterPercent: 0,
    initialJitterMs: 0,
    unhealthyIntervalMs: 20,
    unhealthyEdgeIntervalMs: 20,
    healthyEdgeIntervalMs: 20,
    unhealthyThreshold: 2,
    healthyThreshold: 2,
    altPort: undefined,
    http: {
      path: "/healthz?deep=1",
      host: "health.local",
      method: "GET",
      http2,
      expectedStatuses: [{ start: 200, end: 201 }],
      retriableStatuses: [{ start: 503, end: 504 }],
      requestHeaders: [["x-probe", "weft"]],
      requestHeadersToRemove: [],
    },
  };
}

async function listen(server: Server | Http2Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function flipsBothWays(http2: boolean): Promise<void> {
  let status = 200;
  const seen: Seen[] = [];
  const server = http2
    ? createH2cServer((req, res) => {
        seen.push({ path: req.url, headers: req.headers });
        res.writeHead(status).end("ok");
      })
    : createServer((req, res) => {
        seen.push({ path: req.url, headers: req.headers });
        res.writeHead(status).end("ok");
      });
  const port = await listen(server);
  const target = new FakeTarget(`127.0.0.1:${port}`);
  const results: boolean[] = [];
  const listeners = new Set<() => void>();
  const verdicts: ChangeSource = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const checker = new HealthChecker({
    cluster: "backend",
    check: check(http2),
    targets: () => [target],
    onResult: (_address, healthy) => results.push(healthy),
    onChange: () => {
      for (const listener of [...listeners]) listener();
    },
  });
  try {
    assert.equal(target.activeHealthFailed, true, "pending until the first check passes");
    await until([verdicts], () => !target.activeHealthFailed, "first check passes");
    const [first] = seen;
    assert.equal(first?.path, "/healthz?deep=1");
    assert.equal(http2 ? first?.headers[":authority"] : first?.headers.host, "health.local");
    assert.equal(first?.headers["user-agent"], "Weft/HC");
    assert.equal(first?.headers["x-probe"], "weft");

    status = 503;
    const failuresFrom = results.length;
    await until([verdicts], () => target.activeHealthFailed, "fails after the threshold");
    assert.deepEqual(results.slice(failuresFrom), [false, false], "two retriable failures, not one");

    status = 200;
    const passesFrom = results.length;
    await until([verdicts], () => !target.activeHealthFailed, "passes again after the threshold");
    assert.deepEqual(results.slice(passesFrom), [true, true]);
  } finally {
    checker.close();
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("HealthChecker with httpProbe on real backends", () => {
  it("over HTTP/1.1: a backend turning 503 fails after the threshold and returns after passes", () =>
    flipsBothWays(false));

  it("over h2c: the same, with :authority from http_health_check.host", () => flipsBothWays(true));

  it("httpProbe rejects when nothing listens, and when aborted", async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const probe = {
      host: "127.0.0.1",
      port,
      method: "GET",
      path: "/",
      authority: "x",
      headers: {},
      http2: false,
      signal: new AbortController().signal,
    };
    await assert.rejects(httpProbe(probe), { code: "ECONNREFUSED" });
    await assert.rejects(httpProbe({ ...probe, http2: true }), { code: "ECONNREFUSED" });

    const silent = createServer(() => {});
    const silentPort = await listen(silent);
    try {
      for (const http2 of [false, true]) {
        const controller = new AbortController();
        // Given up once the server has the connection (it never answers).
        silent.once("connection", () => controller.abort(new Error("timed out")));
        const pending = httpProbe({ ...probe, port: silentPort, http2, signal: controller.signal });
        await assert.rejects(pending);
      }
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
