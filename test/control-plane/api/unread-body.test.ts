// Bodies over the limit, over a real socket on 127.0.0.1: every client reads a whole 413 (undici,
// Node's fetch, curl, node:http), with and without Expect: 100-continue, declared or chunked; and
// the server drains what it does not read only within its byte and time bounds.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { DEFAULT_BODY_LIMIT } from "../../../control-plane/src/api/app.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { type Harness, harness, staticCluster } from "./harness.js";

const BIG = 10 * 1024 * 1024;

/** The four ways a body reaches the API. */
const TARGETS = [
  { method: "PUT", path: "/v1/resources/clusters/big", type: "application/json" },
  { method: "PUT", path: "/v1/resources/clusters/big", type: "application/yaml" },
  { method: "POST", path: "/v1/apply", type: "application/json" },
  { method: "POST", path: "/v1/apply", type: "application/yaml" },
] as const;

let h: Harness;
let base: string;
let port: number;
const dir = mkdtempSync(join(tmpdir(), "weft-unread-body-"));
const bigFile = join(dir, "big.body");
const bigBody = Buffer.alloc(BIG, "x");

before(async () => {
  writeFileSync(bigFile, bigBody);
  h = await harness({});
  await h.app.listen({ host: "127.0.0.1", port: 0 });
  const address = h.app.server.address();
  assert.ok(address !== null && typeof address === "object");
  port = address.port;
  base = `http://127.0.0.1:${port}`;
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Asserts a 413 answer: the API's code, and the limit named in the message. */
function assertTooLarge(status: number, text: string, what: string): void {
  assert.equal(status, 413, `${what}: ${status} ${text}`);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  assert.equal(body.error.code, ErrorCode.bodyTooLarge, what);
  assert.ok(body.error.message.includes(String(DEFAULT_BODY_LIMIT)), `${what}: the limit is named`);
}

interface CurlRun {
  readonly status: number;
  readonly body: string;
  readonly trace: string;
}

/** Runs curl (spawned, stopped by its PID if it outlives 20 s) and reads the status it printed last. */
function curl(args: readonly string[]): Promise<CurlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", "-v", "-o", "-", "-w", "\n%{http_code}", ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => process.kill(child.pid ?? 0, "SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${stderr}`));
      const cut = stdout.lastIndexOf("\n");
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), trace: stderr });
    });
  });
}

describe("a body over the limit gets a whole 413, not a reset", () => {
  test("undici reads the 413 for a declared 10 MB body, for JSON, YAML, PUT and apply", async () => {
    for (const target of TARGETS) {
      const response = await request(`${base}${target.path}`, {
        method: target.method,
        headers: { "content-type": target.type },
        body: bigBody,
      });
      assertTooLarge(response.statusCode, await response.body.text(), `${target.method} ${target.type}`);
      assert.equal(response.headers.connection, "close");
    }
  });

  test("Node's fetch reads the 413 for a declared 10 MB body, for JSON, YAML, PUT and apply", async () => {
    for (const target of TARGETS) {
      const response = await fetch(`${base}${target.path}`, {
        method: target.method,
        headers: { "content-type": target.type },
        body: bigBody,
      });
      assertTooLarge(response.status, await response.text(), `${target.method} ${target.type}`);
    }
  });

  test("curl reads the 413 with and without Expect: 100-continue, and gets no 100 Continue", async () => {
    for (const target of TARGETS) {
      for (const expect of ["Expect: 100-continue", "Expect:"]) {
        const run = await curl([
          "-X",
          target.method,
          "-H",
          `content-type: ${target.type}`,
          "-H",
          expect,
          "--data-binary",
          `@${bigFile}`,
          `${base}${target.path}`,
        ]);
        const what = `${target.method} ${target.type} ${expect}`;
        assertTooLarge(run.status, run.body, what);
        assert.doesNotMatch(run.trace, /< HTTP\/1\.1 100 Continue/, what);
      }
    }
  });

  test("a chunked body that passes the limit gets the 413, from undici and from curl", async () => {
    async function* chunks() {
      for (let i = 0; i < 100; i++) yield Buffer.alloc(100 * 1024, "x");
    }
    const streamed = await request(`${base}/v1/apply`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Readable.from(chunks()),
    });
    assertTooLarge(streamed.statusCode, await streamed.body.text(), "undici chunked");
    for (const expect of ["Expect: 100-continue", "Expect:"]) {
      const run = await curl([
        "-X",
        "PUT",
        "-H",
        "content-type: application/yaml",
        "-H",
        "transfer-encoding: chunked",
        "-H",
        expect,
        "--data-binary",
        `@${bigFile}`,
        `${base}/v1/resources/clusters/big`,
      ]);
      assertTooLarge(run.status, run.body, `curl chunked ${expect}`);
    }
  });

  test("with Expect: 100-continue, an over-limit Content-Length is answered without 100 Continue; a small one gets it", async () => {
    const send = (body: Buffer) =>
      new Promise<{ continued: boolean; status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({
          host: "127.0.0.1",
          port,
          method: "PUT",
          path: "/v1/resources/clusters/small",
          headers: { "content-type": "application/json", "content-length": body.length, expect: "100-continue" },
        });
        let continued = false;
        req.on("continue", () => {
          continued = true;
          req.end(body);
        });
        req.on("response", (response) => {
          let text = "";
          response.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => resolve({ continued, status: response.statusCode ?? 0, text }));
        });
        req.on("error", reject);
      });
    const big = await send(bigBody);
    assert.equal(big.continued, false);
    assertTooLarge(big.status, big.text, "node:http expect");
    const small = await send(Buffer.from(JSON.stringify(staticCluster("small"))));
    assert.equal(small.continued, true);
    assert.equal(small.status, 200, small.text);
  });

  test("the server keeps serving after answering 413s", async () => {
    const response = await request(`${base}/v1/resources/clusters`);
    assert.equal(response.statusCode, 200);
    await response.body.dump();
  });
});

/** A raw client socket (half-open allowed, so only the server decides when it closes) and the server's end of it. */
async function connectTo(api: Harness): Promise<{ client: Socket; server: Socket }> {
  const accepted = once(api.app.server, "connection") as Promise<[Socket]>;
  const { port: apiPort } = api.app.server.address() as { port: number };
  const client = connect({ port: apiPort, host: "127.0.0.1", allowHalfOpen: true });
  const [[server]] = await Promise.all([accepted, once(client, "connect")]);
  return { client, server };
}

/** Reads from `socket` until a whole response (head and Content-Length body) has arrived; the socket stays open. */
function readResponse(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (head === -1 || length === undefined || text.length < head + 4 + Number(length)) return;
      socket.off("data", onData);
      socket.off("error", reject);
      resolve(text);
    };
    socket.on("data", onData);
    socket.on("error", reject);
  });
}

describe("draining what is not read", () => {
  const limit = 16 * 1024;
  let small: Harness;
  before(async () => {
    small = await harness({ bodyLimit: limit, linger: { maxBytes: 256 * 1024, maxMs: 60_000 } });
    await small.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await small.close();
  });

  test("the server closes a client that keeps sending once it has drained its byte bound", async () => {
    const { client, server } = await connectTo(small);
    client.on("error", () => {}); // the reset once the bound is passed is what this test expects
    const closed = once(server, "close");
    client.write(
      `PUT /v1/resources/clusters/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BIG}\r\n\r\n`,
    );
    const response = await readResponse(client);
    assert.match(response, /^HTTP\/1\.1 413 /);
    assert.match(response, /connection: close/i);
    // Keep sending well past the bound; the server must close before the declared 10 MB.
    const chunk = Buffer.alloc(16 * 1024, "x");
    let sent = 0;
    let open = true;
    void closed.then(() => {
      open = false;
    });
    while (open && sent < BIG) {
      if (!client.write(chunk)) await Promise.race([once(client, "drain"), closed]);
      sent += chunk.length;
    }
    await closed;
    // It drained its bound (the answer did not cut the client off) and no more than the bound.
    assert.ok(server.bytesRead > 256 * 1024 && server.bytesRead < BIG, `read ${server.bytesRead} bytes`);
    client.destroy();
  });

  test("the server closes a client that sends nothing more once its time bound has passed", async () => {
    const quick = await harness({ bodyLimit: limit, linger: { maxBytes: 256 * 1024, maxMs: 50 } });
    await quick.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const { client, server } = await connectTo(quick);
      const closed = once(server, "close");
      client.write(
        `PUT /v1/resources/clusters/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BIG}\r\n\r\n`,
      );
      assert.match(await readResponse(client), /^HTTP\/1\.1 413 /);
      // The client neither sends nor closes: only the server's timer can close the connection.
      await closed;
      client.destroy();
    } finally {
      await quick.close();
    }
  });

  test("a request pipelined behind a drained body is never served", async () => {
    const { client } = await connectTo(small);
    const body = "x".repeat(limit + 1);
    const next = JSON.stringify(staticCluster("pipelined"));
    client.write(
      `PUT /v1/resources/clusters/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        `PUT /v1/resources/clusters/pipelined HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${next.length}\r\n\r\n${next}`,
    );
    let text = "";
    client.setEncoding("utf8");
    for await (const chunk of client) text += chunk as string;
    assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, text);
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.equal(await small.store.get("clusters", "pipelined"), undefined);
    client.destroy();
  });
});
