// One endpoint of one cluster as a request sees it: where to send, the pool to send through, and
// the count of requests in flight to it (for the admin /clusters view).
import type { Pool } from "undici";
import type { RuntimeEndpoint } from "../config/index.js";

/** A pool and its in-flight count, shared by every cluster naming the same address and options. */
export class PoolSlot {
  activeRequests = 0;

  constructor(
    readonly key: string,
    readonly pool: Pool,
  ) {}
}

export class Upstream {
  readonly #slot: PoolSlot;

  constructor(
    readonly endpoint: RuntimeEndpoint,
    /** `host:port`, with an IPv6 host in brackets. */
    readonly address: string,
    slot: PoolSlot,
  ) {
    this.#slot = slot;
  }

  get pool(): Pool {
    return this.#slot.pool;
  }

  /** Requests in flight to this endpoint's address, over every cluster sharing its pool. */
  get activeRequests(): number {
    return this.#slot.activeRequests;
  }

  /** Call when a request is dispatched to this endpoint… */
  begin(): void {
    this.#slot.activeRequests++;
  }

  /** …and once when it has finished, failed or been aborted. */
  end(): void {
    if (this.#slot.activeRequests > 0) this.#slot.activeRequests--;
  }
}

/** `host:port`, bracketing an IPv6 host. */
export function endpointAddress(endpoint: RuntimeEndpoint): string {
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}`;
}
