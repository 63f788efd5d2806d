// The servers' log lines: JSON or pretty, level names and ISO times in both, the format chosen by
// flag, environment variable or (unset) by whether stdout is a terminal.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chooseLogFormat, createServerLogger } from "../../cli/src/server-logger.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "weft.js");
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A stream collecting what is written to it, line by line; `lines(n)` resolves once n have come. */
function collector() {
  const lines: string[] = [];
  let partial = "";
  let waiting: { count: number; resolve: () => void } | undefined;
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
      if (waiting !== undefined && lines.length >= waiting.count) waiting.resolve();
      callback();
    },
  });
  const atLeast = (count: number) =>
    new Promise<string[]>((resolve, reject) => {
      if (lines.length >= count) return resolve(lines);
      const timer = setTimeout(() => reject(new Error(`only ${lines.length} of ${count} lines within 5 s`)), 5_000);
      waiting = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(lines);
        },
      };
    });
  return { stream, atLeast };
}

describe("chooseLogFormat", () => {
  test("with no format asked for, a terminal gets pretty lines and anything else JSON lines", () => {
    assert.equal(chooseLogFormat(undefined, true), "pretty");
    assert.equal(chooseLogFormat(undefined, false), "json");
  });

  test("a format asked for wins over the terminal check either way", () => {
    assert.equal(chooseLogFormat("json", true), "json");
    assert.equal(chooseLogFormat("pretty", false), "pretty");
  });
});

describe("createServerLogger", () => {
  test("json lines carry the level by name and the time in ISO 8601, for children too", async () => {
    const out = collector();
    const logger = await createServerLogger({ level: "info", format: "json", destination: out.stream });
    logger.info({ port: 1 }, "listening");
    logger.child({ component: "api" }).warn("slow");
    logger.debug("not at info");
    const [first, second, third] = (await out.atLeast(2)).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(first?.level, "info");
    assert.match(String(first?.time), ISO_TIME);
    assert.equal(first?.msg, "listening");
    assert.equal(first?.port, 1);
    assert.equal(second?.level, "warn");
    assert.equal(second?.component, "api");
    assert.equal(third, undefined, "debug is below the level asked for");
  });

  test("pretty lines are not JSON and show the level name and an ISO time", async () => {
    const out = collector();
    const logger = await createServerLogger({ level: "info", format: "pretty", destination: out.stream });
    logger.error({ component: "xds" }, "stream failed");
    const [line] = await out.atLeast(1);
    assert.throws(() => JSON.parse(line ?? ""));
    assert.match(line ?? "", /ERROR/);
    assert.match(line ?? "", /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    assert.match(line ?? "", /stream failed/);
  });
});

/** `weft proxy` on a port it picks, with extra arguments; its stdout lines up to and including "proxy started". */
async function proxyStartLines(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const child = spawn(
    process.execPath,
    [bin, "proxy", "--node-id", "log-test", "--admin-listen", "127.0.0.1:0", "--access-log", "off", ...args],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const lines: string[] = [];
    const upToStart = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no 'proxy started' within 15 s")), 15_000);
      createInterface({ input: child.stdout }).on("line", (text) => {
        lines.push(text);
        if (text.includes("proxy started")) {
          clearTimeout(timer);
          resolve([...lines]);
        }
      });
      void exited.then((code) => reject(new Error(`weft proxy exited with ${code}`)));
    });
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    return upToStart;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

describe("--log-format", () => {
  test("json (here from WEFT_LOG_FORMAT) prints level names and ISO times", async () => {
    const lines = await proxyStartLines([], { WEFT_LOG_FORMAT: "json" });
    const started = JSON.parse(lines.at(-1) ?? "") as Record<string, unknown>;
    assert.equal(started.msg, "proxy started");
    assert.equal(started.level, "info");
    assert.match(String(started.time), ISO_TIME);
  });

  test("pretty prints lines for people even when stdout is not a terminal", async () => {
    const lines = await proxyStartLines(["--log-format", "pretty"]);
    const started = lines.at(-1) ?? "";
    assert.throws(() => JSON.parse(started));
    assert.match(started, /INFO/);
  });

  test("an unknown format is a usage error (WEFT_CLI_USAGE) and nothing starts", () => {
    for (const [args, env] of [
      [["control-plane", "--log-format", "xml"], {}],
      [["proxy", "--node-id", "x"], { WEFT_LOG_FORMAT: "text" }],
    ] as const) {
      const result = spawnSync(process.execPath, [bin, ...args], {
        cwd: root,
        encoding: "utf8",
        timeout: 30_000,
        env: { ...process.env, ...env },
      });
      assert.notEqual(result.status, 0);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /WEFT_CLI_USAGE/);
      assert.match(result.stderr, /--log-format/);
    }
  });
});
