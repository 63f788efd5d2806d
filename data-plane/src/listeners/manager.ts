// The listener manager: applies a desired set of named listeners. Each is added (bound), updated in
// place (same host:port keeps its socket; the new handler serves requests that start afterwards)
// or removed with draining. A listener that cannot bind is reported on its own, and the rest of
// the desired set still applies.

import type { ListenerError } from "./errors.js";
import { type BoundAddress, HttpListener } from "./listener.js";
import type { ListenerSpec } from "./types.js";

export interface ApplyResult {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
  /** Listeners that could not bind, by name; each error has code WEFT_PROXY_LISTENER_BIND. */
  readonly failed: ReadonlyMap<string, ListenerError>;
  /** Settles when every listener removed by this apply has drained. */
  readonly drained: Promise<void>;
}

interface Entry {
  readonly listener: HttpListener;
  spec: ListenerSpec;
}

export class ListenerManager {
  readonly #entries = new Map<string, Entry>();
  readonly #draining = new Set<Promise<void>>();
  /** Applies run one after another, so two never race over the same address. */
  #queue: Promise<unknown> = Promise.resolve();

  apply(desired: ReadonlyMap<string, ListenerSpec>): Promise<ApplyResult> {
    const run = this.#queue.then(() => this.#apply(desired));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(desired: ReadonlyMap<string, ListenerSpec>): Promise<ApplyResult> {
    const added: string[] = [];
    const updated: string[] = [];
    const removed: string[] = [];
    const failed = new Map<string, ListenerError>();
    const drains: Promise<void>[] = [];
    const toBind: [string, ListenerSpec][] = [];

    // Removals (and address changes) first: closing a server frees its port at once, so a new
    // listener may take over an address another one leaves in the same apply.
    for (const [name, entry] of this.#entries) {
      const spec = desired.get(name);
      if (spec !== undefined && spec.host === entry.spec.host && spec.port === entry.spec.port) continue;
      this.#entries.delete(name);
      drains.push(this.#drain(entry.listener, entry.spec.drainTimeoutMs));
      if (spec === undefined) removed.push(name);
    }
    for (const [name, spec] of desired) {
      const entry = this.#entries.get(name);
      if (entry === undefined) {
        toBind.push([name, spec]);
      } else {
        entry.listener.setHandler(spec.handler);
        entry.spec = spec;
        updated.push(name);
      }
    }
    await Promise.all(
      toBind.map(async ([name, spec]) => {
        const listener = new HttpListener(name, spec.host, spec.port, spec.handler);
        try {
          await listener.listen();
          this.#entries.set(name, { listener, spec });
          added.push(name);
        } catch (err) {
          failed.set(name, err as ListenerError);
        }
      }),
    );
    return { added, updated, removed, failed, drained: Promise.all(drains).then(() => undefined) };
  }

  #drain(listener: HttpListener, timeoutMs: number): Promise<void> {
    const done = listener.drain(timeoutMs).finally(() => this.#draining.delete(done));
    this.#draining.add(done);
    return done;
  }

  /** The bound address of a live listener (the real port when 0 was asked for). */
  address(name: string): BoundAddress | undefined {
    return this.#entries.get(name)?.listener.address();
  }

  /** Names of the live (not draining) listeners. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Drains every listener, each within its own drain timeout; resolves when all sockets are gone. */
  async close(): Promise<void> {
    await this.#queue;
    for (const [name, entry] of this.#entries) {
      this.#entries.delete(name);
      this.#drain(entry.listener, entry.spec.drainTimeoutMs);
    }
    await Promise.all(this.#draining);
  }
}
