// A paired A/B of two builds of the proxy (`npx tsx bench/dp-ab.ts --a OTHER/bin/weft.js`, never
// run by `npm test`): the same backend nginx, control plane and mesh configuration as
// `npm run bench:dp`, then one `weft proxy` at a time, A and B in turn (A B A B ...), each
// measured with wrk after a warm-up on a fresh process. Taking turns puts background load on a
// shared machine on both sides alike; the report gives each round, the medians and B/A.
// Options (defaults shown): --a PATH (required) --b PATH (this checkout's bin/weft.js)
// --rounds 3 --seconds 10 --warmup 3 --connections 32.
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { meshResources } from "./dp-config.js";
import { freePorts } from "./dp-free-ports.js";
import { startBackend, waitForHttp } from "./dp-nginx.js";
import type { StartOptions } from "./dp-process.js";
import { findTools } from "./dp-tools.js";
import { checkBuilt, startControlPlane, startWeftProxy, waitForReady } from "./dp-weft.js";
import { runWrk, type WrkLoad, type WrkResult } from "./dp-wrk.js";
import { processStats } from "./proc-stats.js";

const log = (line: string) => process.stderr.write(`${line}\n`);

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} takes a positive number, got "${value}"`);
  return n;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Run {
  readonly wrk: WrkResult;
  /** The proxy's CPU seconds per 1,000 requests over the measured run. */
  readonly cpuMsPerKiloRequest: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      a: { type: "string" },
      b: { type: "string", default: join(import.meta.dirname, "..", "bin", "weft.js") },
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "10" },
      warmup: { type: "string", default: "3" },
      connections: { type: "string", default: "32" },
    },
  });
  if (values.a === undefined) throw new Error("--a names the other build's bin/weft.js");
  const bins = { A: resolve(values.a), B: resolve(values.b) };
  const rounds = positive(values.rounds, "--rounds");
  const connections = positive(values.connections, "--connections");
  const load: WrkLoad = { threads: 1, connections, seconds: positive(values.seconds, "--seconds") };
  const warm: WrkLoad = { threads: 1, connections, seconds: positive(values.warmup, "--warmup") };
  const stale = await checkBuilt();
  if (stale) log(`warning: ${stale}`);
  const tools = await findTools();
  const pinned = tools.taskset !== undefined && availableParallelism() >= 2;
  const loadPin: StartOptions = pinned ? { cpu: 0, taskset: tools.taskset } : {};
  const proxyPin: StartOptions = pinned ? { cpu: 1, taskset: tools.taskset } : {};
  const [backendA, backendB, weftPort] = (await freePorts(3)) as [number, number, number];
  const backendPorts = [backendA, backendB];
  const stops: (() => Promise<void>)[] = [];
  const runs: Record<"A" | "B", Run[]> = { A: [], B: [] };
  try {
    const backend = await startBackend(tools.nginx, backendPorts, loadPin);
    stops.push(backend.stop);
    const controlPlane = await startControlPlane(loadPin);
    stops.push(controlPlane.stop);
    await controlPlane.api.apply(meshResources(weftPort, backendPorts));
    const url = `http://127.0.0.1:${weftPort}/`;
    for (let round = 1; round <= rounds; round++) {
      for (const side of ["A", "B"] as const) {
        const proxy = await startWeftProxy(controlPlane.xds, proxyPin, [], bins[side]);
        try {
          await waitForReady(proxy, 30_000);
          await waitForHttp(url, 10_000, proxy.process);
          await runWrk(tools.wrk, url, warm, loadPin);
          const before = await processStats(proxy.process.pid);
          const wrk = await runWrk(tools.wrk, url, load, loadPin);
          const after = await processStats(proxy.process.pid);
          const cpuMs = (after.cpuSeconds - before.cpuSeconds) * 1000;
          const run = { wrk, cpuMsPerKiloRequest: (cpuMs / wrk.requests) * 1000 };
          runs[side].push(run);
          log(
            `round ${round} ${side}: ${Math.round(wrk.requestsPerSecond)} req/s, p50 ${wrk.p50Ms.toFixed(2)} ms, ` +
              `p99 ${wrk.p99Ms.toFixed(2)} ms, non-2xx ${wrk.non2xx}, proxy CPU ${run.cpuMsPerKiloRequest.toFixed(1)} ms/1k req`,
          );
        } finally {
          await proxy.stop();
        }
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
  const rps = (side: "A" | "B") => runs[side].map((r) => r.wrk.requestsPerSecond);
  const cpu = (side: "A" | "B") => runs[side].map((r) => r.cpuMsPerKiloRequest);
  const ratios = runs.B.map((b, i) => b.wrk.requestsPerSecond / (runs.A[i] as Run).wrk.requestsPerSecond);
  const lines = [
    `A ${bins.A}`,
    `B ${bins.B}`,
    "| | A | B |",
    "| --- | --- | --- |",
    `| req/s per round | ${rps("A").map(Math.round).join(", ")} | ${rps("B").map(Math.round).join(", ")} |`,
    `| req/s median | ${Math.round(median(rps("A")))} | ${Math.round(median(rps("B")))} |`,
    `| proxy CPU ms per 1k requests, median | ${median(cpu("A")).toFixed(1)} | ${median(cpu("B")).toFixed(1)} |`,
    `| p99 ms, median | ${median(runs.A.map((r) => r.wrk.p99Ms)).toFixed(2)} | ${median(runs.B.map((r) => r.wrk.p99Ms)).toFixed(2)} |`,
    "",
    `B/A req/s per pair: ${ratios.map((r) => r.toFixed(3)).join(", ")}; median ${median(ratios).toFixed(3)}`,
    `Node ${process.version}, ${availableParallelism()} cores, ${pinned ? "pinned (load on CPU 0, proxy on CPU 1)" : "not pinned"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

process.exitCode = await main();
