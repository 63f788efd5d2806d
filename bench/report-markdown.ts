// Pieces the benchmarks' markdown reports share: the line saying what ran where, millisecond
// cells, and the generated block of a BENCHMARKS.md section replaced in place.
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { availableParallelism, release, totalmem } from "node:os";
import { percentile } from "./percentiles.js";

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return match?.[1]?.trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

/** "Command: `...` (SCRIPT). Run DATE on N cores (nproc), CPU, memory, Linux and Node versions." */
export function runLine(command: string, script: string): string {
  return (
    `Command: \`${command}\` (${script}). Run ${new Date().toISOString()} on ${availableParallelism()} cores ` +
    `(nproc), ${cpuModel()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}.`
  );
}

/** Whole milliseconds; "-" for NaN (a percentile of no samples). */
export const ms = (value: number) => (Number.isNaN(value) ? "-" : value.toFixed(0));

/** Per round, the last ACK: p50 / p99 / max over the rounds, and the ACKs that never came. */
export function lastAckCell(change: { readonly lastAckMs: readonly number[]; readonly missing: number }): string {
  const { lastAckMs } = change;
  const text = `${ms(percentile(lastAckMs, 0.5))} / ${ms(percentile(lastAckMs, 0.99))} / ${ms(Math.max(...lastAckMs))}`;
  return change.missing > 0 ? `${text} (${change.missing} ACKs missing)` : text;
}

/** A pooled summary as p50 / p99 / max, whole milliseconds. */
export function pooledCell(summary: { readonly p50: number; readonly p99: number; readonly max: number }): string {
  return `${ms(summary.p50)} / ${ms(summary.p99)} / ${ms(summary.max)}`;
}

/** The markers a section's generated block sits between, and the section's title (for a file without it). */
export interface GeneratedBlock {
  readonly title: string;
  readonly begin: string;
  readonly end: string;
}

/** Replaces the generated block in `file` (the prose around it is kept), or appends the section with it. */
export async function writeGeneratedBlock(file: string, markers: GeneratedBlock, generated: string): Promise<void> {
  const { begin: BEGIN, end: END } = markers;
  const text = await readFile(file, "utf8");
  const block = `${BEGIN}\n${generated}\n${END}`;
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const updated =
    begin >= 0 && end > begin
      ? text.slice(0, begin) + block + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n${markers.title}\n\n${block}\n`;
  await writeFile(file, updated);
}
