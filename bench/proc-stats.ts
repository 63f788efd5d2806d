// Resource use of another process on this machine, read from Linux's /proc by PID.
import { readdir, readFile } from "node:fs/promises";

export interface ProcessStats {
  /** Resident set size now, in KiB (VmRSS). */
  readonly rssKb: number;
  /** Peak resident set size, in KiB (VmHWM). */
  readonly peakRssKb: number;
  /** User plus system CPU time consumed so far, in seconds. */
  readonly cpuSeconds: number;
  /** Open file descriptors (sockets included). */
  readonly openFds: number;
}

/** Clock ticks per second of utime/stime in /proc/PID/stat: USER_HZ, 100 on every Linux Node supports. */
const USER_HZ = 100;

function statusField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match?.[1]) throw new Error(`/proc status has no ${field}`);
  return Number(match[1]);
}

export async function processStats(pid: number): Promise<ProcessStats> {
  const [status, stat, fds] = await Promise.all([
    readFile(`/proc/${pid}/status`, "utf8"),
    readFile(`/proc/${pid}/stat`, "utf8"),
    readdir(`/proc/${pid}/fd`),
  ]);
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return {
    rssKb: statusField(status, "VmRSS"),
    peakRssKb: statusField(status, "VmHWM"),
    cpuSeconds: (utime + stime) / USER_HZ,
    openFds: fds.length,
  };
}

/** CPU seconds the whole machine spent busy (all cores, all processes) since boot. */
export async function machineBusySeconds(): Promise<number> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0] ?? "";
  const [, ...fields] = line.trim().split(/\s+/);
  const ticks = fields.map(Number);
  const total = ticks.reduce((sum, n) => sum + n, 0);
  // idle and iowait are the 4th and 5th fields.
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / USER_HZ;
}

/**
 * Waits until the machine is nearly idle (less than `maxBusyCores` of CPU used over a second),
 * for at most `timeoutMs`; benchmarks on a shared machine start on a quiet one when they can.
 * Returns the busy cores seen last.
 */
export async function waitForQuietMachine(maxBusyCores: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = await machineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const busy = (await machineBusySeconds()) - before;
    if (busy < maxBusyCores || Date.now() >= deadline) return busy;
  }
}

/**
 * The control plane holds one socket per proxy and each simulator its share; children inherit
 * this process's limit. Raise it in the shell that runs the benchmark (`ulimit -n`) if needed.
 */
export async function checkOpenFileLimit(proxies: number): Promise<void> {
  const limits = await readFile("/proc/self/limits", "utf8");
  const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.POSITIVE_INFINITY);
  const needed = proxies + 1_000;
  if (soft < needed) {
    throw new Error(
      `N = ${proxies} needs about ${needed} open files per process; the limit is ${soft} (raise it with ulimit -n)`,
    );
  }
}
