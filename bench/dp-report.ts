// The data-plane benchmark's report: a markdown summary of the runs, checked against the issue's
// goals, and its place in BENCHMARKS.md (between markers in the "Data plane" section, so that
// the hand-written reading of the figures after them survives a re-run).
import type { ChurnResult } from "./dp-churn.js";
import type { OpenLoopResult } from "./dp-open-loop.js";
import type { WrkResult } from "./dp-wrk.js";
import { writeGeneratedBlock } from "./report-markdown.js";

export const SECTION_TITLE = "## Data plane (`npm run bench:dp`)";
const BEGIN = "<!-- bench:dp generated: begin -->";
const END = "<!-- bench:dp generated: end -->";

export type Target = "direct" | "nginx" | "naive" | "weft";

export const TARGET_LABELS: Readonly<Record<Target, string>> = {
  direct: "direct to the backend",
  nginx: "nginx proxy (1 worker, upstream keepalive 32)",
  naive: "naive Node proxy (http + undici Pool)",
  weft: "Weft proxy (`weft proxy`)",
};

/**
 * One measured wrk run, with the CPU the serving process (tree) used during it and what the rest
 * of the machine used meanwhile, in cores.
 */
export interface ThroughputRun extends WrkResult {
  readonly serverCores: number;
  readonly otherCores: number;
}

export interface FixedRateRun extends OpenLoopResult {
  readonly otherCores: number;
}

export interface Memory {
  /** VmRSS after the proxy was ready and idle, KiB. */
  readonly idleKb: number;
  /** VmRSS of a proxy started with --inspect, idle, after a full GC asked over the inspector, KiB. */
  readonly afterGcKb: number | undefined;
  /** VmRSS after all the load runs, KiB. */
  readonly afterLoadKb: number | undefined;
  readonly readyMs: number;
}

export interface Churn {
  readonly load: WrkResult;
  readonly changes: ChurnResult;
  /** xDS responses the proxy ACKed, and NACKed, during the churn. */
  readonly acked: number;
  readonly nacked: number;
}

export interface DpReport {
  readonly command: string;
  readonly machine: string;
  readonly pinning: string;
  readonly load: {
    readonly threads: number;
    readonly connections: number;
    readonly seconds: number;
    readonly warmup: number;
  };
  readonly rounds: number;
  /** Every measured wrk run per target (absent: not run). */
  readonly throughput: Partial<Record<Target, ThroughputRun[]>>;
  readonly fixedRate: Partial<Record<Target, FixedRateRun>>;
  readonly rate: number;
  readonly memory: Memory | undefined;
  readonly churn: Churn | undefined;
  readonly churnRate: number;
  readonly clusters: number;
  readonly notes: readonly string[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Medians {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
  readonly requests: number;
  readonly serverCores: number;
  readonly otherCores: number;
}

export function medians(runs: readonly ThroughputRun[]): Medians {
  return {
    serverCores: median(runs.map((r) => r.serverCores)),
    otherCores: median(runs.map((r) => r.otherCores)),
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    failed: runs.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
  };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(100 * n)}%` : "-");
const mib = (kb: number | undefined) => (kb === undefined ? "-" : `${(kb / 1024).toFixed(1)} MiB`);
const verdict = (met: boolean | undefined) => (met === undefined ? "not measured" : met ? "**met**" : "**missed**");

export function renderReport(report: DpReport): string {
  const m = Object.fromEntries(
    Object.entries(report.throughput).map(([target, runs]) => [target, medians(runs)]),
  ) as Partial<Record<Target, Medians>>;
  const nginxRps = m.nginx?.requestsPerSecond ?? Number.NaN;
  const directRps = m.direct?.requestsPerSecond ?? Number.NaN;
  const { threads, connections, seconds, warmup } = report.load;
  const lines: string[] = [
    `Command: \`${report.command}\`. Run ${new Date().toISOString()} on ${report.machine}.`,
    "",
    `Load: wrk -t${threads} -c${connections}, HTTP/1.1 keep-alive, GET / answered 200 "ok" (2 bytes) by an nginx backend ` +
      `(1 worker, \`return 200\`, listening on two ports; ` +
      "nginx rather than a Node server because it serves the direct row on half a core, so a proxied run never waits " +
      `on it); each run ${seconds} s after a ${warmup} s warm-up run, ` +
      `${report.rounds} rounds with the targets interleaved; medians shown. ${report.pinning}`,
    "",
    "| target | req/s | p50 (ms) | p99 (ms) | vs nginx | vs direct | server CPU (cores) | req per server CPU-ms | other load (cores) | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const target of ["direct", "nginx", "naive", "weft"] as const) {
    const row = m[target];
    if (!row) {
      lines.push(`| ${TARGET_LABELS[target]} | not run | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${TARGET_LABELS[target]} | ${int(row.requestsPerSecond)} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ` +
        `${pct(row.requestsPerSecond / nginxRps)} | ${pct(row.requestsPerSecond / directRps)} | ` +
        `${row.serverCores.toFixed(2)} | ${(row.requestsPerSecond / row.serverCores / 1_000).toFixed(1)} | ` +
        `${row.otherCores.toFixed(2)} | ` +
        `${row.failed} of ${int(row.requests)} |`,
    );
  }
  lines.push(
    "",
    `Per round, req/s: ${(["direct", "nginx", "naive", "weft"] as const)
      .filter((t) => report.throughput[t])
      .map((t) => `${t} ${(report.throughput[t] ?? []).map((r) => int(r.requestsPerSecond)).join(" / ")}`)
      .join("; ")}.`,
    "",
    `Fixed rate, ${int(report.rate)} req/s open loop (bench/dp-open-loop.ts: undici Pool, a request sent every ` +
      `${ms(1_000 / report.rate)} ms whether or not earlier ones were answered, latency from send to the end of the ` +
      "body, `perf_hooks` histogram):",
    "",
    "| target | p50 (ms) | p99 (ms) | max (ms) | added p50 / p99 vs direct (ms) | failed | sender lag p99 (ms) | other load (cores) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  const direct = report.fixedRate.direct;
  for (const target of ["direct", "nginx", "weft"] as const) {
    const row = report.fixedRate[target];
    if (!row) continue;
    const added =
      direct && target !== "direct" ? `${ms(row.p50Ms - direct.p50Ms)} / ${ms(row.p99Ms - direct.p99Ms)}` : "-";
    lines.push(
      `| ${TARGET_LABELS[target]} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${ms(row.maxMs)} | ${added} | ` +
        `${row.failed} of ${int(row.sent)} | ${ms(row.sendLagP99Ms)} | ${row.otherCores.toFixed(2)} |`,
    );
  }
  const memory = report.memory;
  const churn = report.churn;
  if (memory) {
    lines.push(
      "",
      `Memory of the Weft proxy with ${report.clusters} EDS clusters of 2 endpoints, one listener and one route ` +
        `configuration of ${report.clusters + 1} virtual hosts (ready ${int(memory.readyMs)} ms after start), VmRSS from ` +
        `/proc: idle ${mib(memory.idleKb)}; idle after a full GC (separate process with --inspect, GC asked over the ` +
        `inspector) ${mib(memory.afterGcKb)}; after all the load runs ${mib(memory.afterLoadKb)}.`,
    );
  }
  if (churn) {
    const failed = churn.load.non2xx + churn.load.socketErrors;
    lines.push(
      "",
      `Config churn: wrk -t${threads} -c${connections} through the Weft proxy while ${report.churnRate} changes per second ` +
        `were PUT for ${ms(churn.changes.changes / report.churnRate)} s (${churn.changes.changes} changes, alternately ` +
        "the catch-all route's weights 90/10 <-> 10/90 and the second cluster's endpoints 1 <-> 2): " +
        `${int(churn.load.requestsPerSecond)} req/s, p99 ${ms(churn.load.p99Ms)} ms, **${failed} failed** of ` +
        `${int(churn.load.requests)} (non-2xx ${churn.load.non2xx}, socket errors ${churn.load.socketErrors}); ` +
        `${churn.changes.failedChanges} changes refused by the API (accepted in p50 ${ms(churn.changes.applyP50Ms)} / ` +
        `p99 ${ms(churn.changes.applyP99Ms)} ms); the proxy ACKed ${churn.acked} and NACKed ${churn.nacked} xDS responses meanwhile.`,
    );
  }
  const weft = m.weft;
  const addedP99 = report.fixedRate.weft && direct ? report.fixedRate.weft.p99Ms - direct.p99Ms : undefined;
  lines.push(
    "",
    "| goal (issue) | measured | verdict |",
    "| --- | --- | --- |",
    `| Weft >= 50% of nginx's req/s | ${weft ? pct(weft.requestsPerSecond / nginxRps) : "-"} | ${verdict(weft ? weft.requestsPerSecond >= 0.5 * nginxRps : undefined)} |`,
    `| added p99 <= 1 ms at ${int(report.rate)} req/s | ${addedP99 === undefined ? "-" : `${ms(addedP99)} ms`} | ${verdict(addedP99 === undefined ? undefined : addedP99 <= 1)} |`,
    `| <= 60 MB RSS, ${report.clusters} clusters, idle | ${memory ? `${((memory.idleKb * 1024) / 1e6).toFixed(1)} MB` : "-"} | ${verdict(memory ? memory.idleKb * 1024 <= 60e6 : undefined)} |`,
    `| 0 failed requests, ${report.churnRate} changes/s under load | ${churn ? String(churn.load.non2xx + churn.load.socketErrors) : "-"} | ${verdict(churn ? churn.load.non2xx + churn.load.socketErrors === 0 : undefined)} |`,
    `| beat the naive Node proxy clearly | ${weft && m.naive ? `${pct(weft.requestsPerSecond / m.naive.requestsPerSecond)} of its req/s` : "-"} | ${verdict(weft && m.naive ? weft.requestsPerSecond >= 1.25 * m.naive.requestsPerSecond : undefined)} |`,
  );
  if (report.notes.length > 0) lines.push("", ...report.notes.map((note) => `Note: ${note}`));
  return lines.join("\n");
}

/** Puts `generated` between the markers of the section in `file`, adding the section if it is missing. */
export async function writeDataPlaneSection(file: string, generated: string): Promise<void> {
  await writeGeneratedBlock(file, { title: SECTION_TITLE, begin: BEGIN, end: END }, generated);
}
