// Other work on a shared machine skews a throughput run: CPU the kernel gives to someone else's
// process is CPU the proxy or the load generator did not get. This measures it: the machine's
// busy CPU time over a run less what this benchmark's own process tree used (live descendants
// read from /proc, exited ones through this process's cutime and cstime).
import { readdir, readFile } from "node:fs/promises";
import { machineBusySeconds } from "./proc-stats.js";

/** USER_HZ: clock ticks per second of /proc/PID/stat times. */
const USER_HZ = 100;

interface Stat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, and cutime + cstime (children reaped so far), in ticks. */
  readonly own: number;
  readonly reaped: number;
}

async function readStat(pid: number): Promise<Stat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const n = (i: number) => Number(fields[i] ?? 0);
    // ppid is field 4 of the line (index 1 after the name); utime..cstime are fields 14-17.
    return { pid, ppid: n(1), own: n(11) + n(12), reaped: n(13) + n(14) };
  } catch {
    return undefined; // Exited meanwhile.
  }
}

/** CPU seconds this process and all of its descendants used so far, exited ones included. */
export async function treeCpuSeconds(): Promise<number> {
  const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = (await Promise.all(pids.map(readStat))).filter((stat) => stat !== undefined);
  const children = new Map<number, Stat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const self = stats.find((stat) => stat.pid === process.pid);
  if (!self) return Number.NaN;
  let ticks = self.own + self.reaped;
  const queue = [...(children.get(process.pid) ?? [])];
  for (let stat = queue.pop(); stat !== undefined; stat = queue.pop()) {
    ticks += stat.own;
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return ticks / USER_HZ;
}

/** CPU the rest of the machine used while `run` ran, in cores (busy seconds per second). */
export async function withNoise<T>(run: () => Promise<T>): Promise<{ result: T; otherCores: number }> {
  const [busyBefore, oursBefore] = await Promise.all([machineBusySeconds(), treeCpuSeconds()]);
  const started = performance.now();
  const result = await run();
  const [busyAfter, oursAfter] = await Promise.all([machineBusySeconds(), treeCpuSeconds()]);
  const seconds = (performance.now() - started) / 1_000;
  const other = busyAfter - busyBefore - (oursAfter - oursBefore);
  return { result, otherCores: Math.max(0, other / seconds) };
}
