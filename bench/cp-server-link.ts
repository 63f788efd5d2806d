// The orchestrator's side of a benchmark's control plane (bench/cp-server.ts, in its own process
// over SQLite in a temporary folder): starting it, its memory after a full collection, stopping it,
// and removing the data folders of those still running when the benchmark is interrupted.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChildLink } from "./child-link.js";
import type { ServerCommand, ServerReport } from "./cp-xds-messages.js";
import { processStats } from "./proc-stats.js";

export type ServerLink = ChildLink<ServerReport, ServerCommand>;

/** RSS after a full collection, and how much of it is the V8 heap and memory outside it. */
export interface GcMemory {
  readonly rssKb: number;
  readonly heapUsedKb: number;
  readonly externalKb: number;
}

const here = new URL(".", import.meta.url).pathname;

/** Data folders of control planes still running, for removal when the benchmark is interrupted. */
const dataDirs = new Set<string>();

/** Starts a control plane over a fresh data folder whose name starts with `prefix`; `nodeFlags` for its process. */
export async function startControlPlane(
  prefix: string,
  nodeFlags: readonly string[],
): Promise<{ readonly server: ServerLink; readonly dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  dataDirs.add(dataDir);
  const server: ServerLink = new ChildLink("control plane", join(here, "cp-server.ts"), [dataDir], { nodeFlags });
  return { server, dataDir };
}

/** Stops the control plane (draining up to 10 s) and removes its data folder. */
export async function stopControlPlane(server: ServerLink, dataDir: string): Promise<void> {
  await server.stop(10_000);
  await rm(dataDir, { recursive: true, force: true });
  dataDirs.delete(dataDir);
}

export async function removeDataDirs(): Promise<void> {
  await Promise.all([...dataDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  dataDirs.clear();
}

export async function gcMemory(server: ServerLink): Promise<GcMemory> {
  server.send({ type: "gc" });
  const usage = await server.next("gc-done", 30_000);
  return {
    rssKb: (await processStats(server.pid)).rssKb,
    heapUsedKb: usage.heapUsed / 1024,
    externalKb: usage.external / 1024,
  };
}
