// The mesh scenario's results as markdown, written between the generated-block markers of the
// "Control plane: mesh scenario" section of BENCHMARKS.md (the prose around them is kept).
import type { MeshChangeResult, MeshScenarioResult } from "./cp-mesh-scenario.js";
import { percentile } from "./percentiles.js";
import { lastAckCell, ms, pooledCell, runLine, writeGeneratedBlock } from "./report-markdown.js";

export const MESH_SECTION_TITLE = "## Control plane: mesh scenario (issue 14)";
const BEGIN = "<!-- bench:cp-mesh generated: begin -->";
const END = "<!-- bench:cp-mesh generated: end -->";

/** Targets of issue 14 on this 2-core machine, simulators included. */
export const MESH_TARGETS = { syncSeconds: 20, p99Ms: 1_000, bytesPerSidecar: 80_000 } as const;

export interface MeshReportMeta {
  readonly command: string;
  readonly simulators: number;
  readonly rounds: number;
  readonly applyBatch: number;
  readonly connectConcurrency: number;
}

function meanDependents(change: MeshChangeResult): string {
  const { dependents } = change;
  return dependents.length === 0 ? "-" : (dependents.reduce((a, b) => a + b, 0) / dependents.length).toFixed(0);
}

/** Control-plane RSS growth per sidecar in bytes: with every sidecar connected less with none. */
export function bytesPerSidecar(result: MeshScenarioResult, rss: "now" | "gc"): number {
  const grownKb = rss === "now" ? result.final.rssKb - result.idle.rssKb : result.finalGc.rssKb - result.idleGc.rssKb;
  return (grownKb * 1024) / result.shape.sidecars;
}

const verdict = (met: boolean) => (met ? "met" : "**missed**");

export function renderMeshReport(r: MeshScenarioResult, meta: MeshReportMeta): string {
  const { shape } = r;
  const sync =
    r.synced === shape.sidecars
      ? r.syncSeconds.toFixed(2)
      : `${r.syncSeconds.toFixed(2)} (${r.synced} of ${shape.sidecars} synced)`;
  const kb = (bytes: number) => (bytes / 1000).toFixed(1);
  const routeP99 = percentile(r.route.lastAckMs, 0.99);
  const registrationP99 = percentile(r.registration.lastAckMs, 0.99);
  const perSidecar = bytesPerSidecar(r, "now");
  const cpu = r.syncCpu;
  const lines = [
    runLine(meta.command, "bench/cp-mesh.ts"),
    "",
    `Mesh: ${shape.services.toLocaleString("en-US")} Services with one HTTPRoute each (90/10 to itself and the next ` +
      `Service), applied in ${meta.applyBatch}-document \`POST /v1/apply\`s (${r.applySeconds.toFixed(1)} s); ` +
      `${shape.sidecars.toLocaleString("en-US")} sidecars in ${meta.simulators} simulator processes, ` +
      `${Math.round(shape.sidecars / shape.services)} instances per Service, each depending on ${shape.depends} Services; ` +
      `${meta.rounds} rounds of each change. ` +
      (r.preregistered
        ? "The instances' WorkloadEntries were applied with the Services (`--preregistered`): the sync is the xDS " +
          "fan-out alone, with no registration."
        : "Each sidecar registered its instance over gRPC as it connected: the sync includes every registration."),
    "",
    "| connect + sync all (s) | all registered (s) | route weight shift, last dependent ACK: p50 / p99 / max (ms) | new instance, last dependent ACK: p50 / p99 / max (ms) | RSS idle (MiB) | RSS per sidecar (KB): now / after GC | CPU during sync (s): control plane / simulators / rest of machine |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${sync} | ${r.preregistered ? "- (applied beforehand)" : `${r.registeredSeconds.toFixed(2)} (${r.registered} of ${shape.sidecars})`} | ${lastAckCell(r.route)} | ` +
      `${lastAckCell(r.registration)} | ${(r.idle.rssKb / 1024).toFixed(0)} | ${kb(perSidecar)} / ${kb(bytesPerSidecar(r, "gc"))} | ` +
      `${cpu.controlPlane.toFixed(1)} / ${cpu.simulators.map((s) => s.toFixed(1)).join(" + ")} / ${cpu.other.toFixed(1)} |`,
    "",
    "| change | dependent sidecars per change (mean) | per dependent sidecar, all rounds: p50 / p99 / max (ms) | control-plane CPU per change, median (s) |",
    "| --- | ---: | ---: | ---: |",
    `| route weight shift | ${meanDependents(r.route)} | ${pooledCell(r.route.perSidecar)} | ${percentile(r.routeCpuSeconds, 0.5).toFixed(2)} |`,
    `| new instance | ${meanDependents(r.registration)} | ${pooledCell(r.registration.perSidecar)} | ${percentile(r.registrationCpuSeconds, 0.5).toFixed(2)} |`,
    "",
    "| target (issue 14) | measured | verdict |",
    "| --- | ---: | --- |",
    `| connect + sync all <= ${MESH_TARGETS.syncSeconds} s | ${r.syncSeconds.toFixed(1)} s | ${verdict(r.synced === shape.sidecars && r.syncSeconds <= MESH_TARGETS.syncSeconds)} |`,
    `| route change p99 <= 1 s | ${ms(routeP99)} ms | ${verdict(r.route.missing === 0 && routeP99 <= MESH_TARGETS.p99Ms)} |`,
    `| new instance p99 <= 1 s | ${ms(registrationP99)} ms | ${verdict(r.registration.missing === 0 && registrationP99 <= MESH_TARGETS.p99Ms)} |`,
    `| <= 80 KB RSS per sidecar | ${kb(perSidecar)} KB | ${verdict(perSidecar <= MESH_TARGETS.bytesPerSidecar)} |`,
  ];
  if (r.streamErrors > 0 || r.registrationErrors > 0) {
    lines.push(
      "",
      `Errors: ${r.streamErrors} streams, ${r.registrationErrors} registrations (first: ${r.firstError ?? "?"}).`,
    );
  }
  return lines.join("\n");
}

/** Replaces the generated block in `file`, or appends the section with it. */
export async function writeMeshSection(file: string, generated: string): Promise<void> {
  await writeGeneratedBlock(file, { title: MESH_SECTION_TITLE, begin: BEGIN, end: END }, generated);
}
