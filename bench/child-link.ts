// A child process run with `node --import tsx`, talked to over Node's IPC channel: messages are
// awaited by type with a timeout, and stopping it is bounded (ask, then SIGTERM, then SIGKILL, by
// PID). Every link lives in a registry, so an interrupted benchmark can stop all of its children.
import { type ChildProcess, fork } from "node:child_process";

export interface ChildOptions {
  /** Extra node flags (e.g. --cpu-prof), before `--import tsx`. */
  readonly nodeFlags?: readonly string[];
  /** Where the child's stdout and stderr go: inherited, or dropped. */
  readonly output?: "inherit" | "ignore";
}

const running = new Set<ChildLink<{ type: string }, { type: string }>>();

/** Stops every child still running (for SIGINT and fatal errors); bounded by each link's stop timeout. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

export class ChildLink<Report extends { type: string }, Command extends { type: string }> {
  readonly name: string;
  readonly #process: ChildProcess;
  readonly #queue: Report[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #exited: Promise<void>;
  #exitCode: number | null | undefined;

  constructor(name: string, script: string, args: readonly string[], options: ChildOptions = {}) {
    this.name = name;
    const output = options.output ?? "inherit";
    this.#process = fork(script, [...args], {
      execArgv: [...(options.nodeFlags ?? []), "--import", "tsx"],
      stdio: ["ignore", output, output, "ipc"],
    });
    this.#process.on("message", (message: Report) => {
      this.#queue.push(message);
      for (const wake of this.#waiters) wake();
    });
    this.#exited = new Promise((resolve) => {
      this.#process.once("exit", (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null);
        running.delete(this as unknown as ChildLink<{ type: string }, { type: string }>);
        for (const wake of this.#waiters) wake();
        resolve();
      });
    });
    running.add(this as unknown as ChildLink<{ type: string }, { type: string }>);
  }

  get pid(): number {
    const pid = this.#process.pid;
    if (pid === undefined) throw new Error(`${this.name} did not start`);
    return pid;
  }

  send(command: Command): void {
    if (this.#process.connected) this.#process.send(command);
  }

  /**
   * The next message of type `type` (messages of other types before it are dropped, except
   * `failed`, which rejects). Rejects after `timeoutMs`, or if the child exits first.
   */
  next<T extends Report["type"]>(type: T, timeoutMs: number): Promise<Extract<Report, { type: T }>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        while (this.#queue.length > 0) {
          const message = this.#queue.shift() as Report;
          if (message.type === type) return done(() => resolve(message as Extract<Report, { type: T }>));
          if (message.type === "failed") {
            const detail = (message as { message?: string }).message ?? "";
            return done(() => reject(new Error(`${this.name} failed: ${detail}`)));
          }
        }
        if (this.#exitCode !== undefined) {
          return done(() => reject(new Error(`${this.name} exited (${this.#exitCode}) before sending "${type}"`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.name} sent no "${type}" within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Asks the child to stop with `stop`, then SIGTERM, then SIGKILL, each after `graceMs`; resolves once it exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.send({ type: "stop" } as Command);
    if (await this.#exitsWithin(graceMs)) return;
    this.#process.kill("SIGTERM");
    if (await this.#exitsWithin(graceMs)) return;
    this.#process.kill("SIGKILL");
    await this.#exitsWithin(graceMs);
  }

  async #exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = await Promise.race([this.#exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return exited;
  }
}
