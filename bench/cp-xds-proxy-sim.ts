// A child process of the control-plane benchmark (bench/cp-xds.ts) that runs a share of the
// simulated proxies, each on its own xDS connection, and reports to the orchestrator over IPC:
// when all of them are synced, and for each change round when each ACKed the new content.
// Started with: --xds HOST:PORT --first-id I --connections K --mode sotw|delta
//   --connect-concurrency C --sync-timeout-ms T --round-timeout-ms T
import { parseArgs } from "node:util";
import { DeltaProxy } from "./cp-xds-delta-proxy.js";
import type { ChangeWatch, SimCommand, SimReport, XdsMode } from "./cp-xds-messages.js";
import { epochNow, type ProxyHooks, type SimulatedProxy } from "./cp-xds-proxy-hooks.js";
import { ResourceViews } from "./cp-xds-resource-view.js";
import { SotwProxy } from "./cp-xds-sotw-proxy.js";
import { runSimulatorProcess } from "./sim-process.js";

interface SimOptions {
  readonly xds: string;
  readonly firstId: number;
  readonly connections: number;
  readonly mode: XdsMode;
  /** Connections opened but not yet answered at any one time: how fast the proxies dial in. */
  readonly connectConcurrency: number;
  readonly syncTimeoutMs: number;
  readonly roundTimeoutMs: number;
}

function readOptions(): SimOptions {
  const { values } = parseArgs({
    options: {
      xds: { type: "string" },
      "first-id": { type: "string" },
      connections: { type: "string" },
      mode: { type: "string" },
      "connect-concurrency": { type: "string" },
      "sync-timeout-ms": { type: "string" },
      "round-timeout-ms": { type: "string" },
    },
  });
  const int = (name: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${value}`);
    return n;
  };
  const mode = values.mode;
  if (mode !== "sotw" && mode !== "delta") throw new Error(`--mode must be sotw or delta, got ${mode}`);
  if (!values.xds) throw new Error("--xds is required");
  return {
    xds: values.xds,
    firstId: int("first-id", values["first-id"], 0),
    connections: int("connections", values.connections, 1),
    mode,
    connectConcurrency: int("connect-concurrency", values["connect-concurrency"], 1),
    syncTimeoutMs: int("sync-timeout-ms", values["sync-timeout-ms"], 1),
    roundTimeoutMs: int("round-timeout-ms", values["round-timeout-ms"], 1),
  };
}

function report(message: SimReport): void {
  process.send?.(message);
}

class ProxySimulation implements ProxyHooks {
  readonly views = new ResourceViews();
  watch: ChangeWatch | undefined;
  readonly #options: SimOptions;
  readonly #proxies: SimulatedProxy[] = [];
  readonly #failed = new Set<number>();
  #firstError: string | undefined;
  #nextToStart = 0;
  readonly #dialledAt = new Map<number, number>();
  readonly #dialToFirstResponse: number[] = [];
  readonly #dialToSynced: number[] = [];
  /** Connections dialled that have not had a response yet. */
  readonly #opening = new Set<number>();
  #syncedCount = 0;
  #lastSyncedAt = 0;
  #syncReported = true;
  #syncTimer: NodeJS.Timeout | undefined;
  #round = 0;
  #roundAcks = new Map<number, number>();
  #roundCounts: Record<string, number> = {};
  #roundTimer: NodeJS.Timeout | undefined;

  constructor(options: SimOptions) {
    this.#options = options;
    for (let i = 0; i < options.connections; i++) {
      const id = options.firstId + i;
      this.#proxies.push(
        options.mode === "sotw" ? new SotwProxy(id, options.xds, this) : new DeltaProxy(id, options.xds, this),
      );
    }
  }

  connectAll(): void {
    this.#syncReported = false;
    this.#syncTimer = setTimeout(() => this.#reportSync(), this.#options.syncTimeoutMs);
    this.#openMore();
  }

  #openMore(): void {
    while (this.#opening.size < this.#options.connectConcurrency && this.#nextToStart < this.#proxies.length) {
      const proxy = this.#proxies[this.#nextToStart++];
      if (!proxy) break;
      this.#opening.add(proxy.id);
      this.#dialledAt.set(proxy.id, epochNow());
      proxy.start();
    }
  }

  connected(proxy: SimulatedProxy): void {
    this.#dialToFirstResponse.push(epochNow() - (this.#dialledAt.get(proxy.id) ?? 0));
    this.#opening.delete(proxy.id);
    this.#openMore();
  }

  synced(proxy: SimulatedProxy, at: number): void {
    this.#syncedCount++;
    this.#dialToSynced.push(at - (this.#dialledAt.get(proxy.id) ?? 0));
    this.#lastSyncedAt = Math.max(this.#lastSyncedAt, at);
    if (this.#syncedCount + this.#failed.size >= this.#proxies.length) this.#reportSync();
  }

  #reportSync(): void {
    if (this.#syncReported) return;
    this.#syncReported = true;
    clearTimeout(this.#syncTimer);
    report({
      type: "synced",
      synced: this.#syncedCount,
      connections: this.#proxies.length,
      lastSyncedAt: this.#syncedCount === this.#proxies.length ? this.#lastSyncedAt : epochNow(),
      streamErrors: this.#failed.size,
      firstError: this.#firstError,
      lastDialledAt: Math.max(...this.#dialledAt.values()),
      dialToFirstResponseMs: this.#dialToFirstResponse,
      dialToSyncedMs: this.#dialToSynced,
    });
  }

  failed(proxy: SimulatedProxy, error: Error): void {
    if (this.#failed.has(proxy.id)) return;
    this.#failed.add(proxy.id);
    this.#firstError ??= error.message;
    proxy.close();
    // A connection that failed before its first response still held an opening slot.
    this.#opening.delete(proxy.id);
    this.#openMore();
    if (!this.#syncReported && this.#syncedCount + this.#failed.size >= this.#proxies.length) this.#reportSync();
    if (this.watch) this.#maybeEndRound();
  }

  startRound(round: number, watch: ChangeWatch): void {
    this.#round = round;
    this.watch = watch;
    this.#roundAcks = new Map();
    this.#roundCounts = {};
    this.#roundTimer = setTimeout(() => this.#endRound(), this.#options.roundTimeoutMs);
    report({ type: "watching", round });
  }

  changeAcked(proxy: SimulatedProxy, at: number, resources: number): void {
    if (this.#roundAcks.has(proxy.id)) return;
    this.#roundAcks.set(proxy.id, at);
    this.#roundCounts[resources] = (this.#roundCounts[resources] ?? 0) + 1;
    this.#maybeEndRound();
  }

  #maybeEndRound(): void {
    if (this.#roundAcks.size + this.#failed.size >= this.#proxies.length) this.#endRound();
  }

  #endRound(): void {
    if (!this.watch) return;
    clearTimeout(this.#roundTimer);
    this.watch = undefined;
    report({
      type: "converged",
      round: this.#round,
      ackTimes: [...this.#roundAcks.values()],
      connections: this.#proxies.length,
      resourcesPerResponse: this.#roundCounts,
      streamErrors: this.#failed.size,
    });
  }

  stop(): void {
    clearTimeout(this.#syncTimer);
    clearTimeout(this.#roundTimer);
    for (const proxy of this.#proxies) proxy.close();
  }
}

runSimulatorProcess(
  () => new ProxySimulation(readOptions()),
  (simulation, command: SimCommand) => {
    if (command.type === "connect") simulation.connectAll();
    else if (command.type === "watch") simulation.startRound(command.round, command.watch);
  },
);
