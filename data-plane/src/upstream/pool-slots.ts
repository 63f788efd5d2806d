// Connection pools shared by address: every host of every cluster that names the same address
// (with the same connection options) uses one pool. A pool lives while some host holds it; when
// the last one lets go, it is closed, which lets its in-flight requests finish first.
import type { Pool } from "undici";

/** One pool and the number of hosts holding it. */
export class PoolSlot {
  /** Hosts holding the slot; the slot closes when this returns to zero. */
  holders = 0;

  constructor(
    /** Connection options and address, e.g. `http 5000 127.0.0.1:8080`. */
    readonly key: string,
    readonly pool: Pool,
  ) {}
}

export class PoolSlots {
  readonly #slots = new Map<string, PoolSlot>();

  /** The slot for `key`, its pool made by `create` on first use; pair with exactly one release(). */
  acquire(key: string, create: () => Pool): PoolSlot {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = new PoolSlot(key, create());
      this.#slots.set(key, slot);
    }
    slot.holders++;
    return slot;
  }

  /**
   * Lets go of a slot. When nothing holds it any more its pool is closed (new requests are
   * refused, in-flight ones finish) and the returned promise settles once it has drained.
   */
  release(slot: PoolSlot): Promise<void> | undefined {
    slot.holders--;
    if (slot.holders > 0 || this.#slots.get(slot.key) !== slot) return undefined;
    this.#slots.delete(slot.key);
    return closePool(slot.pool);
  }

  /** Closes every pool, whoever holds it. */
  closeAll(): Promise<void> {
    const pools = [...this.#slots.values()].map((slot) => slot.pool);
    this.#slots.clear();
    return Promise.all(pools.map(closePool)).then(() => undefined);
  }
}

function closePool(pool: Pool): Promise<void> {
  // A pool already closed or destroyed rejects; there is nothing left to drain then.
  return pool.close().catch(() => undefined);
}
