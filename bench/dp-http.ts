// The data-plane benchmark (`npm run bench:dp`, never run by `npm test`): wrk against a small
// fixed-response backend (nginx) directly, through nginx as a reference proxy, through a naive
// Node proxy (calibration) and through one `weft proxy`; then latency at a fixed rate, the
// proxy's memory with 100 clusters, and failed requests under config churn. Prints a markdown
// report and writes it into the "Data plane" section of BENCHMARKS.md. Needs wrk and nginx, and
// the compiled CLI: run `npm run build` first (the benchmark stops if dist/ is missing and warns
// if a source file is newer).
// Options (defaults shown): --seconds 10 --warmup 3 --rounds 3 --connections 32 --rate 1000
// --churn-rate 10 --churn-seconds 10 --cpu-prof DIR (one more Weft run under node --cpu-prof,
// summarized) --no-weft (everything but the Weft proxy) --no-write.
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { availableParallelism, cpus, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Profile, summarizeProfile, type Window } from "./cpu-profile-summary.js";
import { churn, scrapeCounter } from "./dp-churn.js";
import { CLUSTERS, meshResources } from "./dp-config.js";
import { freePorts } from "./dp-free-ports.js";
import { collectGarbage, inspectorUrl } from "./dp-inspector-gc.js";
import { type Nginx, proxyConfig, startBackend, startNginx, waitForHttp } from "./dp-nginx.js";
import { withNoise } from "./dp-noise.js";
import type { OpenLoopResult } from "./dp-open-loop.js";
import { BenchProcess, childPids, describeRunning, type StartOptions, stopAllProcesses } from "./dp-process.js";
import {
  type Churn,
  type DpReport,
  type FixedRateRun,
  type Memory,
  renderReport,
  type Target,
  type ThroughputRun,
  writeDataPlaneSection,
} from "./dp-report.js";
import { findTools, type Tools } from "./dp-tools.js";
import { checkBuilt, startControlPlane, startWeftProxy, type WeftProxy, waitForReady } from "./dp-weft.js";
import { parseWrk, runWrk, startWrk, type WrkLoad } from "./dp-wrk.js";
import { processStats, waitForQuietMachine } from "./proc-stats.js";

const here = import.meta.dirname;
const log = (line: string) => process.stderr.write(`${line}\n`);
/** The monotonic clock in microseconds, as V8's CPU profiles time their samples. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** Other processes may use this many cores during a measured run; above it, the run is repeated. */
const NOISE_LIMIT = 0.15;
const MAX_ATTEMPTS = 3;
/** How long the proxy sits idle before its memory is read. */
const IDLE_MS = 5_000;

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} takes a positive number, got "${value}"`);
  return n;
}

/** The first line a tool prints about its version (nginx -v writes to stderr; wrk -v exits 1). */
function toolVersion(command: string, flag: string): string {
  const result = spawnSync(command, [flag], { encoding: "utf8" });
  return `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] ?? command;
}

function machineNotes(tools: Tools): string {
  const model = cpus()[0]?.model.trim() ?? "unknown CPU";
  return (
    `${availableParallelism()} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, ` +
    `Node ${process.version}, ${toolVersion(tools.nginx, "-v")}, ${toolVersion(tools.wrk, "-v").replace(/ Copyright.*$/, "")}`
  );
}

/** A Node child script of this folder, run with tsx. */
function nodeScript(name: string, script: string, args: readonly string[], pin: StartOptions): BenchProcess {
  return new BenchProcess(name, process.execPath, ["--import", "tsx", join(here, script), ...args], pin);
}

async function openLoop(url: string, rate: number, seconds: number, pin: StartOptions): Promise<OpenLoopResult> {
  const child = nodeScript("open-loop load", "dp-open-loop.ts", [url, String(rate), String(seconds), "2"], pin);
  const code = await child.exited;
  if (code !== 0) throw new Error(`open-loop load exited with ${code}:\n${child.tail()}`);
  const last = child.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as OpenLoopResult;
}

/** Fails early, with the answer, if `url` does not answer 200 "ok" (a misrouted proxy would skew every number). */
async function checkAnswers(target: string, url: string): Promise<void> {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== 200 || body !== "ok") {
    throw new Error(`${target} at ${url} answered ${response.status} "${body.slice(0, 200)}", not 200 "ok"`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      warmup: { type: "string", default: "3" },
      rounds: { type: "string", default: "3" },
      connections: { type: "string", default: "32" },
      rate: { type: "string", default: "1000" },
      "churn-rate": { type: "string", default: "10" },
      "churn-seconds": { type: "string", default: "10" },
      "cpu-prof": { type: "string" },
      "no-weft": { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
  });
  const seconds = positive(values.seconds, "--seconds");
  const warmup = positive(values.warmup, "--warmup");
  const rounds = positive(values.rounds, "--rounds");
  const rate = positive(values.rate, "--rate");
  const churnRate = positive(values["churn-rate"], "--churn-rate");
  const churnSeconds = positive(values["churn-seconds"], "--churn-seconds");
  const load: WrkLoad = { threads: 1, connections: positive(values.connections, "--connections"), seconds };
  const withWeft = !values["no-weft"];

  const tools = await findTools();
  const stale = withWeft ? await checkBuilt() : undefined;
  if (stale) log(`warning: ${stale}`);
  // Two cores: the load generator and the backend (and the control plane, idle but for the churn)
  // share CPU 0; the proxy under test has CPU 1 to itself, all its threads included.
  const pinned = tools.taskset !== undefined && availableParallelism() >= 2;
  const loadPin: StartOptions = pinned ? { cpu: 0, taskset: tools.taskset } : {};
  const proxyPin: StartOptions = pinned ? { cpu: 1, taskset: tools.taskset } : {};
  const pinning = pinned
    ? "Pinned with taskset: wrk (or the open-loop generator), the backend nginx and the control plane on CPU 0; " +
      "the proxy under test (nginx, the naive proxy or Weft, every thread) alone on CPU 1. The direct row shows what " +
      "CPU 0 serves with no proxy (load generator plus backend), the ceiling of every proxied row; the server CPU " +
      "column is the serving process's CPU time over the run (nginx: master and worker), 1.00 being all of its core."
    : "Not pinned (taskset missing or fewer than 2 cores): every process shares every core.";
  const notes: string[] = [
    `a measured run during which other processes on the machine used more than ${NOISE_LIMIT} cores is repeated ` +
      `(at most ${MAX_ATTEMPTS} attempts, the least disturbed kept), each after waiting up to 20 s for a quiet machine; ` +
      '"other load" is that CPU, from /proc/stat less this benchmark\'s own process tree.',
  ];

  const [backendA, backendB, nginxPort, weftPort] = (await freePorts(4)) as [number, number, number, number];
  const backendPorts = [backendA, backendB];
  const stops: (() => Promise<void>)[] = [];
  const throughput: Partial<Record<Target, ThroughputRun[]>> = {};
  const fixedRate: Partial<Record<Target, FixedRateRun>> = {};
  let memory: Memory | undefined;
  let churnResult: Churn | undefined;
  try {
    log(`backend nginx on 127.0.0.1:${backendA} and :${backendB}`);
    const backend: Nginx = await startBackend(tools.nginx, backendPorts, loadPin);
    stops.push(backend.stop);
    const reference = await startNginx(
      "nginx proxy",
      tools.nginx,
      (prefix) => proxyConfig(prefix, nginxPort, backendPorts),
      nginxPort,
      proxyPin,
    );
    stops.push(reference.stop);
    const naive = nodeScript("naive proxy", "dp-naive-proxy.ts", [`http://127.0.0.1:${backendA}`], proxyPin);
    stops.push(() => naive.stop());
    const naivePort = await naive.waitForJson(
      (line) => (typeof line.port === "number" ? line.port : undefined),
      20_000,
    );

    const measureAll = async (targets: Partial<Record<Target, Endpoint>>) => {
      for (const [target, { url }] of Object.entries(targets)) await checkAnswers(target, url);
      await throughputRounds(tools.wrk, targets, { load, warmup, rounds, pin: loadPin }, throughput);
      for (const target of ["direct", "nginx", "weft"] as const) {
        const url = targets[target]?.url;
        if (!url) continue;
        log(`fixed rate ${rate} req/s: ${target}`);
        const run = await leastNoisy(() => withNoise(() => openLoop(url, rate, seconds, loadPin)));
        fixedRate[target] = { ...run.result, otherCores: run.otherCores };
      }
    };
    const targets: Partial<Record<Target, Endpoint>> = {
      direct: { url: `http://127.0.0.1:${backendA}/`, pid: backend.process.pid },
      nginx: { url: `http://127.0.0.1:${nginxPort}/`, pid: reference.process.pid },
      naive: { url: `http://127.0.0.1:${naivePort}/`, pid: naive.pid },
    };
    if (withWeft) {
      const controlPlane = await startControlPlane(loadPin);
      stops.push(controlPlane.stop);
      await controlPlane.api.apply(meshResources(weftPort, backendPorts));
      log(`control plane: api ${controlPlane.api.base}, xds ${controlPlane.xds}; ${CLUSTERS} clusters applied`);
      const afterGcKb = await idleRssAfterGc(controlPlane.xds, proxyPin);
      const weft = await startWeftProxy(controlPlane.xds, proxyPin);
      stops.push(weft.stop);
      const readyMs = await waitForReady(weft, 30_000);
      await sleep(IDLE_MS);
      const idleKb = (await processStats(weft.process.pid)).rssKb;
      log(`weft proxy ready in ${Math.round(readyMs)} ms; idle RSS ${(idleKb / 1024).toFixed(1)} MiB`);
      const weftUrl = `http://127.0.0.1:${weftPort}/`;
      targets.weft = { url: weftUrl, pid: weft.process.pid };
      await waitForHttp(weftUrl, 10_000, weft.process);

      await measureAll(targets);
      churnResult = await churnRun(tools.wrk, weftUrl, weft, controlPlane.api, backendPorts, {
        load,
        churnRate,
        churnSeconds,
        pin: loadPin,
      });
      memory = { idleKb, afterGcKb, afterLoadKb: (await processStats(weft.process.pid)).rssKb, readyMs };
      if (values["cpu-prof"] !== undefined) {
        await weft.stop();
        const profile = { dir: resolve(values["cpu-prof"]), proxyPin, loadPin };
        await profileRun(tools.wrk, controlPlane.xds, weftUrl, load, warmup, profile);
      }
    } else {
      notes.push("run with --no-weft: the Weft proxy was not measured.");
      await measureAll(targets);
    }
  } catch (error) {
    log(`failed; the processes still running:\n${describeRunning()}`);
    throw error;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }

  const command = ["npm run bench:dp", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const report: DpReport = {
    command,
    machine: machineNotes(tools),
    pinning,
    load: { threads: load.threads, connections: load.connections, seconds, warmup },
    rounds,
    throughput,
    fixedRate,
    rate,
    memory,
    churn: churnResult,
    churnRate,
    clusters: CLUSTERS,
    notes,
  };
  const text = renderReport(report);
  process.stdout.write(`${text}\n`);
  if (!values["no-write"]) {
    const file = resolve("BENCHMARKS.md");
    await writeDataPlaneSection(file, text);
    log(`written to ${file}`);
  }
  return 0;
}

/**
 * Runs `measure` (after waiting for a quiet machine) until the rest of the machine used at most
 * NOISE_LIMIT cores during it, at most MAX_ATTEMPTS times; returns the least disturbed attempt.
 */
async function leastNoisy<T>(
  measure: () => Promise<{ result: T; otherCores: number }>,
): Promise<{ result: T; otherCores: number }> {
  let best: { result: T; otherCores: number } | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    await waitForQuietMachine(NOISE_LIMIT, 20_000);
    const run = await measure();
    if (best === undefined || run.otherCores < best.otherCores) best = run;
    if (run.otherCores <= NOISE_LIMIT) break;
    log(`  other processes used ${run.otherCores.toFixed(2)} cores during the run; measuring again`);
  }
  return best as { result: T; otherCores: number };
}

/** CPU seconds used so far by `pid` and its children (an nginx master and its worker). */
async function serverCpuSeconds(pid: number): Promise<number> {
  const pids = [pid, ...(await childPids(pid))];
  const stats = await Promise.all(pids.map((one) => processStats(one)));
  return stats.reduce((sum, one) => sum + one.cpuSeconds, 0);
}

/** Where a target is reached, and the process (tree) serving it, whose CPU is read around each run. */
interface Endpoint {
  readonly url: string;
  readonly pid: number;
}

/**
 * wrk against every target, `rounds` times with the targets interleaved (so drift hits all
 * alike), with the CPU the serving process used meanwhile.
 */
async function throughputRounds(
  wrk: string,
  targets: Partial<Record<Target, Endpoint>>,
  options: { load: WrkLoad; warmup: number; rounds: number; pin: StartOptions },
  into: Partial<Record<Target, ThroughputRun[]>>,
): Promise<void> {
  for (let round = 1; round <= options.rounds; round++) {
    for (const [target, { url, pid }] of Object.entries(targets) as [Target, Endpoint][]) {
      const run = await leastNoisy(async () => {
        await runWrk(wrk, url, { ...options.load, seconds: options.warmup }, options.pin);
        const cpuBefore = await serverCpuSeconds(pid);
        const measured = await withNoise(() => runWrk(wrk, url, options.load, options.pin));
        const serverCores = ((await serverCpuSeconds(pid)) - cpuBefore) / measured.result.seconds;
        return { ...measured, result: { ...measured.result, serverCores, otherCores: measured.otherCores } };
      });
      const result = run.result;
      const serverCores = result.serverCores;
      const runs = into[target] ?? [];
      runs.push(result);
      into[target] = runs;
      log(
        `round ${round}, ${target}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, ` +
          `p99 ${result.p99Ms} ms, failed ${result.non2xx + result.socketErrors}, server CPU ${serverCores.toFixed(2)} cores, ` +
          `other load ${result.otherCores.toFixed(2)} cores`,
      );
    }
  }
}

/** RSS of a proxy of its own (inspector on), idle with the mesh, after a full GC; stopped before the load runs. */
async function idleRssAfterGc(xds: string, pin: StartOptions): Promise<number> {
  const proxy = await startWeftProxy(xds, pin, ["--inspect=127.0.0.1:0"]);
  try {
    await waitForReady(proxy, 30_000);
    await sleep(IDLE_MS);
    await collectGarbage(await inspectorUrl(proxy.process, 5_000));
    await sleep(1_000);
    return (await processStats(proxy.process.pid)).rssKb;
  } finally {
    await proxy.stop();
  }
}

/** wrk through the proxy while config changes are PUT; wrk runs a second longer on each side. */
async function churnRun(
  wrk: string,
  url: string,
  proxy: WeftProxy,
  api: Parameters<typeof churn>[0],
  backendPorts: readonly number[],
  options: { load: WrkLoad; churnRate: number; churnSeconds: number; pin: StartOptions },
): Promise<Churn> {
  log(`churn: ${options.churnRate} changes/s for ${options.churnSeconds} s under wrk`);
  const [ackedBefore, nackedBefore] = await Promise.all([
    scrapeCounter(proxy.admin, "weft_proxy_config_updates_total"),
    scrapeCounter(proxy.admin, "weft_proxy_config_rejections_total"),
  ]);
  const load = startWrk(wrk, url, { ...options.load, seconds: options.churnSeconds + 2 }, options.pin);
  await sleep(1_000);
  const changes = await churn(api, backendPorts, options.churnRate, options.churnSeconds);
  const code = await load.exited;
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${load.tail()}`);
  const [ackedAfter, nackedAfter] = await Promise.all([
    scrapeCounter(proxy.admin, "weft_proxy_config_updates_total"),
    scrapeCounter(proxy.admin, "weft_proxy_config_rejections_total"),
  ]);
  return { load: parseWrk(load.stdout), changes, acked: ackedAfter - ackedBefore, nacked: nackedAfter - nackedBefore };
}

/** One wrk run through a proxy under node --cpu-prof; prints the profile's summary once it stopped. */
async function profileRun(
  wrk: string,
  xds: string,
  url: string,
  load: WrkLoad,
  warmup: number,
  options: { dir: string; proxyPin: StartOptions; loadPin: StartOptions },
): Promise<void> {
  const before = new Set(await readdir(options.dir).catch(() => []));
  let window: Window | undefined;
  const proxy = await startWeftProxy(xds, options.proxyPin, ["--cpu-prof", `--cpu-prof-dir=${options.dir}`]);
  try {
    await waitForReady(proxy, 30_000);
    await waitForHttp(url, 10_000, proxy.process);
    await runWrk(wrk, url, { ...load, seconds: warmup }, options.loadPin);
    await waitForQuietMachine(NOISE_LIMIT, 20_000);
    const startUs = monotonicUs();
    const measured = await withNoise(() => runWrk(wrk, url, load, options.loadPin));
    window = { startUs, endUs: monotonicUs() };
    const result = measured.result;
    log(
      `profiled run: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, ` +
        `other load ${measured.otherCores.toFixed(2)} cores`,
    );
  } finally {
    // The profile is written when the process exits.
    await proxy.stop();
  }
  const written = (await readdir(options.dir)).filter((name) => name.endsWith(".cpuprofile") && !before.has(name));
  for (const name of written) {
    const profile = JSON.parse(await readFile(join(options.dir, name), "utf8")) as Profile;
    // Only the measured run: start-up, config and shutdown are left out.
    log(
      `\n# CPU profile of the Weft proxy, measured run: ${join(options.dir, name)}\n${summarizeProfile(profile, 30, window)}`,
    );
  }
}

process.on("SIGINT", () => {
  void stopAllProcesses().then(() => process.exit(130));
});
try {
  process.exitCode = await main();
} catch (error) {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await stopAllProcesses();
  process.exitCode = 1;
}
