// `npm start` as a user runs it: the control plane must get the signals npm gets, so stopping npm
// stops the control plane and frees its ports (no shell left in between holding on to it).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it holds, at most `timeoutMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether 127.0.0.1:port can be listened on right now. */
async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Runs `npm start` on ports it picks, waits for "control plane ready", sends `signal` to the npm
 * process only, and checks that the control plane (a different process) exits and frees its ports.
 */
async function stopsWith(signal: "SIGTERM" | "SIGINT"): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-npm-start-"));
  const npm = spawn(
    "npm",
    ["start", "--", "--api-listen", "127.0.0.1:0", "--xds-listen", "127.0.0.1:0", "--data-dir", dataDir],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WEFT_LOG_FORMAT: "json" } },
  );
  const npmExited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
  const lines: Record<string, unknown>[] = [];
  let controlPlanePid: number | undefined;
  try {
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("npm start: no 'control plane ready' within 30 s")), 30_000);
      createInterface({ input: npm.stdout }).on("line", (text) => {
        if (!text.startsWith("{")) return; // npm's own "> weft@... start" banner
        const entry = JSON.parse(text) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === "control plane ready") {
          clearTimeout(timer);
          resolve(entry);
        }
      });
      void npmExited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code} before it was ready`));
      });
    });
    controlPlanePid = ready.pid as number;
    assert.equal(typeof controlPlanePid, "number");
    assert.notEqual(controlPlanePid, npm.pid, "the control plane runs in its own process, under npm");
    const ports = [String(ready.api), String(ready.xds)].map((address) => Number(address.split(":").pop()));
    for (const port of ports) assert.equal(await portFree(port), false, `port ${port} is held while running`);

    npm.kill(signal);
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000).unref());
    const code = await Promise.race([npmExited, timeout]);
    assert.notEqual(code, "timeout", `npm start still running 15 s after ${signal}`);
    assert.equal(code, 0, "npm start exits 0 once the control plane has drained");
    const pid = controlPlanePid;
    await until(`control plane pid ${pid} to exit`, () => !alive(pid));
    assert.ok(
      lines.some((line) => line.msg === "stopping" && line.signal === signal),
      `the control plane itself received ${signal}`,
    );
    for (const port of ports) await until(`port ${port} to be free`, () => portFree(port));
  } finally {
    if (npm.exitCode === null && npm.pid !== undefined) npm.kill("SIGKILL");
    if (controlPlanePid !== undefined && alive(controlPlanePid)) process.kill(controlPlanePid, "SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe("npm start", () => {
  test("SIGTERM to npm reaches the control plane, which exits and frees its ports", async () => {
    await stopsWith("SIGTERM");
  });

  test("SIGINT to npm reaches the control plane, which exits and frees its ports", async () => {
    await stopsWith("SIGINT");
  });
});
