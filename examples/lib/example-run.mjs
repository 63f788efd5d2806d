// What every example shares: start Weft's processes and the example's own services as children on
// 127.0.0.1, apply config with the real `weft` CLI, and stop every child by its PID whatever
// happens (success, failure, an exception, Ctrl-C, the overall timeout).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const weftBin = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "weft.js");

/**
 * Runs `body(run)` and exits: 0 when it resolves to true (the behaviour held), 1 when it resolves
 * to false, throws, or `timeoutMs` passes first. Every child started through `run.start` is stopped
 * (SIGTERM, then SIGKILL after 5 s) and the temp dir removed before the exit.
 */
export async function runExample(name, timeoutMs, body) {
  const children = new Set();
  const tmp = mkdtempSync(join(tmpdir(), `weft-example-${name}-`));
  let finishing = false;

  async function finish(code, message) {
    if (finishing) return;
    finishing = true;
    clearTimeout(timer);
    console.log(message);
    await Promise.all([...children].map(stop));
    rmSync(tmp, { recursive: true, force: true });
    process.exit(code);
  }
  const timer = setTimeout(() => finish(1, `${name}: FAILED (not done within ${timeoutMs / 1000} s)`), timeoutMs);
  process.on("SIGINT", () => finish(130, `${name}: interrupted`));
  process.on("SIGTERM", () => finish(143, `${name}: terminated`));
  // Last resort if the process dies some other way: no child outlives it.
  process.on("exit", () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  });

  const run = {
    tmp,
    /**
     * Starts `node ...args` and resolves with the first JSON line on its stdout that `ready`
     * accepts (within `readyWithinMs`, 15 s unless given); rejects, with the end of the child's
     * output, if it exits first or the time passes.
     */
    start(label, args, ready, env = {}, readyWithinMs = 15_000) {
      return run.launch(label, args, ready, env, readyWithinMs).then(({ line }) => line);
    },
    /**
     * As `start`, and resolves with `{line, child, exited}`: the ready line, the child process (to
     * signal it), and a promise of its exit code (or signal name) once it has exited. `onLine`, if
     * given, sees every JSON line after the ready one.
     */
    launch(label, args, ready, env = {}, readyWithinMs = 15_000, onLine = undefined) {
      const child = spawn(process.execPath, args, {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.add(child);
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk) => {
        stderr = (stderr + chunk).slice(-2000);
      });
      return new Promise((resolve, reject) => {
        const fail = (why) => reject(new Error(`${label} ${why}${stderr ? `:\n${stderr}` : ""}`));
        const timeout = setTimeout(() => fail(`was not ready within ${readyWithinMs / 1000} s`), readyWithinMs);
        const exited = new Promise((settle) => child.on("exit", (code, signal) => settle(code ?? signal)));
        let isReady = false;
        child.on("exit", (code) => {
          clearTimeout(timeout);
          if (!isReady) fail(`exited (${code}) before it was ready`);
        });
        createInterface({ input: child.stdout }).on("line", (text) => {
          // Kept with stderr for the failure message: servers log to stdout.
          if (!isReady) stderr = `${stderr}${text}\n`.slice(-2000);
          const line = parseJson(text);
          if (isReady && line !== undefined) onLine?.(line);
          if (!isReady && line !== undefined && ready(line)) {
            isReady = true;
            clearTimeout(timeout);
            resolve({ line, child, exited });
          }
        });
      });
    },
    /** Runs `weft ...args` (the CLI as users run it); resolves with its stdout, rejects on a non-zero exit. */
    weft(args) {
      return new Promise((resolve, reject) => {
        const cli = spawn(process.execPath, [weftBin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        children.add(cli);
        let stdout = "";
        let stderr = "";
        cli.stdout.setEncoding("utf8").on("data", (chunk) => {
          stdout += chunk;
        });
        cli.stderr.setEncoding("utf8").on("data", (chunk) => {
          stderr += chunk;
        });
        cli.on("exit", (code) => {
          children.delete(cli);
          if (code === 0) resolve(stdout);
          else reject(new Error(`weft ${args.join(" ")} exited with ${code}:\n${stderr}${stdout}`));
        });
      });
    },
    /** Writes `template` (a file next to the example) with each ${NAME} replaced by values.NAME; returns the path. */
    render(template, values, as = template.split("/").pop()) {
      const text = readFileSync(template, "utf8").replace(/\$\{(\w+)\}/g, (whole, key) => {
        if (!(key in values)) throw new Error(`${template}: no value for ${whole}`);
        return String(values[key]);
      });
      const path = join(tmp, as);
      writeFileSync(path, text);
      return path;
    },
  };

  try {
    const held = await body(run);
    await finish(held ? 0 : 1, held ? `${name}: PASSED` : `${name}: FAILED (see the steps above)`);
  } catch (error) {
    await finish(1, `${name}: FAILED: ${error instanceof Error ? error.message : error}`);
  }
}

/** `weft control-plane` on free ports with its database in `dataDir`; resolves with its API URL and xDS address. */
export async function startControlPlane(run) {
  const ready = await run.start(
    "control plane",
    [weftBin, "control-plane", "--xds-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--data-dir", run.tmp],
    (line) => line.msg === "control plane ready",
  );
  return { api: `http://${ready.api}`, xds: ready.xds };
}

/** `weft proxy` with the given node id and extra flags; resolves with its admin URL once it has started. */
export async function startProxy(run, xds, nodeId, flags = []) {
  const ready = await run.start(
    `proxy ${nodeId}`,
    [
      weftBin,
      "proxy",
      "--node-id",
      nodeId,
      "--xds-server",
      xds,
      "--admin-listen",
      "127.0.0.1:0",
      "--access-log",
      "off",
    ].concat(flags),
    (line) => line.msg === "proxy started",
  );
  return { admin: `http://${ready.admin.host}:${ready.admin.port}` };
}

/**
 * Resolves once `weft status` lists every one of `nodeIds` as connected, so that a following
 * `weft apply --wait` (which waits for the proxies connected at the time) waits for them too.
 */
export async function waitForProxies(run, api, nodeIds) {
  for (;;) {
    const { proxies } = JSON.parse(await run.weft(["status", "-o", "json", "--server", api]));
    if (nodeIds.every((id) => proxies.some((proxy) => proxy.nodeId === id))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A port free right now on 127.0.0.1, for listeners whose port the config must name. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Calls `ask()` `n` times, 10 at a time, and counts its answers; a rejection counts as "failed".
 * Resolves with a Map from answer to count.
 */
export async function countAnswers(n, ask) {
  const counts = new Map();
  let started = 0;
  async function worker() {
    while (started < n) {
      started++;
      const answer = await ask().catch(() => "failed");
      counts.set(answer, (counts.get(answer) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: 10 }, worker));
  return counts;
}

/**
 * Prints how `counts` (from countAnswers) split between `names` against the `weights` set for them,
 * e.g. "90/10 → measured 91.0% / 9.0% (v1 expected 90.0% ± 6.8%) ok"; returns whether it held.
 *
 * It holds when nothing failed and the first name's share is within 4.5 binomial standard
 * deviations, sqrt(p(1-p)/n), of its weight: a correct split fails that about 7 times in a
 * million. A weight of 0 or 100% must be met exactly (a zero weight is never picked).
 */
export function reportSplit(weights, names, counts) {
  const n = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const [a, b] = names.map((name) => counts.get(name) ?? 0);
  const [first, second, failed] = [a / n, b / n, n - a - b];
  const expected = weights[0] / (weights[0] + weights[1]);
  const tolerance = 4.5 * Math.sqrt((expected * (1 - expected)) / n);
  const held = failed === 0 && Math.abs(first - expected) <= tolerance;
  console.log(
    `${weights.join("/")} → measured ${percent(first)} / ${percent(second)}` +
      ` (${names[0]} expected ${percent(expected)} ± ${percent(tolerance)})` +
      `${failed > 0 ? `, ${failed} failed or answered otherwise` : ""} ${held ? "ok" : "WRONG"}`,
  );
  return held;
}

function percent(share) {
  return `${(share * 100).toFixed(2)}%`;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
