// Real processes for the end-to-end tests: `weft control-plane`, `weft proxy` and backends, each a
// child started on 127.0.0.1 with ports it picks, and stopped by its PID when the test file ends.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const bin = join(root, "bin", "weft.js");
const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

export interface Child {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** Every JSON line printed on stdout so far. */
  readonly lines: readonly Record<string, unknown>[];
  /** SIGTERM, then the exit code (SIGKILL and a failed assertion after 15 s). */
  stop(): Promise<number | null>;
  /** SIGKILL, and the exit. */
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Spawns `node args...` and waits (at most 15 s) for a stdout JSON line `ready` accepts; resolves
 * with the child and that line.
 */
export async function spawnUntil(
  args: readonly string[],
  ready: (line: Record<string, unknown>) => boolean,
  env: Record<string, string> = {},
): Promise<{ running: Child; line: Record<string, unknown> }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} not ready within 15 s`)), 15_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(entry);
      if (ready(entry)) {
        clearTimeout(timer);
        resolve(entry);
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code} before it was ready: ${stderr}`));
    });
  });
  const running: Child = {
    child,
    pid: child.pid as number,
    exited,
    lines,
    stop: async () => {
      child.kill("SIGTERM");
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000).unref());
      const code = await Promise.race([exited, timeout]);
      if (code === "timeout") {
        child.kill("SIGKILL");
        assert.fail(`${args[1]} did not exit within 15 s of SIGTERM`);
      }
      return code;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
  return { running, line };
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-e2e-"));
  dirs.push(dir);
  return dir;
}

export interface ControlPlane extends Child {
  readonly api: string;
  readonly xds: string;
}

/** `weft control-plane` on ports it picks, with a fresh data dir unless one is given. */
export async function startControlPlane(
  options: { dataDir?: string; xdsListen?: string; env?: Record<string, string> } = {},
): Promise<ControlPlane> {
  const { running, line } = await spawnUntil(
    [
      bin,
      "control-plane",
      "--data-dir",
      options.dataDir ?? tempDir(),
      "--xds-listen",
      options.xdsListen ?? "127.0.0.1:0",
      "--api-listen",
      "127.0.0.1:0",
    ],
    (l) => l.msg === "control plane ready",
    options.env,
  );
  return { ...running, api: String(line.api), xds: String(line.xds) };
}

export interface ProxyProcess extends Child {
  /** The admin server's base URL. */
  readonly admin: string;
}

/** `weft proxy` with its admin on a port it picks; `extra` adds flags (e.g. --xds-delta). */
export async function startProxy(
  nodeId: string,
  xdsServers: readonly string[],
  extra: readonly string[] = [],
): Promise<ProxyProcess> {
  const { running, line } = await spawnUntil(
    [
      bin,
      "proxy",
      "--node-id",
      nodeId,
      "--admin-listen",
      "127.0.0.1:0",
      "--access-log",
      "off",
      ...xdsServers.flatMap((s) => ["--xds-server", s]),
      ...extra,
    ],
    (l) => l.msg === "proxy started",
  );
  const admin = line.admin as { host: string; port: number };
  return { ...running, admin: `http://${admin.host}:${admin.port}` };
}

export interface BackendProcess extends Child {
  readonly port: number;
}

/** An HTTP backend (fixtures/backend.mjs) answering `name`; "h2c" serves HTTP/2 by prior knowledge. */
export async function startBackend(name: string, protocol: "h1" | "h2c" = "h1"): Promise<BackendProcess> {
  const { running, line } = await spawnUntil([join(fixtures, "backend.mjs"), name, protocol], (l) => "port" in l);
  return { ...running, port: Number(line.port) };
}

/** Requests `backend` (fixtures/backend.mjs) has received so far, counted as each arrives. */
export async function backendRequests(backend: BackendProcess): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${backend.port}/_control/stats`);
  return ((await res.json()) as { requests: number }).requests;
}

/** Waits (polling: it is another process) until `backend` has received more than `before` requests. */
export function backendReceived(backend: BackendProcess, before: number, what: string): Promise<true> {
  return eventually(what, async () => ((await backendRequests(backend)) > before ? true : undefined));
}

/** A gRPC backend (fixtures/grpc-backend.mjs) serving weft.test.Echo as `name`. */
export async function startGrpcBackend(name: string): Promise<BackendProcess> {
  const { running, line } = await spawnUntil([join(fixtures, "grpc-backend.mjs"), name], (l) => "port" in l);
  return { ...running, port: Number(line.port) };
}

export const ECHO_PROTO = join(fixtures, "echo.proto");

/** A port free right now on 127.0.0.1 (listener addresses in config need a real port number). */
export { freePort, refusesConnections } from "../ports.js";

/** Polls `check` every 50 ms until it returns a value other than undefined, at most `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ""}`);
}
