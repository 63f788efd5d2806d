// The control-plane xDS benchmark (issue 3, "Performance"), run by `npm run bench:cp`, never by
// `npm test`. For each N, a fresh control plane (bench/cp-server.ts) and N simulated proxies in
// separate processes (bench/cp-xds-proxy-sim.ts); prints a markdown table and writes it into the
// "Control plane (xDS)" section of BENCHMARKS.md. Options (defaults shown): --n 1000,5000,10000
// (SotW runs) --delta-n 10000 (delta runs) --rounds 5 --simulators 2 --connect-concurrency 50
// (per simulator) --cpu-prof DIR (profiles every process, summarizes the control plane's) --no-write.
// `--scenario mesh` runs the mesh scenario instead (issue 14: Services, sidecars, registrations),
// with its own options (bench/cp-mesh.ts).
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stopAllChildren } from "./child-link.js";
import { runMeshBench } from "./cp-mesh.js";
import { removeDataDirs } from "./cp-server-link.js";
import type { XdsMode } from "./cp-xds-messages.js";
import { renderReport, writeBenchmarksSection } from "./cp-xds-report.js";
import { runScenario, type ScenarioResult } from "./cp-xds-scenario.js";
import { summarizeMainThreadProfile } from "./cpu-profile-summary.js";
import { checkOpenFileLimit } from "./proc-stats.js";

/**
 * The whole benchmark must end by itself: past this, children are stopped and the run fails. The
 * mesh scenario's bounds (sync, then 2 x rounds changes) add up to more.
 */
const MESH_ASKED = process.argv.some((arg) => arg === "mesh" || arg === "--scenario=mesh");
const DEADLINE_MS = (MESH_ASKED ? 25 : 9.5) * 60_000;

function intList(value: string, flag: string): number[] {
  if (value.trim() === "") return [];
  return value.split(",").map((part) => {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes positive integers, got "${part}"`);
    return n;
  });
}

/** The scenario asked for: `xds` (the default: raw Envoy resources, N proxies) or `mesh`. */
function scenarioOf(args: readonly string[]): string {
  const { values } = parseArgs({ args: [...args], options: { scenario: { type: "string" } }, strict: false });
  const scenario = values.scenario ?? "xds";
  if (scenario !== "xds" && scenario !== "mesh") throw new Error(`--scenario takes xds or mesh, got "${scenario}"`);
  return scenario;
}

async function main(): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (scenarioOf(process.argv.slice(2)) === "mesh") return runMeshBench(process.argv.slice(2), log);
  const { values } = parseArgs({
    options: {
      scenario: { type: "string" },
      n: { type: "string", default: "1000,5000,10000" },
      "delta-n": { type: "string", default: "10000" },
      rounds: { type: "string", default: "5" },
      simulators: { type: "string", default: String(Math.max(2, availableParallelism())) },
      "connect-concurrency": { type: "string", default: "50" },
      "cpu-prof": { type: "string" },
      "no-write": { type: "boolean", default: false },
    },
  });
  const [rounds] = intList(values.rounds, "--rounds");
  const [simulators] = intList(values.simulators, "--simulators");
  const [connectConcurrency] = intList(values["connect-concurrency"], "--connect-concurrency");
  if (!rounds || !simulators || simulators < 2 || !connectConcurrency) {
    throw new Error("--rounds, --simulators (at least 2) and --connect-concurrency need a positive value");
  }
  const scenarios: { mode: XdsMode; proxies: number }[] = [
    ...intList(values.n, "--n").map((proxies) => ({ mode: "sotw" as const, proxies })),
    ...intList(values["delta-n"], "--delta-n").map((proxies) => ({ mode: "delta" as const, proxies })),
  ];
  const cpuProfileDir = values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]);
  await checkOpenFileLimit(Math.max(...scenarios.map((s) => s.proxies)));
  const shape = { clusters: 100, endpointsPerCluster: 3 };

  const results: ScenarioResult[] = [];
  for (const { mode, proxies } of scenarios) {
    log(`scenario: ${mode}, N=${proxies}`);
    const result = await runScenario({
      mode,
      proxies,
      simulators,
      rounds,
      shape,
      connectConcurrency,
      syncTimeoutMs: 60_000,
      roundTimeoutMs: 10_000,
      cpuProfileDir,
      log,
    });
    results.push(result);
    if (cpuProfileDir)
      await summarizeControlPlaneProfile(join(cpuProfileDir, `${mode}-${proxies}`, "control-plane"), result, log);
  }
  const command = ["npm run bench:cp", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const report = renderReport(results, { command, shape, simulators, rounds, connectConcurrency });
  process.stdout.write(`${report}\n`);
  if (!values["no-write"]) {
    const file = resolve("BENCHMARKS.md");
    await writeBenchmarksSection(file, report);
    log(`written to ${file}`);
  }
  return 0;
}

/** Hot spots of the control plane's main thread, during the sync phase and during the change rounds. */
async function summarizeControlPlaneProfile(
  dir: string,
  result: ScenarioResult,
  log: (line: string) => void,
): Promise<void> {
  const phases = [
    { heading: "connect + sync", window: result.phases.sync },
    { heading: "change rounds", window: result.phases.changes },
  ];
  await summarizeMainThreadProfile(dir, `control plane, ${result.mode} N=${result.proxies}`, phases, 25, log);
}

let exiting = false;
/** Stops every child process by PID and removes temporary folders, then exits; once only. */
function exit(code: number, message?: string): void {
  if (exiting) return;
  exiting = true;
  if (message) process.stderr.write(`${message}\n`);
  stopAllChildren()
    .then(() => removeDataDirs())
    .finally(() => process.exit(code));
}

const deadline = setTimeout(
  () => exit(2, `the benchmark ran past ${DEADLINE_MS / 60_000} minutes; stopping`),
  DEADLINE_MS,
);
deadline.unref();
// Ctrl-C reaches the children too; they ignore it and are stopped from here.
process.on("SIGINT", () => exit(130, "interrupted; stopping child processes"));
process.on("SIGTERM", () => exit(143, "terminated; stopping child processes"));

main().then(
  (code) => exit(code),
  (error: unknown) => exit(1, error instanceof Error ? (error.stack ?? error.message) : String(error)),
);
