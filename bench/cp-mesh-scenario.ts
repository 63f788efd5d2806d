// The mesh scenario of the control-plane benchmark (issue 14): a fresh control plane in its own
// process over SQLite in a temporary folder, S Services and their HTTPRoutes applied through the
// REST API in large applies, N simulated sidecars spread over several processes, each registering
// its instance over gRPC on the xDS port. Measured: the time until every sidecar holds a full view
// (every dependency with all its instances), rounds of one HTTPRoute weight shift and of one new
// instance's registration, each timed until every sidecar of the Services that depend on it ACKed
// the change, and the control plane's memory and CPU read from /proc.
import { join } from "node:path";
import { ChildLink } from "./child-link.js";
import { ApiClient } from "./cp-api-client.js";
import {
  httpRouteDocument,
  type MeshScenarioShape,
  meshApplies,
  serviceName,
  serviceOfSidecar,
  sidecarAddresses,
} from "./cp-mesh-config.js";
import type { MeshSimCommand, MeshSimReport, MeshWatch } from "./cp-mesh-messages.js";
import { type GcMemory, gcMemory, type ServerLink, startControlPlane, stopControlPlane } from "./cp-server-link.js";
import type { Window } from "./cpu-profile-summary.js";
import { type Summary, summarize } from "./percentiles.js";
import { machineBusySeconds, type ProcessStats, processStats, waitForQuietMachine } from "./proc-stats.js";

export interface MeshScenarioOptions {
  readonly shape: MeshScenarioShape;
  readonly simulators: number;
  /** Rounds of each kind of change. */
  readonly rounds: number;
  /** Documents per `POST /v1/apply`. */
  readonly applyBatch: number;
  /**
   * Apply every sidecar's WorkloadEntry with the Services, so that the sync measures the xDS
   * fan-out alone; otherwise each sidecar registers over gRPC as it connects.
   */
  readonly preregistered: boolean;
  readonly connectConcurrency: number;
  readonly syncTimeoutMs: number;
  readonly roundTimeoutMs: number;
  /** How long to wait for a quiet machine before the sync (0: start at once). */
  readonly quietWaitMs: number;
  /** Node flags for the control plane's process (e.g. --cpu-prof). */
  readonly serverFlags: readonly string[];
  readonly log: (line: string) => void;
}

export interface MeshChangeResult {
  /** Per round: change answered to the last dependent sidecar's ACK, ms (the round timeout when some never ACKed). */
  readonly lastAckMs: number[];
  /** Every dependent sidecar's time, all rounds pooled. */
  readonly perSidecar: Summary;
  /** Dependent sidecars per round (the fan-out of one change). */
  readonly dependents: number[];
  /** ACKs that never came, over all rounds. */
  readonly missing: number;
}

export interface MeshScenarioResult {
  readonly shape: MeshScenarioShape;
  readonly preregistered: boolean;
  readonly applySeconds: number;
  /** From the first dial to the last sidecar's full view. */
  readonly syncSeconds: number;
  /** From the first dial to the last registration's answer. */
  readonly registeredSeconds: number;
  readonly synced: number;
  readonly registered: number;
  readonly streamErrors: number;
  readonly registrationErrors: number;
  readonly firstError: string | undefined;
  readonly dialToSynced: Summary;
  readonly dialToRegistered: Summary;
  readonly route: MeshChangeResult;
  readonly registration: MeshChangeResult;
  /** Control plane with the Services and routes loaded, before any sidecar connected. */
  readonly idle: ProcessStats;
  readonly final: ProcessStats;
  readonly idleGc: GcMemory;
  readonly finalGc: GcMemory;
  /** CPU seconds during the connect + sync phase: control plane, each simulator, the rest of the machine. */
  readonly syncCpu: { readonly controlPlane: number; readonly simulators: number[]; readonly other: number };
  /** Per round: control-plane CPU seconds from the change to the last report. */
  readonly routeCpuSeconds: number[];
  readonly registrationCpuSeconds: number[];
  /** The connect + sync phase and the change rounds, on the monotonic clock (for CPU profiles). */
  readonly phases: { readonly sync: Window; readonly changes: Window };
}

type SimLink = ChildLink<MeshSimReport, MeshSimCommand>;

const here = new URL(".", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const epochNow = () => performance.timeOrigin + performance.now();
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export async function runMeshScenario(options: MeshScenarioOptions): Promise<MeshScenarioResult> {
  const { log, shape } = options;
  const { server, dataDir } = await startControlPlane("weft-bench-mesh-", ["--expose-gc", ...options.serverFlags]);
  const sims: SimLink[] = [];
  try {
    const { xdsAddress, apiAddress } = await server.next("listening", 60_000);
    const api = new ApiClient(apiAddress);
    const applyStart = performance.now();
    const batches = meshApplies(shape, options.applyBatch, options.preregistered);
    for (const [i, batch] of batches.entries()) {
      const { revision } = await api.apply(batch);
      log(`  applied ${batch.length} documents (${i + 1} of ${batches.length}, revision ${revision})`);
    }
    const applySeconds = (performance.now() - applyStart) / 1_000;
    await sleep(1_000);
    const idle = await processStats(server.pid);
    const idleGc = await gcMemory(server);
    const loaded = options.preregistered ? "Services, routes and WorkloadEntries" : "Services and routes";
    log(`  control plane with ${shape.services} ${loaded}: RSS ${(idleGc.rssKb / 1024).toFixed(0)} MiB`);

    const perSim = Math.ceil(shape.sidecars / options.simulators);
    for (let s = 0, first = 0; first < shape.sidecars; s++, first += perSim) {
      const count = Math.min(perSim, shape.sidecars - first);
      const args = [
        ...["--xds", xdsAddress, "--services", String(shape.services), "--sidecars", String(shape.sidecars)],
        ...["--depends", String(shape.depends), "--first-id", String(first), "--count", String(count)],
        ...["--connect-concurrency", String(options.connectConcurrency)],
        ...["--sync-timeout-ms", String(options.syncTimeoutMs), "--round-timeout-ms", String(options.roundTimeoutMs)],
        ...["--preregistered", options.preregistered ? "yes" : "no"],
      ];
      // Larger young generation: fewer scavenges of the simulators' short-lived message objects.
      sims.push(
        new ChildLink(`simulator ${s}`, join(here, "cp-mesh-sim.ts"), args, {
          nodeFlags: ["--max-semi-space-size=32"],
        }),
      );
    }
    await Promise.all(sims.map((sim) => sim.next("ready", 60_000)));

    const syncStartUs = monotonicUs();
    const sync = await connectAndSync(server, sims, options);
    const changesStartUs = monotonicUs();

    const route = newChanges();
    const registration = newChanges();
    const weights = new Map<number, number>();
    for (let round = 1; round <= options.rounds; round++) {
      // A different Service each round, its weight shifted to a value it did not have.
      const service = (round * 37) % shape.services;
      let weight = 50 + (round % 40);
      if (weight === (weights.get(service) ?? 90)) weight++;
      weights.set(service, weight);
      await timeChange(server, sims, 2 * round - 1, { kind: "route", service, weight }, options, route, async () => {
        await api.put("httproutes", serviceName(service), httpRouteDocument(shape, service, weight));
        return epochNow();
      });

      // A new instance: one more sidecar, of the Service its id gives, started by one simulator.
      const id = shape.sidecars + round - 1;
      const sim = sims[(round - 1) % sims.length] as SimLink;
      const watch: MeshWatch = {
        kind: "endpoint",
        service: serviceOfSidecar(shape, id),
        port: sidecarAddresses(id).inbound.port,
      };
      await timeChange(server, sims, 2 * round, watch, options, registration, async () => {
        sim.send({ type: "add-instance", id });
        return (await sim.next("instance-registered", options.roundTimeoutMs)).at;
      });
      log(
        `  round ${round}: route weight shift on ${serviceName(service)} ${route.lastAckMs.at(-1)?.toFixed(0)} ms ` +
          `(${route.dependents.at(-1)} dependents), new instance of ${serviceName(watch.service)} ` +
          `${registration.lastAckMs.at(-1)?.toFixed(0)} ms (${registration.dependents.at(-1)} dependents) (last ACK)`,
      );
    }
    const changesEndUs = monotonicUs();
    const final = await processStats(server.pid);
    const finalGc = await gcMemory(server);
    const perSidecar = (kb: number) => (kb / shape.sidecars).toFixed(1);
    log(
      `  after full GC, per sidecar: RSS ${perSidecar(finalGc.rssKb - idleGc.rssKb)} KiB, V8 heap used ` +
        `${perSidecar(finalGc.heapUsedKb - idleGc.heapUsedKb)} KiB, external ${perSidecar(finalGc.externalKb - idleGc.externalKb)} KiB`,
    );
    return {
      shape,
      preregistered: options.preregistered,
      applySeconds,
      ...sync,
      route: finish(route),
      registration: finish(registration),
      idle,
      final,
      idleGc,
      finalGc,
      routeCpuSeconds: route.cpuSeconds,
      registrationCpuSeconds: registration.cpuSeconds,
      phases: {
        sync: { startUs: syncStartUs, endUs: changesStartUs },
        changes: { startUs: changesStartUs, endUs: changesEndUs },
      },
    };
  } finally {
    await Promise.all(sims.map((sim) => sim.stop()));
    await stopControlPlane(server, dataDir);
  }
}

/** Starts every simulator's sidecars at once and waits until all hold a full view; times it and its CPU. */
async function connectAndSync(server: ServerLink, sims: readonly SimLink[], options: MeshScenarioOptions) {
  const { log } = options;
  if (options.quietWaitMs > 0) {
    const busy = await waitForQuietMachine(0.3, options.quietWaitMs);
    if (busy >= 0.3) log(`  the machine stayed busy (${busy.toFixed(2)} cores used by others); starting anyway`);
  }
  const simsBefore = await Promise.all(sims.map((sim) => processStats(sim.pid)));
  const serverBefore = await processStats(server.pid);
  const machineBefore = await machineBusySeconds();
  const connectAt = epochNow();
  for (const sim of sims) sim.send({ type: "connect" });
  const reports = await Promise.all(sims.map((sim) => sim.next("synced", options.syncTimeoutMs + 10_000)));
  const serverAfter = await processStats(server.pid);
  const simsAfter = await Promise.all(sims.map((sim) => processStats(sim.pid)));
  const simulators = simsAfter.map((after, i) => after.cpuSeconds - (simsBefore[i]?.cpuSeconds ?? 0));
  const controlPlane = serverAfter.cpuSeconds - serverBefore.cpuSeconds;
  const other = (await machineBusySeconds()) - machineBefore - controlPlane - simulators.reduce((a, b) => a + b, 0);
  const sum = (pick: (r: (typeof reports)[number]) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const result = {
    syncSeconds: (Math.max(...reports.map((r) => r.lastSyncedAt)) - connectAt) / 1_000,
    registeredSeconds: (Math.max(...reports.map((r) => r.lastRegisteredAt)) - connectAt) / 1_000,
    synced: sum((r) => r.synced),
    registered: sum((r) => r.registered),
    streamErrors: sum((r) => r.streamErrors),
    registrationErrors: sum((r) => r.registrationErrors),
    firstError: reports.find((r) => r.firstError)?.firstError,
    dialToSynced: summarize(reports.flatMap((r) => r.dialToSyncedMs)),
    dialToRegistered: summarize(reports.flatMap((r) => r.dialToRegisteredMs)),
    syncCpu: { controlPlane, simulators, other },
  };
  const { dialToSynced, dialToRegistered } = result;
  const registered = options.preregistered
    ? "entries applied beforehand"
    : `${result.registered} registered, the last after ${result.registeredSeconds.toFixed(2)} s`;
  const toRegistered = options.preregistered
    ? ""
    : `, to registered p50 ${dialToRegistered.p50.toFixed(0)} / max ${dialToRegistered.max.toFixed(0)} ms`;
  log(
    `  ${result.synced} of ${options.shape.sidecars} sidecars hold a full view after ${result.syncSeconds.toFixed(2)} s ` +
      `(${registered}; per sidecar, dial to full view p50 ${dialToSynced.p50.toFixed(0)} / ` +
      `max ${dialToSynced.max.toFixed(0)} ms${toRegistered}; ` +
      `${result.streamErrors} stream and ${result.registrationErrors} registration errors)`,
  );
  log(
    `  CPU during sync: control plane ${controlPlane.toFixed(2)} s, simulators ` +
      `${simulators.map((c) => c.toFixed(2)).join(" + ")} s, everything else on the machine ${other.toFixed(2)} s`,
  );
  if (result.firstError) log(`  first error: ${result.firstError}`);
  return result;
}

interface Changes {
  lastAckMs: number[];
  cpuSeconds: number[];
  dependents: number[];
  samples: number[];
  missing: number;
}

function newChanges(): Changes {
  return { lastAckMs: [], cpuSeconds: [], dependents: [], samples: [], missing: 0 };
}

function finish(changes: Changes): MeshChangeResult {
  return {
    lastAckMs: changes.lastAckMs,
    perSidecar: summarize(changes.samples),
    dependents: changes.dependents,
    missing: changes.missing,
  };
}

/**
 * Arms every simulator to watch for `watch` in the sidecars depending on its Service, makes the
 * change (which resolves with the epoch time the change was answered), and collects their ACK times.
 */
async function timeChange(
  server: ServerLink,
  sims: readonly SimLink[],
  round: number,
  watch: MeshWatch,
  options: MeshScenarioOptions,
  into: Changes,
  change: () => Promise<number>,
): Promise<void> {
  for (const sim of sims) sim.send({ type: "watch", round, watch });
  const watching = await Promise.all(sims.map((sim) => sim.next("watching", 30_000)));
  const cpuBefore = (await processStats(server.pid)).cpuSeconds;
  const answeredAt = await change();
  const reports = await Promise.all(sims.map((sim) => sim.next("converged", options.roundTimeoutMs + 10_000)));
  into.cpuSeconds.push((await processStats(server.pid)).cpuSeconds - cpuBefore);
  let last = 0;
  let missing = 0;
  for (const report of reports) {
    missing += report.dependents - report.ackTimes.length;
    for (const at of report.ackTimes) {
      const ms = at - answeredAt;
      into.samples.push(ms);
      last = Math.max(last, ms);
    }
  }
  into.dependents.push(watching.reduce((n, w) => n + w.dependents, 0));
  into.missing += missing;
  into.lastAckMs.push(missing > 0 ? options.roundTimeoutMs : last);
  // Let the control plane and the simulators go idle before the next change.
  await sleep(300);
}
