// Who is connected and what each proxy runs. Streams register a connection and keep their own
// state; the registry reads it only when asked (GET /v1/proxies, CSDS, metrics), so nothing is
// copied per message.
import type { NackRecord, ProxyStatus, ProxyStatusSource, TypeStatus } from "./proxy-status.js";

/** CSDS's ConfigStatus words for one resource as the server sees it. */
export type ResourceSyncStatus = "SYNCED" | "NOT_SENT" | "STALE" | "ERROR";

/** One resource on one connection, as CSDS reports it. */
export interface ResourceStatus {
  readonly typeUrl: string;
  readonly name: string;
  readonly version: string;
  readonly status: ResourceSyncStatus;
  /** The encoded Any the client was sent (for CSDS's xds_config), when there is one. */
  readonly anyBytes: Uint8Array | undefined;
}

export interface ConnectionNode {
  readonly id: string;
  readonly cluster: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly userAgent: string;
  /** The node as the client sent it (ts-proto form), for CSDS. */
  readonly raw: unknown;
}

/** What a stream registers: fixed facts, and functions that read its live state. */
export interface Connection {
  readonly streamId: number;
  readonly node: ConnectionNode;
  readonly address: string;
  readonly connectedAt: Date;
  readonly protocol: "sotw" | "delta";
  types(): Record<string, TypeStatus>;
  resources(): ResourceStatus[];
}

/**
 * Why a connection's record may have changed: it connected or disconnected, its stream handled a
 * request (an ACK, a NACK, or a request that subscribes or unsubscribes), or its stream answered a
 * new snapshot.
 */
export type StatusChange = "connected" | "disconnected" | "ack" | "nack" | "request" | "snapshot";

/** Called after a connection's record may have changed, with the record already updated. */
export type StatusListener = (change: StatusChange, connection: Connection) => void;

export class StatusRegistry implements ProxyStatusSource {
  readonly #connections = new Set<Connection>();
  readonly #listeners = new Set<StatusListener>();
  readonly #nacks: NackRecord[] = [];
  readonly #nackLimit: number;
  readonly #onChange: ((connected: number) => void) | undefined;

  constructor(options: { nackHistory?: number; onConnectionsChanged?: (connected: number) => void } = {}) {
    this.#nackLimit = options.nackHistory ?? 100;
    this.#onChange = options.onConnectionsChanged;
  }

  /** Registers a connection; the returned function removes it. */
  connect(connection: Connection): () => void {
    this.#connections.add(connection);
    this.#onChange?.(this.#connections.size);
    this.changed("connected", connection);
    return () => {
      if (!this.#connections.delete(connection)) return;
      this.#onChange?.(this.#connections.size);
      this.changed("disconnected", connection);
    };
  }

  /**
   * Calls `listener` after each change to any connection's record, until the returned function is
   * called. For tests and tools that wait for the control plane to have handled something. A
   * listener runs inside the stream's handling of the change, so it must return quickly and not throw.
   */
  watch(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * A stream reports that `connection`'s record changed, once its state is updated. With nobody
   * watching (the control plane in production) this costs one size check.
   */
  changed(change: StatusChange, connection: Connection): void {
    if (this.#listeners.size === 0) return;
    for (const listener of [...this.#listeners]) listener(change, connection);
  }

  recordNack(record: NackRecord): void {
    this.#nacks.unshift(record);
    if (this.#nacks.length > this.#nackLimit) this.#nacks.length = this.#nackLimit;
  }

  get connectedCount(): number {
    return this.#connections.size;
  }

  connections(): Connection[] {
    return [...this.#connections].sort(
      (a, b) =>
        (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0) ||
        a.connectedAt.getTime() - b.connectedAt.getTime(),
    );
  }

  proxies(): ProxyStatus[] {
    return this.connections().map((c) => {
      const types = c.types();
      return {
        nodeId: c.node.id,
        cluster: c.node.cluster,
        address: c.address,
        connectedAt: c.connectedAt.toISOString(),
        userAgent: c.node.userAgent,
        metadata: c.node.metadata,
        revision: lowestRevision(Object.values(types)),
        types,
      };
    });
  }

  recentNacks(): NackRecord[] {
    return [...this.#nacks];
  }
}

/** The revision every type runs: the lowest, null if any type runs none (or there is no type yet). */
function lowestRevision(types: readonly TypeStatus[]): number | null {
  let lowest: number | null = null;
  for (const { revision } of types) {
    if (revision === null) return null;
    if (lowest === null || revision < lowest) lowest = revision;
  }
  return lowest;
}
