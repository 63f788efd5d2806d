// The client commands as users run them: `node bin/weft.js ...` as a child process (against the
// compiled dist/, which `npm test` builds first), talking to a control plane started in this
// process on ports it picks, with a fresh data dir.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { startControlPlane } from "../../control-plane/src/main.js";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "weft.js");

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function withoutWeftVariables(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith("WEFT_") && value !== undefined) env[key] = value;
  return env;
}

/** Runs `weft args...` to its end (at most 30 s); `input` is written to its stdin. */
export function weft(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      // The caller's WEFT_* variables would change the flags under test.
      env: { ...withoutWeftVariables(), ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`weft ${args.join(" ")} did not finish within 30 s: ${stderr}`));
    }, 30_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

export interface TestControlPlane {
  /** http://127.0.0.1:PORT */
  readonly server: string;
  /** 127.0.0.1:PORT */
  readonly xds: string;
  close(): Promise<void>;
}

export async function controlPlane(options: { apiToken?: string; certTtlMs?: number } = {}): Promise<TestControlPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-cli-"));
  const running = await startControlPlane({
    xdsListen: "127.0.0.1:0",
    apiListen: "127.0.0.1:0",
    dataDir,
    apiToken: options.apiToken,
    certTtlMs: options.certTtlMs,
    logger: pino({ level: "silent" }),
  });
  return {
    server: `http://${running.apiAddress}`,
    xds: running.xdsAddress,
    close: async () => {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A temporary folder; `write` puts a file in it and returns the file's path. */
export function tempDir(): { path: string; write(name: string, text: string): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "weft-cli-files-"));
  return {
    path,
    write: (name, text) => {
      const file = join(path, name);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** YAML documents of resources that reference nothing missing: an EDS cluster, its endpoints, a route to it. */
export function meshYaml(name: string, options: { timeout?: string; port?: number } = {}): string {
  return [
    "kind: Cluster",
    `name: ${name}`,
    "type: EDS",
    `connect_timeout: ${options.timeout ?? "1s"}`,
    "eds_cluster_config: {eds_config: {ads: {}}}",
    "---",
    "kind: ClusterLoadAssignment",
    `cluster_name: ${name}`,
    "endpoints:",
    "- locality: {zone: a}",
    "  lb_endpoints:",
    `  - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ${options.port ?? 9000}}}}`,
    "---",
    "kind: RouteConfiguration",
    `name: ${name}-routes`,
    `virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: ${name}}}]}]`,
    "",
  ].join("\n");
}
