// One benchmark scenario: a fresh control plane in its own process, the mesh loaded through the
// REST API, N simulated proxies spread over several processes; then the time to connect and sync
// them all, rounds of single route and single endpoint changes timed from the API's answer to each
// proxy's ACK of the new content, and the control plane's memory and CPU read from /proc.
import { join } from "node:path";
import { ChildLink } from "./child-link.js";
import { ApiClient } from "./cp-api-client.js";
import { type GcMemory, gcMemory, type ServerLink, startControlPlane, stopControlPlane } from "./cp-server-link.js";
import {
  clusterName,
  endpointPort,
  loadAssignmentJson,
  type MeshShape,
  meshResources,
  ROUTE_CONFIG_NAME,
  routeConfigJson,
  routePrefix,
} from "./cp-xds-config.js";
import type { ChangeWatch, SimCommand, SimReport, XdsMode } from "./cp-xds-messages.js";
import type { Window } from "./cpu-profile-summary.js";
import { type Summary, summarize } from "./percentiles.js";
import { machineBusySeconds, type ProcessStats, processStats, waitForQuietMachine } from "./proc-stats.js";

export interface ScenarioOptions {
  readonly mode: XdsMode;
  readonly proxies: number;
  readonly simulators: number;
  readonly rounds: number;
  readonly shape: MeshShape;
  readonly connectConcurrency: number;
  readonly syncTimeoutMs: number;
  readonly roundTimeoutMs: number;
  /** Write a V8 CPU profile of the control plane into this folder. */
  readonly cpuProfileDir: string | undefined;
  readonly log: (line: string) => void;
}

export interface ChangeResult {
  /** Per round: API answer to the last proxy's ACK, ms (the round timeout when some never ACKed). */
  readonly lastAckMs: number[];
  /** Every proxy's convergence time of every round, pooled. */
  readonly perProxy: Summary;
  /** ACKs of the new content that never came, over all rounds. */
  readonly missing: number;
  /** Resources in the responses that carried the new content: count -> responses. */
  readonly resourcesPerResponse: Record<string, number>;
}

export interface ScenarioResult {
  readonly mode: XdsMode;
  readonly proxies: number;
  readonly syncSeconds: number;
  readonly synced: number;
  readonly streamErrors: number;
  readonly firstError: string | undefined;
  readonly route: ChangeResult;
  readonly endpoint: ChangeResult;
  /** Control plane with the mesh loaded, before any proxy connected. */
  readonly idle: ProcessStats;
  /** Right after every proxy synced. */
  readonly afterSync: ProcessStats;
  /** After the change rounds, every proxy still connected. */
  readonly final: ProcessStats;
  /** Idle and final memory after a forced full GC. */
  readonly idleGc: GcMemory;
  readonly finalGc: GcMemory;
  /** CPU seconds of the control plane while the proxies connected and synced. */
  readonly syncCpuSeconds: number;
  /** CPU seconds of each simulator process over the scenario. */
  readonly simulatorCpuSeconds: number[];
  /** CPU seconds of each simulator process while the proxies connected and synced. */
  readonly simulatorSyncCpuSeconds: number[];
  /** CPU seconds the rest of the machine (the orchestrator, anything else running) used during the sync. */
  readonly otherSyncCpuSeconds: number;
  /** The connect + sync phase and the change rounds, on the monotonic clock (for CPU profiles). */
  readonly phases: { readonly sync: Window; readonly changes: Window };
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

type SimLink = ChildLink<SimReport, SimCommand>;

const here = new URL(".", import.meta.url).pathname;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { log } = options;
  const nodeFlags = ["--expose-gc"];
  if (options.cpuProfileDir) {
    // One profile per thread (tsx's loader runs in a worker), named by PID and thread.
    nodeFlags.push(
      "--cpu-prof",
      `--cpu-prof-dir=${join(options.cpuProfileDir, `${options.mode}-${options.proxies}`, "control-plane")}`,
    );
  }
  const { server, dataDir } = await startControlPlane("weft-bench-cp-", nodeFlags);
  const sims: SimLink[] = [];
  try {
    const { xdsAddress, apiAddress } = await server.next("listening", 60_000);
    const api = new ApiClient(apiAddress);
    await api.apply(meshResources(options.shape));
    await sleep(1_000);
    const idle = await processStats(server.pid);
    const idleGc = await gcMemory(server);

    const perSim = Math.ceil(options.proxies / options.simulators);
    for (let s = 0, first = 0; first < options.proxies; s++, first += perSim) {
      const connections = Math.min(perSim, options.proxies - first);
      const args = [
        ...["--xds", xdsAddress, "--first-id", String(first), "--connections", String(connections)],
        ...["--mode", options.mode, "--connect-concurrency", String(options.connectConcurrency)],
        ...["--sync-timeout-ms", String(options.syncTimeoutMs), "--round-timeout-ms", String(options.roundTimeoutMs)],
      ];
      // Larger young generation: fewer scavenges of the simulators' short-lived message objects.
      const simFlags = ["--max-semi-space-size=32"];
      if (options.cpuProfileDir) {
        simFlags.push(
          "--cpu-prof",
          `--cpu-prof-dir=${join(options.cpuProfileDir, `${options.mode}-${options.proxies}`, "simulators")}`,
        );
      }
      sims.push(new ChildLink(`simulator ${s}`, join(here, "cp-xds-proxy-sim.ts"), args, { nodeFlags: simFlags }));
    }
    await Promise.all(sims.map((sim) => sim.next("ready", 60_000)));

    const { syncSeconds, synced, syncReports, afterSync, sync, simSyncCpu, otherSyncCpu } = await connectAndSync(
      server,
      sims,
      options,
    );

    const changesStartUs = monotonicUs();
    const changedRoutes = new Map<number, number>();
    const route = newChanges();
    const endpoint = newChanges();
    for (let round = 1; round <= options.rounds; round++) {
      // A different route and cluster each round, so every round is new content.
      const index = (round * 37) % options.shape.clusters;
      changedRoutes.set(index, round);
      const routeWatch: ChangeWatch = {
        kind: "route",
        routeConfig: ROUTE_CONFIG_NAME,
        prefix: routePrefix(index, round),
      };
      await timeChange(server, sims, 2 * round - 1, routeWatch, options, route, () =>
        api.put("routes", ROUTE_CONFIG_NAME, routeConfigJson(options.shape, changedRoutes)),
      );
      const cluster = clusterName(index);
      const endpointWatch: ChangeWatch = { kind: "endpoint", cluster, port: endpointPort(index, 0, round) };
      await timeChange(server, sims, 2 * round, endpointWatch, options, endpoint, () =>
        api.put("endpoints", cluster, loadAssignmentJson(options.shape, index, round)),
      );
      const cpu = (changes: Changes) => (changes.cpuSeconds.at(-1) ?? []).map((s) => s.toFixed(2)).join("/");
      log(
        `  round ${round}: route ${route.lastAckMs.at(-1)?.toFixed(0)} ms (CPU s, control plane/simulators: ${cpu(route)}), ` +
          `endpoint ${endpoint.lastAckMs.at(-1)?.toFixed(0)} ms (${cpu(endpoint)}) (last ACK)`,
      );
    }
    const changes = { startUs: changesStartUs, endUs: monotonicUs() };
    const final = await processStats(server.pid);
    const finalGc = await gcMemory(server);
    const perProxy = (kb: number) => (kb / options.proxies).toFixed(1);
    log(
      `  after full GC, per proxy: RSS ${perProxy(finalGc.rssKb - idleGc.rssKb)} KiB, V8 heap used ` +
        `${perProxy(finalGc.heapUsedKb - idleGc.heapUsedKb)} KiB, external ${perProxy(finalGc.externalKb - idleGc.externalKb)} KiB`,
    );
    const simulatorCpuSeconds = await Promise.all(sims.map(async (sim) => (await processStats(sim.pid)).cpuSeconds));
    return {
      mode: options.mode,
      proxies: options.proxies,
      syncSeconds,
      synced,
      streamErrors: syncReports.reduce((n, r) => n + r.streamErrors, 0),
      firstError: syncReports.find((r) => r.firstError)?.firstError,
      route: finish(route),
      endpoint: finish(endpoint),
      idle,
      afterSync,
      final,
      idleGc,
      finalGc,
      syncCpuSeconds: afterSync.cpuSeconds - idle.cpuSeconds,
      simulatorCpuSeconds,
      simulatorSyncCpuSeconds: simSyncCpu,
      otherSyncCpuSeconds: otherSyncCpu,
      phases: { sync, changes },
    };
  } finally {
    await Promise.all(sims.map((sim) => sim.stop()));
    await stopControlPlane(server, dataDir);
  }
}

/** Starts every simulator's proxies at once and waits until all are synced; times it and its CPU. */
async function connectAndSync(server: ServerLink, sims: readonly SimLink[], options: ScenarioOptions) {
  const { log } = options;
  const busy = await waitForQuietMachine(0.3, 60_000);
  if (busy >= 0.3) log(`  the machine stayed busy (${busy.toFixed(2)} cores used by others); starting anyway`);
  const simsBefore = await Promise.all(sims.map((sim) => processStats(sim.pid)));
  const serverBefore = await processStats(server.pid);
  const machineBefore = await machineBusySeconds();
  const syncStartUs = monotonicUs();
  const connectAt = performance.timeOrigin + performance.now();
  for (const sim of sims) sim.send({ type: "connect" });
  const syncReports = await Promise.all(sims.map((sim) => sim.next("synced", options.syncTimeoutMs + 10_000)));
  const sync = { startUs: syncStartUs, endUs: monotonicUs() };
  const lastSyncedAt = Math.max(...syncReports.map((r) => r.lastSyncedAt));
  const syncSeconds = (lastSyncedAt - connectAt) / 1_000;
  const synced = syncReports.reduce((n, r) => n + r.synced, 0);
  const afterSync = await processStats(server.pid);
  const simsAfter = await Promise.all(sims.map((sim) => processStats(sim.pid)));
  const simSyncCpu = simsAfter.map((after, i) => after.cpuSeconds - (simsBefore[i]?.cpuSeconds ?? 0));
  const serverSyncCpu = afterSync.cpuSeconds - serverBefore.cpuSeconds;
  const otherSyncCpu =
    (await machineBusySeconds()) - machineBefore - serverSyncCpu - simSyncCpu.reduce((a, b) => a + b, 0);
  log(
    `  CPU during sync: control plane ${serverSyncCpu.toFixed(2)} s, ` +
      `simulators ${simSyncCpu.map((c) => c.toFixed(2)).join(" + ")} s, everything else on the machine ${otherSyncCpu.toFixed(2)} s`,
  );
  const lastDialledAt = Math.max(...syncReports.map((r) => r.lastDialledAt));
  const firstResponse = summarize(syncReports.flatMap((r) => r.dialToFirstResponseMs));
  const dialToSynced = summarize(syncReports.flatMap((r) => r.dialToSyncedMs));
  log(
    `  ${options.mode} N=${options.proxies}: ${synced} synced in ${syncSeconds.toFixed(2)} s ` +
      `(last dialled at ${((lastDialledAt - connectAt) / 1_000).toFixed(2)} s; per connection, dial to first response ` +
      `p50 ${firstResponse.p50.toFixed(0)} / max ${firstResponse.max.toFixed(0)} ms, dial to synced ` +
      `p50 ${dialToSynced.p50.toFixed(0)} / max ${dialToSynced.max.toFixed(0)} ms), control plane ${afterSync.openFds} fds`,
  );

  return { syncSeconds, synced, syncReports, afterSync, sync, simSyncCpu, otherSyncCpu };
}

interface Changes {
  lastAckMs: number[];
  /** Per round: CPU seconds of the control plane, then of each simulator, from the change to the last report. */
  cpuSeconds: number[][];
  samples: number[];
  missing: number;
  resourcesPerResponse: Record<string, number>;
}

function newChanges(): Changes {
  return { lastAckMs: [], cpuSeconds: [], samples: [], missing: 0, resourcesPerResponse: {} };
}

function finish(changes: Changes): ChangeResult {
  return {
    lastAckMs: changes.lastAckMs,
    perProxy: summarize(changes.samples),
    missing: changes.missing,
    resourcesPerResponse: changes.resourcesPerResponse,
  };
}

/** Arms every simulator to watch for `watch`, makes the change, and collects each proxy's ACK time. */
async function timeChange(
  server: ServerLink,
  sims: readonly SimLink[],
  round: number,
  watch: ChangeWatch,
  options: ScenarioOptions,
  into: Changes,
  change: () => Promise<unknown>,
): Promise<void> {
  for (const sim of sims) sim.send({ type: "watch", round, watch });
  await Promise.all(sims.map((sim) => sim.next("watching", 30_000)));
  const cpuBefore = await Promise.all([server, ...sims].map(async (p) => (await processStats(p.pid)).cpuSeconds));
  await change();
  const answeredAt = performance.timeOrigin + performance.now();
  const reports = await Promise.all(sims.map((sim) => sim.next("converged", options.roundTimeoutMs + 10_000)));
  const cpuAfter = await Promise.all([server, ...sims].map(async (p) => (await processStats(p.pid)).cpuSeconds));
  into.cpuSeconds.push(cpuAfter.map((after, i) => after - (cpuBefore[i] ?? 0)));
  let last = 0;
  let missing = 0;
  for (const report of reports) {
    missing += report.connections - report.ackTimes.length;
    for (const at of report.ackTimes) {
      const ms = at - answeredAt;
      into.samples.push(ms);
      last = Math.max(last, ms);
    }
    for (const [count, responses] of Object.entries(report.resourcesPerResponse)) {
      into.resourcesPerResponse[count] = (into.resourcesPerResponse[count] ?? 0) + responses;
    }
  }
  into.missing += missing;
  into.lastAckMs.push(missing > 0 ? options.roundTimeoutMs : last);
  // Let the control plane and the simulators go idle before the next change.
  await sleep(300);
}
