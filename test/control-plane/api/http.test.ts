// The API over a real socket on 127.0.0.1: what inject() cannot show, such as bodies refused
// before they are read and the connection surviving a refusal.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { Agent, request } from "undici";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { type Harness, harness, staticCluster } from "./harness.js";

let h: Harness;
let base: string;
const agent = new Agent({ connections: 1, pipelining: 1 });
const token = "http-test-token";
const authorization = `Bearer ${token}`;

before(async () => {
  h = await harness({ token, bodyLimit: 16 * 1024 });
  await h.app.listen({ host: "127.0.0.1", port: 0 });
  const address = h.app.server.address();
  assert.ok(address !== null && typeof address === "object");
  base = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await agent.close();
  await h.close();
});

async function call(
  method: "GET" | "PUT" | "DELETE" | "POST",
  path: string,
  options: { body?: string | Readable; headers?: Record<string, string> } = {},
) {
  const response = await request(`${base}${path}`, {
    method,
    dispatcher: agent,
    headers: { authorization, ...options.headers },
    body: options.body ?? null,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
}

describe("over HTTP", () => {
  test("PUT then GET a resource", async () => {
    const written = await call("PUT", "/v1/resources/clusters/web", {
      body: JSON.stringify(staticCluster("web")),
      headers: { "content-type": "application/json" },
    });
    assert.equal(written.status, 200, written.text);
    const read = await call("GET", "/v1/resources/clusters/web");
    assert.equal(read.status, 200);
    assert.equal(read.json().version, written.json().version);
  });

  test("/healthz answers without a token; everything else needs one", async () => {
    const health = await request(`${base}/healthz`, { dispatcher: agent });
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    const denied = await request(`${base}/v1/resources/clusters`, { dispatcher: agent });
    assert.equal(denied.statusCode, 401);
    assert.equal(((await denied.body.json()) as { error: { code: string } }).error.code, ErrorCode.unauthorized);
  });

  test("a body over the limit gets 413 with the error shape, and the connection keeps working", async () => {
    const big = JSON.stringify({ ...staticCluster("big"), alt_stat_name: "x".repeat(20 * 1024) });
    const declared = await call("PUT", "/v1/resources/clusters/big", {
      body: big,
      headers: { "content-type": "application/json" },
    });
    assert.equal(declared.status, 413);
    assert.equal(declared.json().error.code, ErrorCode.bodyTooLarge);
    async function* chunks() {
      for (let i = 0; i < 40; i++) yield Buffer.from("x".repeat(1024));
    }
    const streamed = await call("PUT", "/v1/resources/clusters/big", {
      body: Readable.from(chunks()),
      headers: { "content-type": "application/json" },
    });
    assert.equal(streamed.status, 413);
    assert.equal(streamed.json().error.code, ErrorCode.bodyTooLarge);
    assert.equal((await call("GET", "/v1/resources/clusters/web")).status, 200);
  });

  test("malformed input is a 4xx JSON error, never a dropped connection", async () => {
    for (const [body, type, status] of [
      ["{", "application/json", 400],
      ["a: [", "application/yaml", 400],
      ["<x/>", "application/xml", 415],
      ["\u0000\u0001", "application/json", 400],
    ] as const) {
      const response = await call("PUT", "/v1/resources/clusters/web", { body, headers: { "content-type": type } });
      assert.equal(response.status, status, response.text);
      assert.match(response.json().error.code, /^WEFT_/);
    }
  });

  test('"." and ".." as NAME, percent-encoded or not, get 400 WEFT_INVALID_NAME at path name', async () => {
    const port = Number(new URL(base).port);
    // node:http sends the path as given; WHATWG URL parsing (fetch, undici, inject) would resolve the dots.
    const send = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({
          host: "127.0.0.1",
          port,
          method,
          path,
          headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        });
        req.on("response", (response) => {
          let text = "";
          response.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        });
        req.on("error", reject);
        req.end(body);
      });
    for (const name of ["%2E", "%2e", "%2E%2E", ".%2E", ".", ".."]) {
      for (const [method, body] of [
        ["PUT", JSON.stringify(staticCluster("x"))],
        ["GET", undefined],
        ["DELETE", undefined],
      ] as const) {
        const response = await send(method, `/v1/resources/clusters/${name}`, body);
        assert.equal(response.status, 400, `${method} ${name}: ${response.text}`);
        const { error } = JSON.parse(response.text) as { error: { code: string; details: { path: string }[] } };
        assert.equal(error.code, ErrorCode.invalidName, `${method} ${name}`);
        assert.deepEqual(
          error.details.map((d) => d.path),
          ["name"],
          `${method} ${name}`,
        );
      }
    }
  });

  test("a URL that does not decode is a 400 JSON error", async () => {
    const response = await call("GET", "/v1/resources/clusters/%");
    assert.equal(response.status, 400);
    assert.equal(response.json().error.code, ErrorCode.badRequest);
  });

  test("a request Node cannot parse gets a 400 JSON error before the socket closes", async () => {
    const port = Number(new URL(base).port);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("NOT HTTP AT ALL\r\n\r\n"));
      let data = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk) => {
        data += chunk;
      });
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
    assert.equal(body.error.code, ErrorCode.badRequest);
  });
});
