import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import pino from "pino";
import {
  AccessLogError,
  AccessLogErrorCode,
  createAccessLog,
  formatResponseFlags,
} from "../../../data-plane/src/access-log/index.js";
import { ResponseFlag } from "../../../data-plane/src/observer/request-observer.js";
import { httpRecord, tcpRecord } from "../metrics/records.js";

const dir = mkdtempSync(join(tmpdir(), "weft-access-log-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("an HTTP request is one JSON line with Envoy's fields, written once the log is closed", async () => {
  const path = join(dir, "http.log");
  const log = createAccessLog(path);
  log.ended(
    httpRecord({
      protocol: "HTTP/2",
      method: "POST",
      path: "/shop.Cart/Add",
      status: 200,
      grpcStatus: 14,
      durationMs: 12.3456789,
      upstreamDurationMs: 10.25,
      responseFlags: [ResponseFlag.upstreamRemoteReset, ResponseFlag.localReset],
      bytesReceived: 17,
      bytesSent: 42,
    }),
  );
  // Buffered, not written on the request path.
  assert.equal(existsSync(path) ? readFileSync(path, "utf8") : "", "");
  await log.close();

  const [line, ...rest] = readLines(path);
  assert.equal(rest.length, 0);
  assert.ok(line !== undefined);
  assert.equal(line.log, "access");
  assert.equal(typeof line.time, "string");
  assert.equal(line.level, undefined);
  assert.deepEqual(
    { ...line, time: undefined },
    {
      log: "access",
      time: undefined,
      kind: "http",
      listener: "ingress",
      method: "POST",
      authority: "shop.example",
      path: "/shop.Cart/Add",
      protocol: "HTTP/2",
      status: 200,
      grpc_status: 14,
      duration_ms: 12.346,
      upstream_duration_ms: 10.25,
      cluster: "shop",
      upstream_address: "10.0.0.1:8080",
      response_flags: "UR,LR",
      request_id: "7f0c1d2e-0000-4000-8000-000000000001",
      bytes_received: 17,
      bytes_sent: 42,
      downstream_address: "127.0.0.1:51000",
      user_agent: "curl/8.5.0",
    },
  );
});

test("what a request did not have is null, grpc_status is left out, no flags is '-'", async () => {
  const path = join(dir, "absent.log");
  const log = createAccessLog(path);
  log.ended(
    httpRecord({
      status: 404,
      cluster: undefined,
      upstreamAddress: undefined,
      upstreamDurationMs: undefined,
      requestId: undefined,
      userAgent: undefined,
    }),
  );
  log.ended(httpRecord({ status: 0 }));
  await log.close();
  const [notFound, reset] = readLines(path);
  assert.ok(notFound !== undefined && reset !== undefined);
  assert.equal("grpc_status" in notFound, false);
  assert.equal(notFound.cluster, null);
  assert.equal(notFound.upstream_address, null);
  assert.equal(notFound.upstream_duration_ms, null);
  assert.equal(notFound.request_id, null);
  assert.equal(notFound.user_agent, null);
  assert.equal(notFound.response_flags, "-");
  assert.equal(reset.status, 0);
});

test("a TCP connection is one line with its bytes and flags", async () => {
  const path = join(dir, "tcp.log");
  const log = createAccessLog(path);
  log.ended(tcpRecord({ responseFlags: [ResponseFlag.upstreamConnectionFailure] }));
  await log.close();
  const [line] = readLines(path);
  assert.deepEqual(
    { ...line, time: undefined },
    {
      log: "access",
      time: undefined,
      kind: "tcp",
      listener: "db",
      duration_ms: 1500,
      cluster: "postgres",
      upstream_address: "10.0.0.9:5432",
      response_flags: "UF",
      bytes_received: 300,
      bytes_sent: 7000,
      downstream_address: "127.0.0.1:52000",
    },
  );
});

test("many lines arrive whole and in order; records after close are dropped", async () => {
  const path = join(dir, "many.log");
  const log = createAccessLog(path);
  for (let i = 0; i < 500; i += 1) log.ended(httpRecord({ path: `/item/${i}` }));
  await log.close();
  await log.close();
  log.ended(httpRecord({ path: "/late" }));
  const lines = readLines(path);
  assert.deepEqual(
    lines.map((line) => line.path),
    Array.from({ length: 500 }, (_, i) => `/item/${i}`),
  );
});

test("a path in a missing folder is created; a file is appended to, not truncated", async () => {
  const path = join(dir, "nested", "deeper", "append.log");
  const first = createAccessLog(path);
  first.ended(httpRecord({ path: "/one" }));
  await first.close();
  const second = createAccessLog(path);
  second.ended(httpRecord({ path: "/two" }));
  await second.close();
  assert.deepEqual(
    readLines(path).map((line) => line.path),
    ["/one", "/two"],
  );
});

test("a file that cannot be opened fails at creation with WEFT_PROXY_ACCESS_LOG_OPEN", async () => {
  const notAFolder = join(dir, "not-a-folder");
  writeFileSync(notAFolder, "");
  const path = join(notAFolder, "access.log");
  assert.throws(
    () => createAccessLog(path),
    (error: unknown) =>
      error instanceof AccessLogError && error.code === AccessLogErrorCode.open && error.path === path,
  );
});

test("a write that fails is reported once to the logger, and close still resolves", {
  skip: !existsSync("/dev/full"),
}, async () => {
  const reported: Record<string, unknown>[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => reported.push(JSON.parse(line)) });
  const log = createAccessLog("/dev/full", { logger });
  for (let i = 0; i < 100; i += 1) log.ended(httpRecord({ path: `/item/${i}` }));
  await log.close();
  log.ended(httpRecord());
  assert.equal(reported.length, 1);
  assert.equal(reported[0]?.component, "access-log");
  assert.equal((reported[0]?.err as { code?: string } | undefined)?.code, "ENOSPC");
});

test("'off' writes nothing and closes at once", async () => {
  const log = createAccessLog("off");
  log.ended(httpRecord());
  await log.close();
});

test("'stdout' writes the lines to standard output by the time close resolves", async () => {
  const moduleUrl = new URL("../../../data-plane/src/access-log/index.ts", import.meta.url).href;
  const script = `
    const { createAccessLog } = await import(${JSON.stringify(moduleUrl)});
    const log = createAccessLog("stdout");
    log.ended({ kind: "tcp", listener: "db", statPrefix: "db", cluster: undefined, upstreamAddress: undefined,
      durationMs: 1, bytesReceived: 0, bytesSent: 0, responseFlags: [], downstreamAddress: "127.0.0.1:1" });
    await log.close();
    process.stdout.write("closed\\n");
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    { timeout: 20_000 },
  );
  const [line, marker] = stdout.trimEnd().split("\n");
  assert.equal(marker, "closed");
  assert.ok(line !== undefined);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(parsed.log, "access");
  assert.equal(parsed.listener, "db");
});

test("response flags print as Envoy prints them", () => {
  assert.equal(formatResponseFlags([]), "-");
  assert.equal(formatResponseFlags([ResponseFlag.noRoute]), "NR");
  assert.equal(formatResponseFlags([ResponseFlag.upstreamRequestTimeout, ResponseFlag.localReset]), "UT,LR");
});
