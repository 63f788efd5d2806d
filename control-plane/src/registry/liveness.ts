// Liveness of registered instances: a sidecar is alive while its node has an xDS stream. When the
// node's last stream ends, its entry is kept for the grace period and removed if no stream from the
// node comes back; a stream back within the grace cancels the removal. At start every registered
// entry gets one grace period for its node to connect, so a control-plane restart neither drops
// nor flaps endpoints. Timers run on the injected clock.
//
// Streams are this process's own: with several control planes on one store, each would time out
// the nodes connected to the others (to be settled when several control planes share a store).
import type { Logger } from "pino";
import type { Clock, Timer } from "../../../time/index.js";
import type { Connection, StatusListener } from "../status/registry.js";
import type { InstanceRegistry } from "./instance-registry.js";

/** The grace period when none is configured. */
export const DEFAULT_REGISTRATION_GRACE_MS = 10_000;

/** What liveness needs of the status registry: the live streams and their connect/disconnect events. */
export interface StreamSource {
  watch(listener: StatusListener): () => void;
  connections(): readonly Connection[];
}

export interface LivenessOptions {
  readonly registry: InstanceRegistry;
  readonly streams: StreamSource;
  readonly clock: Clock;
  /** How long a registered node may be without a stream before its entry is removed. */
  readonly graceMs?: number;
  readonly logger: Logger;
}

export class RegistrationLiveness {
  readonly #registry: InstanceRegistry;
  readonly #streams: StreamSource;
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #logger: Logger;
  /** Nodes without a stream, each with the timer that removes its entry. */
  readonly #timers = new Map<string, Timer>();
  /** Removals under way, awaited by stop() so none outlives the store. */
  readonly #removals = new Set<Promise<void>>();
  readonly #unsubscribe: (() => void)[] = [];
  /**
   * Live streams per node, kept from the connect and disconnect events: asking the status
   * registry instead would list and sort every connection at each registration.
   */
  readonly #streamsOf = new Map<string, number>();

  constructor(options: LivenessOptions) {
    this.#registry = options.registry;
    this.#streams = options.streams;
    this.#clock = options.clock;
    this.#graceMs = options.graceMs ?? DEFAULT_REGISTRATION_GRACE_MS;
    this.#logger = options.logger;
  }

  /** Starts watching streams and registrations, and gives every registered node without a stream one grace period. */
  async start(): Promise<void> {
    this.#unsubscribe.push(
      this.#streams.watch((change, connection) => {
        const nodeId = connection.node.id;
        if (change === "connected") {
          this.#streamsOf.set(nodeId, (this.#streamsOf.get(nodeId) ?? 0) + 1);
          this.#cancel(nodeId);
        } else if (change === "disconnected") {
          const left = (this.#streamsOf.get(nodeId) ?? 1) - 1;
          if (left > 0) this.#streamsOf.set(nodeId, left);
          else {
            this.#streamsOf.delete(nodeId);
            this.#schedule(nodeId);
          }
        }
      }),
      this.#registry.subscribe((nodeId) => {
        if (!this.#connected(nodeId)) this.#schedule(nodeId);
      }),
    );
    // Streams opened before the watch (synchronously with it: no event falls between).
    for (const { node } of this.#streams.connections()) {
      this.#streamsOf.set(node.id, (this.#streamsOf.get(node.id) ?? 0) + 1);
    }
    for (const nodeId of await this.#registry.registeredNodes()) {
      if (!this.#connected(nodeId)) this.#schedule(nodeId);
    }
  }

  /** Stops every timer and watch, and waits for removals under way. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    for (const timer of this.#timers.values()) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#removals]);
  }

  /** Nodes whose entry will be removed unless a stream comes back, for status and tests. */
  get waiting(): string[] {
    return [...this.#timers.keys()].sort();
  }

  #connected(nodeId: string): boolean {
    return this.#streamsOf.has(nodeId);
  }

  /** Starts `nodeId`'s grace period, unless one is already running (a registration does not extend it). */
  #schedule(nodeId: string): void {
    if (this.#timers.has(nodeId)) return;
    const timer = this.#clock.setTimeout(() => this.#expire(nodeId), this.#graceMs).unref();
    this.#timers.set(nodeId, timer);
  }

  #cancel(nodeId: string): void {
    const timer = this.#timers.get(nodeId);
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer);
    this.#timers.delete(nodeId);
  }

  #expire(nodeId: string): void {
    this.#timers.delete(nodeId);
    if (this.#connected(nodeId)) return;
    const removal = this.#registry
      .deregister(nodeId, "no xDS stream for the grace period")
      .then((removed) => {
        if (removed !== undefined) {
          this.#logger.info(
            { nodeId, entry: removed.name, revision: removed.revision, graceMs: this.#graceMs },
            "registered instance removed: its node had no xDS stream for the grace period",
          );
        }
      })
      .catch((error: unknown) => {
        this.#logger.error({ err: error, nodeId }, "could not remove a registered instance whose node is gone");
      })
      .finally(() => {
        this.#removals.delete(removal);
      });
    this.#removals.add(removal);
  }
}
