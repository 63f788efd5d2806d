// The mesh scenario of the control-plane benchmark, run by `npm run bench:cp -- --scenario mesh`
// (bench/cp-xds.ts hands the arguments over). Options (defaults shown): --services 1000
// --sidecars 10000 --depends 10 --rounds 20 --simulators 2 --connect-concurrency 50 (per
// simulator) --apply-batch 500 --quiet-wait-s 60 --sync-timeout-s 300 --preregistered (the
// instances' WorkloadEntries applied with the Services, so the sync measures the xDS fan-out alone;
// otherwise every sidecar registers as it connects) --cpu-prof DIR (the control plane's profile,
// summarized per phase) --no-write (print only; otherwise the generated block of BENCHMARKS.md's
// mesh section is replaced).
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { shapeProblems } from "./cp-mesh-config.js";
import { renderMeshReport, writeMeshSection } from "./cp-mesh-report.js";
import { type MeshScenarioResult, runMeshScenario } from "./cp-mesh-scenario.js";
import { summarizeMainThreadProfile } from "./cpu-profile-summary.js";
import { checkOpenFileLimit } from "./proc-stats.js";

function int(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} takes an integer >= ${min}, got "${value}"`);
  return n;
}

export async function runMeshBench(args: readonly string[], log: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      scenario: { type: "string" },
      services: { type: "string", default: "1000" },
      sidecars: { type: "string", default: "10000" },
      depends: { type: "string", default: "10" },
      rounds: { type: "string", default: "20" },
      simulators: { type: "string", default: String(Math.max(2, availableParallelism())) },
      "connect-concurrency": { type: "string", default: "50" },
      "apply-batch": { type: "string", default: "500" },
      "quiet-wait-s": { type: "string", default: "60" },
      "sync-timeout-s": { type: "string", default: "300" },
      "cpu-prof": { type: "string" },
      preregistered: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
    },
  });
  const shape = {
    services: int(values.services, "--services", 2),
    sidecars: int(values.sidecars, "--sidecars", 1),
    depends: int(values.depends, "--depends", 1),
  };
  const problems = shapeProblems(shape);
  if (problems.length > 0) throw new Error(problems.join("; "));
  const rounds = int(values.rounds, "--rounds", 1);
  const simulators = int(values.simulators, "--simulators", 1);
  const connectConcurrency = int(values["connect-concurrency"], "--connect-concurrency", 1);
  const applyBatch = int(values["apply-batch"], "--apply-batch", 1);
  const quietWaitMs = int(values["quiet-wait-s"], "--quiet-wait-s", 0) * 1_000;
  const syncTimeoutMs = int(values["sync-timeout-s"], "--sync-timeout-s", 1) * 1_000;
  await checkOpenFileLimit(shape.sidecars + rounds);
  const profileDir = values["cpu-prof"] === undefined ? undefined : join(resolve(values["cpu-prof"]), "mesh");
  // One profile per thread (tsx's loader runs in a worker), named by PID and thread.
  const serverFlags = profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];

  log(
    `scenario: mesh, ${shape.services} Services, ${shape.sidecars} sidecars depending on ${shape.depends} each, ` +
      `${simulators} simulators`,
  );
  const result = await runMeshScenario({
    shape,
    simulators,
    rounds,
    applyBatch,
    preregistered: values.preregistered,
    connectConcurrency,
    // Generous bounds: a missed target is reported with its figure, not cut off at the target.
    syncTimeoutMs,
    roundTimeoutMs: 15_000,
    quietWaitMs,
    serverFlags,
    log,
  });
  if (profileDir !== undefined) await summarizeControlPlaneProfile(profileDir, result, log);
  const command = ["npm run bench:cp", "--", ...args].join(" ");
  const report = renderMeshReport(result, { command, simulators, rounds, applyBatch, connectConcurrency });
  process.stdout.write(`${report}\n`);
  if (!values["no-write"]) {
    const file = resolve("BENCHMARKS.md");
    await writeMeshSection(file, report);
    log(`written to ${file}`);
  }
  return 0;
}

/** Hot spots of the control plane's main thread, during the sync phase and during the change rounds. */
async function summarizeControlPlaneProfile(
  dir: string,
  result: MeshScenarioResult,
  log: (line: string) => void,
): Promise<void> {
  const phases = [
    { heading: "connect + register + sync", window: result.phases.sync },
    { heading: "change rounds", window: result.phases.changes },
  ];
  await summarizeMainThreadProfile(dir, "control plane, mesh scenario", phases, 30, log);
}
