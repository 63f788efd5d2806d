// What the API writes to its log: nothing per request at info (clients poll, and those lines would
// drown the rest), a line per request at debug, and a served 5xx at warn or above.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import pino from "pino";
import { buildApi } from "../../../control-plane/src/api/app.js";
import { Metrics } from "../../../control-plane/src/metrics.js";
import type { StoreState } from "../../../control-plane/src/store/config-store.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";
import { FakeProxies, staticCluster } from "./harness.js";

/** A store whose reads fail: every list is a 5xx. */
class FailingStore extends MemoryStore {
  override async current(): Promise<StoreState> {
    throw new Error("disk on fire");
  }
}

/** pino's numeric levels. */
const DEBUG = 20;
const WARN = 40;

interface LogLine {
  level: number;
  msg: string;
}

/** An API listening on 127.0.0.1 whose logger (at `level`) writes into `lines`. */
async function loggedApi(level: string, store = new MemoryStore()) {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString("utf8").split("\n")) if (text !== "") lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const app = buildApi({
    store,
    proxies: new FakeProxies(),
    metrics: new Metrics(),
    logger: pino({ level }, sink),
    ready: () => true,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  // What listen() itself logs is not a request's line.
  lines.length = 0;
  return {
    lines,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** A few requests of every outcome a client's polling sees: 200, 404, 400, a write. */
async function someRequests(base: string): Promise<void> {
  const statuses: number[] = [];
  for (const [method, path, body] of [
    ["GET", "/v1/resources/clusters", undefined],
    ["GET", "/v1/proxies", undefined],
    ["GET", "/v1/resources/clusters/missing", undefined],
    ["GET", "/v1/resources/nope", undefined],
    ["PUT", "/v1/resources/clusters/web", JSON.stringify(staticCluster("web"))],
  ] as const) {
    const response = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [200, 200, 404, 404, 200]);
}

describe("request logging", () => {
  test("at level info, served requests write no log line", async () => {
    const api = await loggedApi("info");
    try {
      await someRequests(api.base);
      assert.deepEqual(api.lines, []);
    } finally {
      await api.close();
    }
  });

  test("at level debug, every request writes a line", async () => {
    const api = await loggedApi("debug");
    try {
      await someRequests(api.base);
      assert.equal(api.lines.filter((line) => line.msg === "request").length, 5);
      assert.ok(api.lines.every((line) => line.level <= DEBUG));
    } finally {
      await api.close();
    }
  });

  test("at level info, a 5xx is still logged, at warn or above", async () => {
    const api = await loggedApi("info", new FailingStore());
    try {
      const response = await fetch(`${api.base}/v1/resources/clusters`);
      await response.arrayBuffer();
      assert.ok(response.status >= 500);
      assert.ok(api.lines.length > 0);
      assert.ok(api.lines.every((line) => line.level >= WARN));
    } finally {
      await api.close();
    }
  });
});
