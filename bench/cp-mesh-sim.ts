// A child process of the mesh scenario (bench/cp-mesh-scenario.ts) running a share of the simulated
// sidecars, each on its own connection, and reporting to the orchestrator over IPC: when all of
// them hold a full view, and for each change round when each dependent sidecar ACKed the change.
// Started with: --xds HOST:PORT --services S --sidecars N --depends D --first-id I --count K
//   --connect-concurrency C --sync-timeout-ms T --round-timeout-ms T --preregistered yes|no
import { parseArgs } from "node:util";
import { callsService, type MeshScenarioShape, shapeProblems } from "./cp-mesh-config.js";
import type { MeshSimCommand, MeshSimReport, MeshWatch } from "./cp-mesh-messages.js";
import { MeshSidecar, type SidecarHooks } from "./cp-mesh-sidecar.js";
import { epochNow } from "./cp-xds-proxy-hooks.js";
import { ResourceViews } from "./cp-xds-resource-view.js";
import { runSimulatorProcess } from "./sim-process.js";

interface SimOptions {
  readonly xds: string;
  readonly shape: MeshScenarioShape;
  readonly firstId: number;
  readonly count: number;
  /** Connections dialled but not yet answered at any one time: how fast the sidecars dial in. */
  readonly connectConcurrency: number;
  readonly syncTimeoutMs: number;
  readonly roundTimeoutMs: number;
  /** The sidecars' WorkloadEntries were applied before they connect: they do not register (added instances do). */
  readonly preregistered: boolean;
}

function readOptions(): SimOptions {
  const flags = ["services", "sidecars", "depends", "first-id", "count", "connect-concurrency"] as const;
  const timeouts = ["sync-timeout-ms", "round-timeout-ms", "preregistered"] as const;
  const { values } = parseArgs({
    options: Object.fromEntries(["xds", ...flags, ...timeouts].map((name) => [name, { type: "string" }])) as Record<
      string,
      { type: "string" }
    >,
  });
  const int = (name: string, min: number) => {
    const value = values[name];
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${value}`);
    return n;
  };
  const xds = values.xds;
  if (typeof xds !== "string") throw new Error("--xds is required");
  const shape = { services: int("services", 2), sidecars: int("sidecars", 1), depends: int("depends", 1) };
  const problems = shapeProblems(shape);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return {
    xds,
    shape,
    firstId: int("first-id", 0),
    count: int("count", 1),
    connectConcurrency: int("connect-concurrency", 1),
    syncTimeoutMs: int("sync-timeout-ms", 1),
    roundTimeoutMs: int("round-timeout-ms", 1),
    preregistered: values.preregistered === "yes",
  };
}

function report(message: MeshSimReport): void {
  process.send?.(message);
}

class SidecarSimulation implements SidecarHooks {
  readonly views = new ResourceViews();
  readonly shape: MeshScenarioShape;
  readonly #options: SimOptions;
  /** The sidecars of the initial sync; instances added later are in #added. */
  readonly #sidecars: MeshSidecar[] = [];
  readonly #added = new Map<number, MeshSidecar>();
  readonly #failed = new Set<number>();
  #firstError: string | undefined;
  #registrationErrors = 0;
  #nextToStart = 0;
  readonly #dialledAt = new Map<number, number>();
  readonly #opening = new Set<number>();
  readonly #dialToSynced: number[] = [];
  readonly #dialToRegistered: number[] = [];
  readonly #registered = new Set<number>();
  #lastRegisteredAt = 0;
  #syncedCount = 0;
  #lastSyncedAt = 0;
  #syncReported = true;
  #syncTimer: NodeJS.Timeout | undefined;
  #round = 0;
  #watch: MeshWatch | undefined;
  /** The sidecars the current round waits for: those of the Services depending on the watched one. */
  #dependents = new Set<number>();
  #roundAcks = new Map<number, number>();
  #roundTimer: NodeJS.Timeout | undefined;
  /** An added instance whose registration is not answered yet: the round's end waits for it. */
  #awaitingInstance: number | undefined;
  #endDeferred = false;
  #progressTimer: NodeJS.Timeout | undefined;

  constructor(options: SimOptions) {
    this.#options = options;
    this.shape = options.shape;
    for (let i = 0; i < options.count; i++)
      this.#sidecars.push(new MeshSidecar(options.firstId + i, options.xds, this, !options.preregistered));
  }

  connectAll(): void {
    this.#syncReported = false;
    this.#syncTimer = setTimeout(() => this.#reportSync(), this.#options.syncTimeoutMs);
    const started = epochNow();
    this.#progressTimer = setInterval(() => {
      const seconds = ((epochNow() - started) / 1_000).toFixed(0);
      process.stderr.write(
        `    simulator of sidecars ${this.#options.firstId}+${this.#sidecars.length}, ${seconds} s: ` +
          `${this.#syncedCount} hold a full view, ${this.#registered.size} registered, ${this.#failed.size} failed\n`,
      );
    }, 5_000);
    this.#openMore();
  }

  #openMore(): void {
    while (this.#opening.size < this.#options.connectConcurrency && this.#nextToStart < this.#sidecars.length) {
      const sidecar = this.#sidecars[this.#nextToStart++];
      if (!sidecar) break;
      this.#opening.add(sidecar.id);
      this.#dialledAt.set(sidecar.id, epochNow());
      sidecar.start();
    }
  }

  connected(sidecar: MeshSidecar): void {
    this.#opening.delete(sidecar.id);
    this.#openMore();
  }

  registered(sidecar: MeshSidecar, at: number): void {
    if (this.#added.has(sidecar.id)) {
      report({ type: "instance-registered", id: sidecar.id, at });
      this.#instanceSettled(sidecar.id);
      return;
    }
    this.#registered.add(sidecar.id);
    this.#lastRegisteredAt = Math.max(this.#lastRegisteredAt, at);
    this.#dialToRegistered.push(at - (this.#dialledAt.get(sidecar.id) ?? at));
  }

  registrationFailed(sidecar: MeshSidecar, error: Error): void {
    this.#registrationErrors++;
    this.#firstError ??= `registration of ${sidecar.id}: ${error.message}`;
    if (this.#added.has(sidecar.id)) {
      report({ type: "failed", message: `new instance ${sidecar.id}: ${error.message}` });
      this.#instanceSettled(sidecar.id);
    }
  }

  /** The orchestrator reads an added instance's registration before the round's end: send them in that order. */
  #instanceSettled(id: number): void {
    if (this.#awaitingInstance !== id) return;
    this.#awaitingInstance = undefined;
    if (this.#endDeferred) this.#endRound();
  }

  synced(sidecar: MeshSidecar, at: number): void {
    if (this.#added.has(sidecar.id)) return;
    this.#syncedCount++;
    this.#dialToSynced.push(at - (this.#dialledAt.get(sidecar.id) ?? at));
    this.#lastSyncedAt = Math.max(this.#lastSyncedAt, at);
    if (this.#syncedCount + this.#failed.size >= this.#sidecars.length) this.#reportSync();
  }

  #reportSync(): void {
    if (this.#syncReported) return;
    this.#syncReported = true;
    clearTimeout(this.#syncTimer);
    clearInterval(this.#progressTimer);
    report({
      type: "synced",
      synced: this.#syncedCount,
      sidecars: this.#sidecars.length,
      lastSyncedAt: this.#syncedCount === this.#sidecars.length ? this.#lastSyncedAt : epochNow(),
      lastRegisteredAt: this.#lastRegisteredAt,
      registered: this.#registered.size,
      streamErrors: this.#failed.size,
      registrationErrors: this.#registrationErrors,
      firstError: this.#firstError,
      dialToSyncedMs: this.#dialToSynced,
      dialToRegisteredMs: this.#dialToRegistered,
    });
  }

  failed(sidecar: MeshSidecar, error: Error): void {
    if (this.#failed.has(sidecar.id)) return;
    this.#failed.add(sidecar.id);
    this.#firstError ??= `stream of ${sidecar.id}: ${error.message}`;
    sidecar.close();
    this.#opening.delete(sidecar.id);
    this.#openMore();
    if (this.#added.has(sidecar.id)) {
      report({ type: "failed", message: `new instance ${sidecar.id}: ${error.message}` });
      this.#instanceSettled(sidecar.id);
    }
    if (!this.#syncReported && this.#syncedCount + this.#failed.size >= this.#sidecars.length) this.#reportSync();
    if (this.#watch) this.#maybeEndRound();
  }

  addInstance(id: number): void {
    const sidecar = new MeshSidecar(id, this.#options.xds, this);
    this.#added.set(id, sidecar);
    this.#awaitingInstance = id;
    sidecar.start();
  }

  watchFor(sidecar: MeshSidecar): MeshWatch | undefined {
    return this.#watch !== undefined && this.#dependents.has(sidecar.id) ? this.#watch : undefined;
  }

  startRound(round: number, watch: MeshWatch): void {
    this.#round = round;
    this.#watch = watch;
    this.#roundAcks = new Map();
    this.#dependents = new Set(
      this.#sidecars
        .filter((s) => !this.#failed.has(s.id) && callsService(this.shape, s.service, watch.service))
        .map((s) => s.id),
    );
    this.#roundTimer = setTimeout(() => this.#endRound(), this.#options.roundTimeoutMs);
    report({ type: "watching", round, dependents: this.#dependents.size });
    this.#maybeEndRound();
  }

  changeAcked(sidecar: MeshSidecar, at: number): void {
    if (this.#roundAcks.has(sidecar.id)) return;
    this.#roundAcks.set(sidecar.id, at);
    this.#maybeEndRound();
  }

  #maybeEndRound(): void {
    let pending = 0;
    for (const id of this.#dependents) if (!this.#roundAcks.has(id) && !this.#failed.has(id)) pending++;
    if (pending === 0) this.#endRound();
  }

  #endRound(): void {
    if (!this.#watch) return;
    if (this.#awaitingInstance !== undefined) {
      this.#endDeferred = true;
      return;
    }
    this.#endDeferred = false;
    clearTimeout(this.#roundTimer);
    this.#watch = undefined;
    report({
      type: "converged",
      round: this.#round,
      ackTimes: [...this.#roundAcks.values()],
      dependents: this.#dependents.size,
    });
  }

  stop(): void {
    clearTimeout(this.#syncTimer);
    clearTimeout(this.#roundTimer);
    clearInterval(this.#progressTimer);
    for (const sidecar of [...this.#sidecars, ...this.#added.values()]) sidecar.close();
  }
}

runSimulatorProcess(
  () => new SidecarSimulation(readOptions()),
  (simulation, command: MeshSimCommand) => {
    if (command.type === "connect") simulation.connectAll();
    else if (command.type === "watch") simulation.startRound(command.round, command.watch);
    else if (command.type === "add-instance") simulation.addInstance(command.id);
  },
);
