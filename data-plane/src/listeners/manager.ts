// The listener manager: applies a desired set of named listeners. Each is added (bound), updated in
// place (same kind and host:port keeps its socket; the new handler serves requests or connections
// that start afterwards) or removed with draining; a change of kind or address is a removal and an
// addition. A listener that cannot bind is reported on its own, and the rest of
// the desired set still applies.

import type { BoundAddress } from "./bind.js";
import type { ListenerError } from "./errors.js";
import { HttpListener } from "./http-listener.js";
import { TcpListener } from "./tcp-listener.js";
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

type Listener = HttpListener | TcpListener;

interface Entry {
  readonly listener: Listener;
  spec: ListenerSpec;
}

export interface ListenerManagerOptions {
  /** Told of every downstream connection accepted, with its listener's name. */
  readonly connectionOpened?: (listener: string) => void;
}

export class ListenerManager {
  readonly #entries = new Map<string, Entry>();
  readonly #connectionOpened: ((listener: string) => void) | undefined;

  constructor(options: ListenerManagerOptions = {}) {
    this.#connectionOpened = options.connectionOpened;
  }

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
      if (spec !== undefined && sameSocket(spec, entry.spec)) continue;
      this.#entries.delete(name);
      drains.push(this.#drain(entry.listener, entry.spec.drainTimeoutMs));
      if (spec === undefined) removed.push(name);
    }
    for (const [name, spec] of desired) {
      const entry = this.#entries.get(name);
      if (entry === undefined) {
        toBind.push([name, spec]);
      } else {
        setHandler(entry.listener, spec);
        entry.spec = spec;
        updated.push(name);
      }
    }
    await Promise.all(
      toBind.map(async ([name, spec]) => {
        const listener = createListener(name, spec, this.#connectionOpened);
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

  #drain(listener: Listener, timeoutMs: number): Promise<void> {
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

  /**
   * Open downstream connections of each live (not draining) listener, by name, for a gauge. An
   * HTTP listener counts its connections (idle keep-alive ones too), not its requests.
   */
  activeConnections(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [name, { listener }] of this.#entries) counts.set(name, listener.connections);
    return counts;
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

/** Whether `next` can keep the socket bound for `current`: the same kind at the same address. */
function sameSocket(next: ListenerSpec, current: ListenerSpec): boolean {
  return next.kind === current.kind && next.host === current.host && next.port === current.port;
}

function createListener(name: string, spec: ListenerSpec, opened: ((listener: string) => void) | undefined): Listener {
  const onConnection = opened === undefined ? undefined : () => opened(name);
  if (spec.kind === "tcp") return new TcpListener(name, spec.host, spec.port, spec.onConnection, onConnection);
  const listener = new HttpListener(name, spec.host, spec.port, spec.handler, onConnection);
  listener.setCodec(spec.codec ?? "auto");
  return listener;
}

/** Only called for a spec of the listener's own kind (sameSocket held). */
function setHandler(listener: Listener, spec: ListenerSpec): void {
  if (listener instanceof HttpListener && spec.kind === "http") {
    listener.setHandler(spec.handler);
    listener.setCodec(spec.codec ?? "auto");
  } else if (listener instanceof TcpListener && spec.kind === "tcp") listener.setHandler(spec.onConnection);
}
