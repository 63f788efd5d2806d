// `weft proxy` as a user starts it: flags, their environment variables and refusals, with
// bin/weft.js run as a real child process against the compiled dist/.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "weft.js");

function weft(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
}

/** Starts `weft proxy`, waits for its "proxy started" line, stops it with SIGTERM; the line and exit code. */
async function startedLine(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, "proxy", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no start line within 15 s")), 15_000);
      createInterface({ input: child.stdout }).on("line", (text) => {
        const entry = JSON.parse(text) as Record<string, unknown>;
        if (entry.msg === "proxy started") {
          clearTimeout(timer);
          resolve(entry);
        }
      });
      child.on("exit", (code) => reject(new Error(`exited with ${code}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    return { line, code: await exited };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

describe("weft proxy", () => {
  test("--help lists every flag with its environment variable", () => {
    const { status, stdout } = weft(["proxy", "--help"]);
    assert.equal(status, 0);
    for (const flag of [
      "--node-id",
      "--node-cluster",
      "--node-metadata",
      "--xds-server",
      "--admin-listen",
      "--xds-delta",
      "--access-log",
      "--xds-reconnect-max-delay",
    ]) {
      assert.match(stdout, new RegExp(flag));
    }
    assert.match(stdout, /WEFT_NODE_ID/);
    assert.match(stdout, /Examples:/);
  });

  test("is refused without --node-id, with a non-zero exit", () => {
    const { status, stderr } = weft(["proxy"]);
    assert.notEqual(status, 0);
    assert.match(stderr, /--node-id/);
  });

  test("a malformed --xds-server or --node-metadata is refused before anything starts", () => {
    assert.notEqual(weft(["proxy", "--node-id", "x", "--xds-server", "nowhere"]).status, 0);
    assert.notEqual(weft(["proxy", "--node-id", "x", "--node-metadata", "novalue"]).status, 0);
  });

  test("an admin port already taken stops it with WEFT_PROXY_ADMIN_BIND and exit 1", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { status, stderr } = weft(["proxy", "--node-id", "x", "--admin-listen", `127.0.0.1:${port}`]);
      assert.equal(status, 1);
      assert.match(stderr, /WEFT_PROXY_ADMIN_BIND/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test("--xds-reconnect-max-delay caps the reconnect backoff (4s by default), also from WEFT_XDS_RECONNECT_MAX_DELAY", async () => {
    const base = ["--node-id", "x", "--admin-listen", "127.0.0.1:0", "--access-log", "off"];
    assert.equal((await startedLine(base)).line.xdsReconnectMaxDelayMs, 4_000);
    assert.equal(
      (await startedLine([...base, "--xds-reconnect-max-delay", "1500ms"])).line.xdsReconnectMaxDelayMs,
      1_500,
    );
    const fromEnv = await startedLine(base, { WEFT_XDS_RECONNECT_MAX_DELAY: "2s" });
    assert.equal(fromEnv.line.xdsReconnectMaxDelayMs, 2_000);
    const refused = weft(["proxy", ...base, "--xds-reconnect-max-delay", "soon"]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /--xds-reconnect-max-delay/);
  });

  test("flags come from WEFT_* variables, and repeated --xds-server flags keep their order", async () => {
    const { line, code } = await startedLine(["--xds-server", "127.0.0.1:1", "--xds-server", "127.0.0.1:2"], {
      WEFT_NODE_ID: "from-env",
      WEFT_ADMIN_LISTEN: "127.0.0.1:0",
      WEFT_ACCESS_LOG: "off",
      WEFT_XDS_DELTA: "true",
    });
    assert.equal(line.node, "from-env");
    assert.deepEqual(line.xds, ["127.0.0.1:1", "127.0.0.1:2"]);
    assert.equal(line.protocol, "delta");
    assert.equal(code, 0);
  });
});
