// The listener manager: applies a desired set of named listeners. Each is added (bound), updated in
// place (same kind and host:port keeps its socket; the new handler serves requests or connections
// that start afterwards) or removed with draining; a change of kind or address is a removal and an
// addition. A listener may also be reserved: bound before it serves (while its config warms), its
// accepted connections held until it serves. A listener that cannot bind is reported on its own,
// and the rest of the desired set still applies.

import { type Clock, systemClock } from "../../../time/index.js";
import type { BoundAddress } from "./bind.js";
import type { ListenerError } from "./errors.js";
import { HttpListener } from "./http-listener.js";
import type { PortHolds } from "./port-holds.js";
import { TcpListener } from "./tcp-listener.js";
import type { ListenerSpec } from "./types.js";

export interface ApplyResult {
  /** Listeners that started serving: newly bound, or a reservation that now serves. */
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
  /** Reservations newly bound. */
  readonly reserved: readonly string[];
  /** Listeners (serving or reserved) that could not bind, by name; each error has code WEFT_PROXY_LISTENER_BIND. */
  readonly failed: ReadonlyMap<string, ListenerError>;
  /** Settles when every listener (or reservation) removed by this apply has drained. */
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
  /** Runs the drain timeouts; the system clock by default. */
  readonly clock?: Clock;
  /**
   * Addresses bound ahead of their listener (a sidecar's inbound port): a listener on one of them
   * takes its socket over instead of binding. Those no listener took are released by close().
   */
  readonly holds?: PortHolds;
}

export class ListenerManager {
  /** The listeners serving, by name. */
  readonly #entries = new Map<string, Entry>();
  /** The reservations (bound, holding their connections), by name. */
  readonly #reservations = new Map<string, Entry>();
  readonly #connectionOpened: ((listener: string) => void) | undefined;
  readonly #clock: Clock;
  readonly #holds: PortHolds | undefined;

  constructor(options: ListenerManagerOptions = {}) {
    this.#connectionOpened = options.connectionOpened;
    this.#clock = options.clock ?? systemClock;
    this.#holds = options.holds;
  }

  readonly #draining = new Set<Promise<void>>();
  /** Applies run one after another, so two never race over the same address. */
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Makes `serving` the listeners that serve and `reserved` the ones bound ahead of serving.
   *
   * A reservation binds its address now, so an address that cannot be bound fails in this apply,
   * but holds every connection it accepts, unread, until a later apply serves the same name on
   * the same socket (kind, host and port): that listener then serves from the reservation's socket,
   * with the serving spec's handler, starting with the connections held. A name may be in both
   * maps at two addresses (a listener moving while its new version warms: the old address serves
   * meanwhile). A reservation on the socket its name already serves is that socket: nothing more is
   * bound. A reservation left out of a later apply, or asked for on another socket, is closed and
   * its held connections destroyed.
   */
  apply(
    serving: ReadonlyMap<string, ListenerSpec>,
    reserved: ReadonlyMap<string, ListenerSpec> = new Map(),
  ): Promise<ApplyResult> {
    const run = this.#queue.then(() => this.#apply(serving, reserved));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(
    serving: ReadonlyMap<string, ListenerSpec>,
    reserved: ReadonlyMap<string, ListenerSpec>,
  ): Promise<ApplyResult> {
    const added: string[] = [];
    const updated: string[] = [];
    const removed: string[] = [];
    const newlyReserved: string[] = [];
    const failed = new Map<string, ListenerError>();
    const drains: Promise<void>[] = [];
    const toBind: [string, ListenerSpec][] = [];
    const toReserve: [string, ListenerSpec][] = [];

    // Removals (and address changes) first: closing a server frees its port at once, so a new
    // listener may take over an address another one leaves in the same apply.
    for (const [name, entry] of this.#entries) {
      const spec = serving.get(name);
      if (spec !== undefined && sameSocket(spec, entry.spec)) continue;
      this.#entries.delete(name);
      drains.push(this.#drain(entry.listener, entry.spec.drainTimeoutMs));
      if (spec === undefined) removed.push(name);
    }
    for (const [name, entry] of this.#reservations) {
      const wanted = [serving.get(name), reserved.get(name)];
      if (wanted.some((spec) => spec !== undefined && sameSocket(spec, entry.spec))) continue;
      this.#reservations.delete(name);
      drains.push(this.#drain(entry.listener, entry.spec.drainTimeoutMs));
    }
    for (const [name, spec] of serving) {
      const entry = this.#entries.get(name);
      const reservation = this.#reservations.get(name);
      if (entry !== undefined) {
        setHandler(entry.listener, spec);
        entry.spec = spec;
        updated.push(name);
      } else if (reservation !== undefined && sameSocket(spec, reservation.spec)) {
        this.#reservations.delete(name);
        setHandler(reservation.listener, spec);
        reservation.listener.serve();
        this.#entries.set(name, { listener: reservation.listener, spec });
        added.push(name);
      } else {
        toBind.push([name, spec]);
      }
    }
    for (const [name, spec] of reserved) {
      const servingSpec = serving.get(name);
      if (servingSpec !== undefined && sameSocket(spec, servingSpec)) continue;
      const reservation = this.#reservations.get(name);
      if (reservation === undefined) toReserve.push([name, spec]);
      else reservation.spec = spec;
    }
    await Promise.all([
      ...toBind.map(async ([name, spec]) => {
        const listener = createListener(name, spec, this.#connectionOpened);
        try {
          await this.#listen(listener, spec);
          this.#entries.set(name, { listener, spec });
          added.push(name);
        } catch (err) {
          failed.set(name, err as ListenerError);
        }
      }),
      ...toReserve.map(async ([name, spec]) => {
        const listener = createListener(name, spec, this.#connectionOpened);
        listener.hold();
        try {
          await this.#listen(listener, spec);
          this.#reservations.set(name, { listener, spec });
          newlyReserved.push(name);
        } catch (err) {
          failed.set(name, err as ListenerError);
        }
      }),
    ]);
    return {
      added,
      updated,
      removed,
      reserved: newlyReserved,
      failed,
      drained: Promise.all(drains).then(() => undefined),
    };
  }

  /** Binds `listener`, on the socket held for its address when there is one. */
  async #listen(listener: Listener, spec: ListenerSpec): Promise<void> {
    const held = this.#holds?.take(spec.host, spec.port);
    try {
      await listener.listen(held);
    } catch (err) {
      held?.close();
      throw err;
    }
  }

  #drain(listener: Listener, timeoutMs: number): Promise<void> {
    const done = listener.drain(timeoutMs, this.#clock).finally(() => this.#draining.delete(done));
    this.#draining.add(done);
    return done;
  }

  /** The bound address of a live listener (the real port when 0 was asked for). */
  address(name: string): BoundAddress | undefined {
    return this.#entries.get(name)?.listener.address();
  }

  /** Names of the live (serving, not draining) listeners. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** The bound address of a reservation (the real port when 0 was asked for). */
  reservedAddress(name: string): BoundAddress | undefined {
    return this.#reservations.get(name)?.listener.address();
  }

  /** Names of the reservations (bound, not serving yet). */
  reservations(): string[] {
    return [...this.#reservations.keys()];
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

  /**
   * Drains every listener, each within its own drain timeout, and closes every reservation;
   * resolves when all sockets are gone.
   */
  async close(): Promise<void> {
    await this.#queue;
    for (const entries of [this.#entries, this.#reservations]) {
      for (const [name, entry] of entries) {
        entries.delete(name);
        this.#drain(entry.listener, entry.spec.drainTimeoutMs);
      }
    }
    await Promise.all([...this.#draining, this.#holds?.close()]);
  }
}

/** Whether `next` can keep the socket bound for `current`: the same kind at the same address. */
function sameSocket(next: ListenerSpec, current: ListenerSpec): boolean {
  return next.kind === current.kind && next.host === current.host && next.port === current.port;
}

function createListener(name: string, spec: ListenerSpec, opened: ((listener: string) => void) | undefined): Listener {
  const onConnection = opened === undefined ? undefined : () => opened(name);
  if (spec.kind === "tcp") {
    const listener = new TcpListener(name, spec.host, spec.port, spec.onConnection, onConnection);
    listener.setTransport(spec.transport);
    return listener;
  }
  const listener = new HttpListener(name, spec.host, spec.port, spec.handler, onConnection);
  listener.setCodec(spec.codec ?? "auto");
  listener.setTransport(spec.transport);
  return listener;
}

/** Only called for a spec of the listener's own kind (sameSocket held). */
function setHandler(listener: Listener, spec: ListenerSpec): void {
  listener.setTransport(spec.transport);
  if (listener instanceof HttpListener && spec.kind === "http") {
    listener.setHandler(spec.handler);
    listener.setCodec(spec.codec ?? "auto");
  } else if (listener instanceof TcpListener && spec.kind === "tcp") listener.setHandler(spec.onConnection);
}
