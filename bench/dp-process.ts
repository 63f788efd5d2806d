// A process the data-plane benchmark starts (a server, a proxy, a load generator), optionally
// pinned to one CPU with taskset. Its stdout and stderr are read line by line (the last lines are
// kept for error messages; JSON lines can be awaited), and it is stopped by its own PID: a signal,
// then SIGKILL after a grace period. Every process lives in a registry, so an interrupted run can
// stop all of them.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";

/** Lines of output kept per stream, for error messages and for short-lived tools' results. */
const KEPT_LINES = 400;

export interface StartOptions {
  /** The CPU to pin the process (and every thread and child it starts) to; needs `taskset`. */
  readonly cpu?: number | undefined;
  /** The taskset binary, when pinning. */
  readonly taskset?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

type LineWaiter = (line: string, stream: "stdout" | "stderr") => boolean;

const running = new Set<BenchProcess>();

/** The last lines of every process still running, for the report of a failed run. */
export function describeRunning(lines = 8): string {
  return [...running].map((child) => `--- ${child.name} (pid ${child.pid}):\n${child.tail(lines)}`).join("\n");
}

/** Stops every process still running (for SIGINT and fatal errors). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

export class BenchProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (-1 when a signal ended it) once the process exited. */
  readonly exited: Promise<number>;
  readonly #child: ChildProcess;
  readonly #lines: { stdout: string[]; stderr: string[] } = { stdout: [], stderr: [] };
  readonly #waiters = new Set<LineWaiter>();
  #exitCode: number | undefined;

  constructor(name: string, command: string, args: readonly string[], options: StartOptions = {}) {
    this.name = name;
    const pinned = options.cpu !== undefined && options.taskset !== undefined;
    // taskset execs the command, so the PID is the command's own.
    const [file, argv] = pinned
      ? [options.taskset as string, ["-c", String(options.cpu), command, ...args]]
      : [command, [...args]];
    this.#child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`${name}: could not start ${command}`);
    this.pid = pid;
    for (const stream of ["stdout", "stderr"] as const) {
      const source = this.#child[stream];
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
        const kept = this.#lines[stream];
        kept.push(line);
        if (kept.length > KEPT_LINES) kept.shift();
        for (const waiter of this.#waiters) if (waiter(line, stream)) this.#waiters.delete(waiter);
      });
    }
    this.exited = new Promise((resolve) => {
      // "close": the process exited and its output was read to the end.
      this.#child.once("close", (code) => {
        this.#exitCode = code ?? -1;
        running.delete(this);
        resolve(this.#exitCode);
      });
      this.#child.once("error", () => {
        this.#exitCode = -1;
        running.delete(this);
        resolve(-1);
      });
    });
    running.add(this);
  }

  get stdout(): string {
    return this.#lines.stdout.join("\n");
  }

  /** The last lines of both streams, for an error message. */
  tail(lines = 20): string {
    return [...this.#lines.stdout.slice(-lines), ...this.#lines.stderr.slice(-lines)].join("\n");
  }

  /**
   * The first JSON line on stdout for which `pick` returns a value (lines already read count too).
   * Rejects after `timeoutMs`, or if the process exits first.
   */
  waitForJson<T>(pick: (json: Record<string, unknown>) => T | undefined, timeoutMs: number): Promise<T> {
    const parse = (line: string): T | undefined => {
      if (!line.startsWith("{")) return undefined;
      try {
        return pick(JSON.parse(line) as Record<string, unknown>);
      } catch {
        return undefined;
      }
    };
    return this.#waitFor((line, stream) => (stream === "stdout" ? parse(line) : undefined), timeoutMs);
  }

  /** The first match of `pattern` on stderr (e.g. the inspector's address). */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return this.#waitFor(
      (line, stream) => (stream === "stderr" ? (pattern.exec(line) ?? undefined) : undefined),
      timeoutMs,
    );
  }

  #waitFor<T>(match: (line: string, stream: "stdout" | "stderr") => T | undefined, timeoutMs: number): Promise<T> {
    for (const stream of ["stdout", "stderr"] as const) {
      for (const line of this.#lines[stream]) {
        const found = match(line, stream);
        if (found !== undefined) return Promise.resolve(found);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name}: nothing expected within ${timeoutMs} ms; output:\n${this.tail()}`));
      }, timeoutMs);
      const waiter: LineWaiter = (line, stream) => {
        const found = match(line, stream);
        if (found === undefined) return false;
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      this.#waiters.add(waiter);
      void this.exited.then((code) => {
        if (!this.#waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}); output:\n${this.tail()}`));
      });
    });
  }

  /**
   * Sends `signal`, then SIGKILL (to the process and any children it left) after `graceMs`;
   * resolves once it exited. nginx stops its workers itself on SIGQUIT or SIGTERM.
   */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
    if (this.#exitCode !== undefined) return;
    const children = await childPids(this.pid);
    this.#child.kill(signal);
    if (await this.#exitsWithin(graceMs)) return;
    this.#child.kill("SIGKILL");
    for (const pid of children) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await this.#exitsWithin(graceMs);
  }

  async #exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return exited;
  }
}

/** The PIDs of `pid`'s children (nginx's workers), from /proc; none if the kernel does not list them. */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.trim() === "" ? [] : text.trim().split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** Runs a tool to its end; rejects if it exits with a non-zero code. */
export async function runToEnd(
  name: string,
  command: string,
  args: readonly string[],
  options: StartOptions = {},
): Promise<string> {
  const child = new BenchProcess(name, command, args, options);
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${child.tail()}`);
  return child.stdout;
}
