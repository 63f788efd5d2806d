// wrk runs and the numbers read from its report (wrk 4.x text output with --latency).
import { BenchProcess, runToEnd, type StartOptions } from "./dp-process.js";

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Latency percentiles in milliseconds, as wrk's "Latency Distribution" gives them. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses with a status other than 2xx or 3xx. */
  readonly non2xx: number;
  /** connect + read + write + timeout errors. */
  readonly socketErrors: number;
}

export interface WrkLoad {
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

function latencyMs(text: string, percent: string): number {
  const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m").exec(text);
  if (!match?.[1] || !match[2]) throw new Error(`wrk output has no ${percent}% latency:\n${text}`);
  return Number(match[1]) * (UNIT_MS[match[2]] ?? Number.NaN);
}

export function parseWrk(text: string): WrkResult {
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)/m.exec(text);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (!total?.[1] || !total[2] || !total[3] || !rate?.[1]) throw new Error(`unexpected wrk output:\n${text}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requests: Number(total[1]),
    seconds: (Number(total[2]) * (UNIT_MS[total[3]] ?? Number.NaN)) / 1_000,
    requestsPerSecond: Number(rate[1]),
    p50Ms: latencyMs(text, "50"),
    p99Ms: latencyMs(text, "99"),
    non2xx: Number(non2xx?.[1] ?? 0),
    socketErrors: errors ? errors.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

function wrkArgs(url: string, load: WrkLoad): string[] {
  return [`-t${load.threads}`, `-c${load.connections}`, `-d${load.seconds}s`, "--timeout", "5s", "--latency", url];
}

/** One wrk run against `url`, parsed. */
export async function runWrk(wrk: string, url: string, load: WrkLoad, pin: StartOptions): Promise<WrkResult> {
  return parseWrk(await runToEnd("wrk", wrk, wrkArgs(url, load), pin));
}

/** Starts wrk and returns the process; parse its `stdout` with parseWrk once it exited. */
export function startWrk(wrk: string, url: string, load: WrkLoad, pin: StartOptions): BenchProcess {
  return new BenchProcess("wrk", wrk, wrkArgs(url, load), pin);
}
