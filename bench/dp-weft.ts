// Weft's own processes in the data-plane benchmark, run from the compiled CLI (bin/weft.js, so
// `npm run build` first): the control plane (SQLite in a temporary folder) and proxies connected
// to it. Both print JSON log lines on stdout; their addresses are read from them.
import { access, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Api } from "../test/e2e/mesh.js";
import { BenchProcess, type StartOptions } from "./dp-process.js";

const ROOT = join(import.meta.dirname, "..");
const WEFT = join(ROOT, "bin", "weft.js");
const ENTRY = join(ROOT, "dist", "cli", "src", "main.js");
const START_TIMEOUT_MS = 20_000;

/**
 * bin/weft.js runs the compiled dist/: fails if it is missing, and returns a warning when a
 * source file is newer than it (the benchmark would measure old code).
 */
export async function checkBuilt(): Promise<string | undefined> {
  try {
    await access(ENTRY);
  } catch {
    throw new Error("dist/ is missing: run `npm run build` before `npm run bench:dp`");
  }
  const built = (await stat(ENTRY)).mtimeMs;
  for (const folder of ["cli", "control-plane", "data-plane"]) {
    const files = await readdir(join(ROOT, folder, "src"), { recursive: true });
    for (const file of files) {
      if (!file.endsWith(".ts")) continue;
      if ((await stat(join(ROOT, folder, "src", file))).mtimeMs > built) {
        return `${folder}/src/${file} is newer than dist/: run \`npm run build\` to measure the current code`;
      }
    }
  }
  return undefined;
}

export interface ControlPlane {
  readonly process: BenchProcess;
  readonly api: Api;
  readonly xds: string;
  stop(): Promise<void>;
}

export async function startControlPlane(pin: StartOptions): Promise<ControlPlane> {
  const dataDir = await mkdtemp(join(tmpdir(), "weft-bench-dp-"));
  const child = new BenchProcess(
    "control plane",
    process.execPath,
    [WEFT, "control-plane", "--xds-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--data-dir", dataDir],
    pin,
  );
  const stop = async () => {
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const ready = await child.waitForJson(
      (line) => (line.msg === "control plane ready" ? { api: String(line.api), xds: String(line.xds) } : undefined),
      START_TIMEOUT_MS,
    );
    return { process: child, api: new Api(`http://${ready.api}`), xds: ready.xds, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface WeftProxy {
  readonly process: BenchProcess;
  /** The admin server's base URL. */
  readonly admin: string;
  stop(): Promise<void>;
}

/**
 * A `weft proxy` with the access log off; `nodeFlags` go to node (e.g. --cpu-prof); `bin` is the
 * CLI to run (another checkout's bin/weft.js for an A/B), this checkout's by default; `nodeId` its
 * node id (`bench`; the mTLS benchmark runs two proxies on one control plane, each with its own).
 */
export async function startWeftProxy(
  xds: string,
  pin: StartOptions,
  nodeFlags: readonly string[] = [],
  bin: string = WEFT,
  nodeId = "bench",
): Promise<WeftProxy> {
  const child = new BenchProcess(
    `weft proxy ${nodeId}`,
    process.execPath,
    [
      ...nodeFlags,
      bin,
      "proxy",
      "--node-id",
      nodeId,
      "--xds-server",
      xds,
      "--admin-listen",
      "127.0.0.1:0",
      "--access-log",
      "off",
    ],
    pin,
  );
  const stop = () => child.stop("SIGTERM", 15_000);
  try {
    const admin = await child.waitForJson((line) => {
      if (line.msg !== "proxy started") return undefined;
      const address = line.admin as { host?: string; port?: number } | undefined;
      return address?.port ? `http://${address.host ?? "127.0.0.1"}:${address.port}` : undefined;
    }, START_TIMEOUT_MS);
    return { process: child, admin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls the proxy's /ready until it answers 200 (every listener, route and cluster warm). */
export async function waitForReady(proxy: WeftProxy, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      const response = await fetch(`${proxy.admin}/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // Not listening yet.
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`weft proxy not ready within ${timeoutMs} ms; output:\n${proxy.process.tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
