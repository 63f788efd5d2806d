// The mTLS data-plane benchmark (`npm run bench:dp:mtls`, never run by `npm test`): two sidecar
// proxies in a row, web (the caller's outbound side) and catalog (the callee's inbound side),
// the hop between them in plaintext or over mutual TLS with mesh certificates, measured with wrk
// through both under the same keep-alive load, the variants alternating; then the cost of a new
// connection to the catalog proxy with and without the mTLS handshake, and to a bare Node server
// with the same TLS settings (calibration: Node's own cost of a handshake). Prints a markdown report
// and writes it into its section of BENCHMARKS.md. Needs wrk and nginx (as `npm run bench:dp`)
// and the compiled CLI: run `npm run build` first.
// Options (defaults shown): --seconds 8 --warmup 2 --rounds 5 --connections 32
// --connect-seconds 3 --connect-warmup 1 --connect-rounds 3 --connect-concurrency 8 --no-write.

import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePorts } from "./dp-free-ports.js";
import { CATALOG_NODE, type MtlsPorts, mtlsResources, WEB_NODE } from "./dp-mtls-config.js";
import type { ConnectMode, ConnectOptions, ConnectResult } from "./dp-mtls-connect.js";
import { type BenchPki, mintPki } from "./dp-mtls-pki.js";
import {
  type ConnectRun,
  type ConnectTarget,
  type HopRun,
  type MtlsReport,
  renderMtlsReport,
  type Variant,
  writeMtlsSection,
} from "./dp-mtls-report.js";
import { startBackend, waitForHttp } from "./dp-nginx.js";
import { withNoise } from "./dp-noise.js";
import { BenchProcess, describeRunning, type StartOptions, stopAllProcesses } from "./dp-process.js";
import { findTools } from "./dp-tools.js";
import { checkBuilt, startControlPlane, startWeftProxy, type WeftProxy, waitForReady } from "./dp-weft.js";
import { runWrk, type WrkLoad } from "./dp-wrk.js";
import { processStats, waitForQuietMachine } from "./proc-stats.js";
import { runLine } from "./report-markdown.js";

const here = import.meta.dirname;
const log = (line: string) => process.stderr.write(`${line}\n`);
/** Before each measured run, wait up to this long for the rest of the machine to use less than QUIET_CORES. */
const QUIET_WAIT_MS = 2_000;
const QUIET_CORES = 0.2;

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} takes a positive number, got "${value}"`);
  return n;
}

/** Fails early, with the answer, if `url` does not answer 200 "ok" through both proxies. */
async function checkAnswers(what: string, url: string): Promise<void> {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== 200 || body !== "ok") {
    throw new Error(`${what} at ${url} answered ${response.status} "${body.slice(0, 200)}", not 200 "ok"`);
  }
}

/** The catalog proxy's mTLS listener must refuse a plaintext client (no answer at all). */
async function checkRefusesPlaintext(port: number): Promise<void> {
  const answered = await fetch(`http://127.0.0.1:${port}/`).then(
    (response) => response.status,
    () => undefined,
  );
  if (answered !== undefined) throw new Error(`the mTLS listener :${port} answered a plaintext request (${answered})`);
}

const cpuSeconds = async (proxy: WeftProxy) => (await processStats(proxy.process.pid)).cpuSeconds;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "8" },
      warmup: { type: "string", default: "2" },
      rounds: { type: "string", default: "5" },
      connections: { type: "string", default: "32" },
      "connect-seconds": { type: "string", default: "3" },
      "connect-warmup": { type: "string", default: "1" },
      "connect-rounds": { type: "string", default: "3" },
      "connect-concurrency": { type: "string", default: "8" },
      "no-write": { type: "boolean", default: false },
    },
  });
  const seconds = positive(values.seconds, "--seconds");
  const warmup = positive(values.warmup, "--warmup");
  const rounds = positive(values.rounds, "--rounds");
  const load: WrkLoad = { threads: 1, connections: positive(values.connections, "--connections"), seconds };
  const connectSeconds = positive(values["connect-seconds"], "--connect-seconds");
  const connectWarmup = positive(values["connect-warmup"], "--connect-warmup");
  const connectRounds = positive(values["connect-rounds"], "--connect-rounds");
  const concurrencies = [1, positive(values["connect-concurrency"], "--connect-concurrency")];
  const loadAverage = loadavg();

  const tools = await findTools();
  const stale = await checkBuilt();
  if (stale) log(`warning: ${stale}`);
  // Two cores: wrk (or the connection client), the backend and the control plane on CPU 0; both
  // proxies on CPU 1, so the proxies' CPU per request is what the variants compare.
  const pinned = tools.taskset !== undefined && availableParallelism() >= 2;
  const loadPin: StartOptions = pinned ? { cpu: 0, taskset: tools.taskset } : {};
  const proxyPin: StartOptions = pinned ? { cpu: 1, taskset: tools.taskset } : {};
  const pinning = pinned
    ? "Pinned with taskset: wrk (or the connection client), the backend nginx and the control plane on CPU 0; both " +
      "proxies (every thread) on CPU 1, so the two proxies share one core and their CPU per request sets the pace."
    : "Not pinned (taskset missing or fewer than 2 cores): every process shares every core.";
  const notes: string[] = [];

  const [backend, webPlain, webMtls, catalogPlain, catalogMtls] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const ports: MtlsPorts = { backend, webPlain, webMtls, catalogPlain, catalogMtls };
  const stops: (() => Promise<void>)[] = [];
  const hops: Record<Variant, HopRun[]> = { plain: [], mtls: [] };
  const connectRuns: ConnectRun[] = [];
  try {
    const pki: BenchPki = await mintPki(["web", "catalog"]);
    stops.push(pki.remove);
    log(
      `certificates in ${pki.dir}: ${Object.values(pki.workloads)
        .map((w) => w.spiffeId)
        .join(", ")}`,
    );
    const nginx = await startBackend(tools.nginx, [backend], loadPin);
    stops.push(nginx.stop);
    const controlPlane = await startControlPlane(loadPin);
    stops.push(controlPlane.stop);
    await controlPlane.api.apply(mtlsResources(ports, pki));
    const web = await startWeftProxy(controlPlane.xds, proxyPin, [], undefined, WEB_NODE);
    stops.push(web.stop);
    const catalog = await startWeftProxy(controlPlane.xds, proxyPin, [], undefined, CATALOG_NODE);
    stops.push(catalog.stop);
    await Promise.all([waitForReady(web, 30_000), waitForReady(catalog, 30_000)]);
    const urls: Record<Variant, string> = {
      plain: `http://127.0.0.1:${webPlain}/`,
      mtls: `http://127.0.0.1:${webMtls}/`,
    };
    await waitForHttp(urls.plain, 10_000, web.process);
    await waitForHttp(urls.mtls, 10_000, web.process);
    await checkAnswers("web -> catalog in plaintext", urls.plain);
    await checkAnswers("web -> catalog over mTLS", urls.mtls);
    await checkRefusesPlaintext(catalogMtls);
    log(`proxies ready: web ${web.admin}, catalog ${catalog.admin}`);
    const bare = await startBareServer(pki, proxyPin);
    stops.push(() => bare.process.stop());

    for (let round = 1; round <= rounds; round++) {
      for (const variant of ["plain", "mtls"] as const) {
        await runWrk(tools.wrk, urls[variant], { ...load, seconds: warmup }, loadPin);
        await waitForQuietMachine(QUIET_CORES, QUIET_WAIT_MS);
        const before = await Promise.all([cpuSeconds(web), cpuSeconds(catalog)]);
        const measured = await withNoise(() => runWrk(tools.wrk, urls[variant], load, loadPin));
        const after = await Promise.all([cpuSeconds(web), cpuSeconds(catalog)]);
        const perKilo = (i: 0 | 1) => ((after[i] - before[i]) * 1_000 * 1_000) / measured.result.requests;
        const run: HopRun = {
          ...measured.result,
          webCpuMsPerKiloRequest: perKilo(0),
          catalogCpuMsPerKiloRequest: perKilo(1),
          otherCores: measured.otherCores,
        };
        hops[variant].push(run);
        log(
          `round ${round}, ${variant}: ${Math.round(run.requestsPerSecond)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
            `failed ${run.non2xx + run.socketErrors}, CPU per 1k req web ${run.webCpuMsPerKiloRequest.toFixed(1)} ms, ` +
            `catalog ${run.catalogCpuMsPerKiloRequest.toFixed(1)} ms, other load ${run.otherCores.toFixed(2)} cores`,
        );
      }
    }

    const client = pki.workloads.web;
    const catalogId = pki.workloads.catalog?.spiffeId;
    if (client === undefined || catalogId === undefined) throw new Error("certificates missing");
    // The catalog proxy in every mode and concurrency; the bare Node server (calibration) only in
    // plaintext and with full handshakes, at the higher concurrency, to keep the run short.
    const plans: { target: ConnectTarget; mode: ConnectMode; concurrency: number }[] = [];
    for (const mode of ["plain", "tls", "tls-resumed"] as const) {
      for (const concurrency of concurrencies) plans.push({ target: "proxy", mode, concurrency });
    }
    for (const mode of ["plain", "tls"] as const) {
      plans.push({ target: "bare", mode, concurrency: concurrencies.at(-1) as number });
    }
    const servers: Record<ConnectTarget, { pid: number; plain: number; tls: number }> = {
      proxy: { pid: catalog.process.pid, plain: catalogPlain, tls: catalogMtls },
      bare: { pid: bare.process.pid, plain: bare.plainPort, tls: bare.tlsPort },
    };
    for (let round = 1; round <= connectRounds; round++) {
      for (const { target, mode, concurrency } of plans) {
        const server = servers[target];
        const options: ConnectOptions = {
          mode,
          port: mode === "plain" ? server.plain : server.tls,
          concurrency,
          seconds: connectSeconds,
          warmup: connectWarmup,
          ...(mode === "plain"
            ? {}
            : { chainFile: client.chainFile, keyFile: client.keyFile, rootFile: pki.rootFile, serverId: catalogId }),
        };
        await waitForQuietMachine(QUIET_CORES, QUIET_WAIT_MS);
        const before = (await processStats(server.pid)).cpuSeconds;
        const measured = await withNoise(() => connectRun(options, loadPin));
        const served = measured.result.connections + measured.result.warmupConnections;
        const run: ConnectRun = {
          ...measured.result,
          target,
          serverCpuMsPerConnection:
            (((await processStats(server.pid)).cpuSeconds - before) * 1_000) / Math.max(1, served),
          otherCores: measured.otherCores,
        };
        connectRuns.push(run);
        log(
          `round ${round}, new connections to the ${target === "proxy" ? "catalog proxy" : "bare server"}, ${mode} x${concurrency}: ${Math.round(run.connectionsPerSecond)}/s, ` +
            `connected p50 ${run.establishP50Ms.toFixed(2)} ms, with request p50 ${run.totalP50Ms.toFixed(2)} ms ` +
            `p99 ${run.totalP99Ms.toFixed(2)} ms, server CPU ${run.serverCpuMsPerConnection.toFixed(2)} ms/conn, ` +
            `client CPU ${run.clientCpuMsPerConnection.toFixed(2)} ms/conn, resumed ${run.resumed}, ` +
            `failed ${run.failed}${run.firstError ? ` (${run.firstError})` : ""}, other load ${run.otherCores.toFixed(2)}`,
        );
      }
    }
  } catch (error) {
    log(`failed; the processes still running:\n${describeRunning()}`);
    throw error;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }

  const resumedAny = connectRuns.some((run) => run.mode === "tls-resumed" && run.resumed > 0);
  if (!resumedAny) notes.push("no TLS session was resumed: the resumed rows are full handshakes.");
  const command = ["npm run bench:dp:mtls", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(
    " ",
  );
  const report: MtlsReport = {
    command,
    runLine: runLine(command, "bench/dp-mtls.ts"),
    loadAverage,
    pinning,
    load: { connections: load.connections, seconds, warmup },
    rounds,
    hops,
    connect: {
      seconds: connectSeconds,
      warmup: connectWarmup,
      rounds: connectRounds,
      concurrencies,
      runs: connectRuns,
    },
    notes,
  };
  const text = renderMtlsReport(report);
  process.stdout.write(`${text}\n`);
  if (!values["no-write"]) {
    const file = resolve("BENCHMARKS.md");
    await writeMtlsSection(file, text);
    log(`written to ${file}`);
  }
  return 0;
}

/** The calibration server (dp-mtls-bare-server.ts) with the catalog certificate, once it listens. */
async function startBareServer(
  pki: BenchPki,
  pin: StartOptions,
): Promise<{ process: BenchProcess; plainPort: number; tlsPort: number }> {
  const catalog = pki.workloads.catalog;
  const web = pki.workloads.web;
  if (catalog === undefined || web === undefined) throw new Error("certificates missing");
  const options = {
    chainFile: catalog.chainFile,
    keyFile: catalog.keyFile,
    rootFile: pki.rootFile,
    clientId: web.spiffeId,
  };
  const child = new BenchProcess(
    "bare Node server",
    process.execPath,
    ["--import", "tsx", join(here, "dp-mtls-bare-server.ts"), JSON.stringify(options)],
    pin,
  );
  try {
    const ports = await child.waitForJson(
      (line) =>
        typeof line.plainPort === "number" && typeof line.tlsPort === "number"
          ? { plainPort: line.plainPort, tlsPort: line.tlsPort }
          : undefined,
      20_000,
    );
    return { process: child, ...ports };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** One run of the new-connection client (a child process), parsed. */
async function connectRun(options: ConnectOptions, pin: StartOptions): Promise<ConnectResult> {
  const child = new BenchProcess(
    `connections ${options.mode as ConnectMode}`,
    process.execPath,
    ["--import", "tsx", join(here, "dp-mtls-connect.ts"), JSON.stringify(options)],
    pin,
  );
  const code = await child.exited;
  if (code !== 0) throw new Error(`the connection client exited with ${code}:\n${child.tail()}`);
  const last = child.stdout.trim().split("\n").pop() ?? "";
  const result = JSON.parse(last) as ConnectResult;
  if (result.connections === 0) throw new Error(`no connection completed: ${result.firstError ?? "no error"}`);
  return result;
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
