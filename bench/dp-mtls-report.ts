// The mTLS data-plane benchmark's report: medians of the interleaved runs of both variants, the
// ratio and the added latency, the per-connection cost of a new mutual-TLS connection, and the
// place of the generated text in BENCHMARKS.md (between markers, so the hand-written reading
// after them survives a re-run).
import type { ConnectMode, ConnectResult } from "./dp-mtls-connect.js";
import type { WrkResult } from "./dp-wrk.js";
import { writeGeneratedBlock } from "./report-markdown.js";

const SECTION_TITLE = "## Data plane: mutual TLS between two sidecars (`npm run bench:dp:mtls`)";
const BEGIN = "<!-- bench:dp-mtls generated: begin -->";
const END = "<!-- bench:dp-mtls generated: end -->";

export type Variant = "plain" | "mtls";

/** One measured wrk run through both proxies, with each proxy's CPU over it. */
export interface HopRun extends WrkResult {
  readonly webCpuMsPerKiloRequest: number;
  readonly catalogCpuMsPerKiloRequest: number;
  readonly otherCores: number;
}

/** Who the new connections went to: the catalog proxy, or the bare Node server (calibration). */
export type ConnectTarget = "proxy" | "bare";

/** One run of new connections against a server, with the server's CPU per connection. */
export interface ConnectRun extends ConnectResult {
  readonly target: ConnectTarget;
  readonly serverCpuMsPerConnection: number;
  readonly otherCores: number;
}

export interface MtlsReport {
  readonly command: string;
  readonly runLine: string;
  readonly loadAverage: readonly number[];
  readonly pinning: string;
  readonly load: { readonly connections: number; readonly seconds: number; readonly warmup: number };
  readonly rounds: number;
  readonly hops: Readonly<Record<Variant, readonly HopRun[]>>;
  readonly connect: {
    readonly seconds: number;
    readonly warmup: number;
    readonly rounds: number;
    readonly concurrencies: readonly number[];
    readonly runs: readonly ConnectRun[];
  };
  readonly notes: readonly string[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const signed = (n: number, digits = 2) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(digits)}` : "-");
const percent = (ratio: number) => (Number.isFinite(ratio) ? `${(100 * ratio).toFixed(1)}%` : "-");

const VARIANT_LABELS: Readonly<Record<Variant, string>> = {
  plain: "plaintext hop (web -> catalog)",
  mtls: "mutual TLS hop (web -> catalog)",
};

const MODE_LABELS: Readonly<Record<ConnectMode, string>> = {
  plain: "plaintext: TCP connect + request",
  tls: "mutual TLS, full handshake + request",
  "tls-resumed": "mutual TLS, resumed session + request",
};

function hopTable(report: MtlsReport): string[] {
  const { plain, mtls } = report.hops;
  const m = (runs: readonly HopRun[], pick: (run: HopRun) => number) => median(runs.map(pick));
  const row = (variant: Variant, runs: readonly HopRun[]) => {
    const failed = runs.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0);
    const requests = runs.reduce((sum, r) => sum + r.requests, 0);
    return (
      `| ${VARIANT_LABELS[variant]} | ${int(m(runs, (r) => r.requestsPerSecond))} | ${fixed(m(runs, (r) => r.p50Ms))} | ` +
      `${fixed(m(runs, (r) => r.p99Ms))} | ${fixed(
        m(runs, (r) => r.webCpuMsPerKiloRequest),
        1,
      )} | ` +
      `${fixed(
        m(runs, (r) => r.catalogCpuMsPerKiloRequest),
        1,
      )} | ${fixed(m(runs, (r) => r.otherCores))} | ` +
      `${int(failed)} of ${int(requests)} |`
    );
  };
  const rps = (runs: readonly HopRun[]) => m(runs, (r) => r.requestsPerSecond);
  // Pair by pair: round i's mTLS run against round i's plaintext run, which ran just before it.
  const pairs = mtls.map((run, i) => ({ run, base: plain[i] })).filter((p) => p.base !== undefined);
  const ratios = pairs.map(({ run, base }) => run.requestsPerSecond / (base as HopRun).requestsPerSecond);
  const addedP99 = pairs.map(({ run, base }) => run.p99Ms - (base as HopRun).p99Ms);
  const addedP50 = pairs.map(({ run, base }) => run.p50Ms - (base as HopRun).p50Ms);
  const perRound = (runs: readonly HopRun[]) => runs.map((r) => int(r.requestsPerSecond)).join(" / ");
  const cpu = (runs: readonly HopRun[]) =>
    m(runs, (r) => r.webCpuMsPerKiloRequest) + m(runs, (r) => r.catalogCpuMsPerKiloRequest);
  return [
    "| variant | req/s | p50 (ms) | p99 (ms) | web proxy CPU per 1k req (ms) | catalog proxy CPU per 1k req (ms) | other load (cores) | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    row("plain", plain),
    row("mtls", mtls),
    "",
    "| mTLS against plaintext | median |",
    "| --- | ---: |",
    `| req/s ratio (mTLS / plaintext), of the medians | ${percent(rps(mtls) / rps(plain))} |`,
    `| req/s ratio, pair by pair (${ratios.map((r) => r.toFixed(3)).join(", ")}) | ${percent(median(ratios))} |`,
    `| added p50 (ms), pair by pair | ${signed(median(addedP50))} |`,
    `| added p99 (ms), pair by pair | ${signed(median(addedP99))} |`,
    `| added p99 (ms), of the medians | ${signed(m(mtls, (r) => r.p99Ms) - m(plain, (r) => r.p99Ms))} |`,
    `| both proxies' CPU per 1k requests (ms) | ${fixed(cpu(plain), 1)} -> ${fixed(cpu(mtls), 1)} (${signed(cpu(mtls) - cpu(plain), 1)}) |`,
    "",
    `Per round, req/s: plaintext ${perRound(plain)}; mTLS ${perRound(mtls)}.`,
  ];
}

const TARGET_LABELS: Readonly<Record<ConnectTarget, string>> = {
  proxy: "catalog proxy",
  bare: "bare Node server",
};

interface ConnectMedians {
  readonly total: number;
  readonly cps: number;
  readonly serverCpu: number;
}

function connectTable(report: MtlsReport): string[] {
  const { runs, concurrencies } = report.connect;
  const lines = [
    "| server | connections | concurrent | new connections/s | connected p50 / p99 (ms) | connection + request p50 / p99 (ms) | server CPU per connection (ms) | client CPU per connection (ms) | resumed | other load (cores) | failed |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const medians = new Map<string, ConnectMedians>();
  for (const target of Object.keys(TARGET_LABELS) as ConnectTarget[]) {
    for (const mode of Object.keys(MODE_LABELS) as ConnectMode[]) {
      for (const concurrency of concurrencies) {
        const some = runs.filter((r) => r.target === target && r.mode === mode && r.concurrency === concurrency);
        if (some.length === 0) continue;
        const m = (pick: (run: ConnectRun) => number) => median(some.map(pick));
        const connections = some.reduce((sum, r) => sum + r.connections, 0);
        const resumed = some.reduce((sum, r) => sum + r.resumed, 0);
        const failed = some.reduce((sum, r) => sum + r.failed, 0);
        medians.set(`${target}/${mode}/${concurrency}`, {
          total: m((r) => r.totalP50Ms),
          cps: m((r) => r.connectionsPerSecond),
          serverCpu: m((r) => r.serverCpuMsPerConnection),
        });
        lines.push(
          `| ${TARGET_LABELS[target]} | ${MODE_LABELS[mode]} | ${concurrency} | ${int(m((r) => r.connectionsPerSecond))} | ` +
            `${fixed(m((r) => r.establishP50Ms))} / ${fixed(m((r) => r.establishP99Ms))} | ` +
            `${fixed(m((r) => r.totalP50Ms))} / ${fixed(m((r) => r.totalP99Ms))} | ` +
            `${fixed(m((r) => r.serverCpuMsPerConnection))} | ${fixed(m((r) => r.clientCpuMsPerConnection))} | ` +
            `${mode === "plain" ? "-" : `${int(resumed)} of ${int(connections)}`} | ${fixed(m((r) => r.otherCores))} | ` +
            `${int(failed)} of ${int(connections + failed)} |`,
        );
      }
    }
  }
  const sequential = concurrencies[0];
  const busiest = concurrencies.at(-1);
  const at = (target: ConnectTarget, mode: ConnectMode, c: number | undefined) => medians.get(`${target}/${mode}/${c}`);
  const summary: string[] = [];
  for (const target of Object.keys(TARGET_LABELS) as ConnectTarget[]) {
    for (const mode of ["tls", "tls-resumed"] as const) {
      const plainN = at(target, "plain", busiest);
      const tlsN = at(target, mode, busiest);
      if (!plainN || !tlsN) continue;
      const plain1 = at(target, "plain", sequential);
      const tls1 = at(target, mode, sequential);
      const addedTime = plain1 && tls1 ? signed(tls1.total - plain1.total) : "-";
      summary.push(
        `| ${TARGET_LABELS[target]} | ${MODE_LABELS[mode]} | ${addedTime} | ${signed(tlsN.serverCpu - plainN.serverCpu)} | ` +
          `${int(tlsN.cps)} against ${int(plainN.cps)} (${percent(tlsN.cps / plainN.cps)}) |`,
      );
    }
  }
  if (summary.length > 0) {
    lines.push(
      "",
      `| server | against plaintext | added time per new connection, one at a time, p50 (ms) | added server CPU per connection (ms) | new connections/s at ${busiest} concurrent |`,
      "| --- | --- | ---: | ---: | ---: |",
      ...summary,
    );
  }
  return lines;
}

export function renderMtlsReport(report: MtlsReport): string {
  const { connections, seconds, warmup } = report.load;
  const connect = report.connect;
  const lines = [
    report.runLine,
    `Load average at start (1 / 5 / 15 min): ${report.loadAverage.map((n) => n.toFixed(2)).join(" / ")}.`,
    "",
    "Topology, as a mesh runs it, everything on 127.0.0.1: wrk -> **web** proxy (plaintext HTTP listener, the caller's " +
      "outbound side) -> cluster to the **catalog** proxy's listener -> catalog proxy -> cluster `app` -> backend nginx " +
      '(1 worker, `return 200 "ok"`). Two `weft proxy` processes (bin/weft.js) with their own node ids on one control ' +
      "plane, each listener scoped to its proxy; both variants are served side by side by the same two processes: " +
      "**plaintext** (web and catalog listeners and the cluster between them without TLS) and **mTLS** (the catalog " +
      "listener a DownstreamTlsContext with require_client_certificate, the mesh root and a SAN matcher for " +
      "`spiffe://weft.local/service/web`; the web proxy's cluster an UpstreamTlsContext presenting the web certificate " +
      "and matching `spiffe://weft.local/service/catalog`). Certificates: a fresh mesh root and two leaves from the " +
      "control plane's CA code, ECDSA P-256, read by the proxies from files. HTTP/1.1 on every hop; the proxies keep " +
      "their upstream connections alive, so under keep-alive load the TLS handshakes happen once per pooled connection " +
      `and the cost measured is record encryption. ${report.pinning}`,
    "",
    `Keep-alive load: wrk -t1 -c${connections} against the web proxy's plaintext or mTLS listener, each run ${seconds} s ` +
      `after a ${warmup} s warm-up, ${report.rounds} rounds with the variants alternating (plaintext, mTLS, plaintext, ` +
      "mTLS, ...); medians of the rounds, and of the pairs (each mTLS run against the plaintext run just before it). " +
      "Proxy CPU is user + system time from /proc over the measured run.",
    "",
    ...hopTable(report),
    "",
    "New connections (bench/dp-mtls-connect.ts, a Node client): each connection dials the catalog proxy's listener " +
      "directly (the plaintext one, or the mTLS one: a TLS 1.3 handshake with the web certificate, the catalog " +
      "certificate checked against the root and its SPIFFE ID), sends one `GET /` with `connection: close`, reads the " +
      "response (forwarded to the backend over the catalog proxy's kept-alive pool) and closes; the next one is dialled " +
      `when it closed. ${connect.concurrencies.join(" and ")} such loops at once, each run ${connect.seconds} s after a ` +
      `${connect.warmup} s warm-up, ${connect.rounds} rounds with the modes interleaved; medians. "resumed" passes ` +
      "the session ticket of the previous connection (a full handshake otherwise); server CPU per connection counts " +
      "the warm-up's connections too (the server ran them as well). Calibration: a bare Node server " +
      '(bench/dp-mtls-bare-server.ts, on CPU 1 like the proxies when pinned) answering 200 "ok" itself, on a plaintext ' +
      "port and on a port with the catalog listener's TLS settings (its certificate, a client certificate required " +
      "and checked against the root, the client's URI SAN checked); its difference is Node's own cost of a TLS " +
      "connection, the floor under the proxy's.",
    "",
    ...connectTable(report),
  ];
  for (const note of report.notes) lines.push("", `Note: ${note}`);
  return lines.join("\n");
}

export async function writeMtlsSection(file: string, generated: string): Promise<void> {
  await writeGeneratedBlock(file, { title: SECTION_TITLE, begin: BEGIN, end: END }, generated);
}
