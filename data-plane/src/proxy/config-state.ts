// The resources a proxy runs, by type: each with the runtime object built from it, the message
// as received (for /config_dump), its versions and when it last changed. Updated only with whole,
// already validated sets, so a reader never sees half a response.
import { contentVersion } from "../../../proto/index.js";

/** One accepted resource. */
export interface Held<T> {
  readonly name: string;
  readonly runtime: T;
  /** The decoded message as received. */
  readonly resource: unknown;
  /**
   * The resource's own version: delta's Resource.version; in SotW, where a resource carries none,
   * its content version (what Weft's control plane gives it, and `weft get` shows).
   */
  readonly version: string;
  /** version_info (delta: system_version_info) of the response that last changed it, as Envoy shows it. */
  readonly versionInfo: string;
  /** Milliseconds since the epoch: when it last changed. */
  readonly updatedAt: number;
  /** SotW: a copy of its bytes as received, to tell it unchanged when a response repeats it. */
  readonly encoded?: Uint8Array;
}

/** What a handler is given per resource: its name, message, (delta) version or (SotW) bytes, plus its runtime. */
export interface Incoming<T> {
  readonly name: string;
  readonly resource: unknown;
  readonly version?: string;
  readonly encoded?: Uint8Array;
  readonly runtime: T;
}

export class TypeHeld<T> {
  /** The message type, to compute SotW content versions. */
  readonly #typeName: string;
  #items: ReadonlyMap<string, Held<T>> = new Map();
  /** Whether a first response for the type has been applied (readiness). */
  #received = false;
  #versionInfo = "";

  constructor(typeName: string) {
    this.#typeName = typeName;
  }

  get received(): boolean {
    return this.#received;
  }

  /** version_info (SotW) or system_version_info (delta) of the last response applied. */
  get versionInfo(): string {
    return this.#versionInfo;
  }

  get(name: string): Held<T> | undefined {
    return this.#items.get(name);
  }

  has(name: string): boolean {
    return this.#items.has(name);
  }

  values(): IterableIterator<Held<T>> {
    return this.#items.values();
  }

  get size(): number {
    return this.#items.size;
  }

  /** The held set as it is now: an immutable map, to hand back to `restore`. */
  snapshot(): ReadonlyMap<string, Held<T>> {
    return this.#items;
  }

  /**
   * Applies one response. `full` replaces the held set (LDS and CDS, and every type in delta,
   * where the client hands over the full current set); otherwise the resources are merged in
   * (SotW RDS and EDS responses may carry only what changed) and `keep` prunes the names no
   * longer wanted. An unchanged resource (delta: same version; SotW: same bytes) keeps its held
   * entry, runtime object, versions and timestamp.
   */
  apply(
    incoming: readonly Incoming<T>[],
    versionInfo: string,
    now: number,
    options: { readonly full: boolean; readonly keep?: ReadonlySet<string> },
  ): void {
    const next = new Map<string, Held<T>>(options.full ? [] : this.#items);
    for (const item of incoming) {
      const previous = this.#items.get(item.name);
      if (previous !== undefined && unchanged(previous, item)) {
        next.set(item.name, previous);
        continue;
      }
      const held: Held<T> = {
        name: item.name,
        runtime: item.runtime,
        resource: item.resource,
        version: item.version ?? contentVersion(this.#typeName, item.resource),
        versionInfo,
        updatedAt: now,
        // A copy: the bytes received are a view into the whole response, which must not be kept.
        ...(item.encoded === undefined ? {} : { encoded: item.encoded.slice() }),
      };
      next.set(item.name, Object.freeze(held));
    }
    if (options.keep !== undefined) {
      for (const name of next.keys()) if (!options.keep.has(name)) next.delete(name);
    }
    this.#items = next;
    this.#received = true;
    this.#versionInfo = versionInfo;
  }

  /**
   * Puts `names` back as `acknowledged` held them (a name it lacks is dropped), and the type's
   * version_info back to `versionInfo`: for resources of a NACKed response that did not apply.
   */
  restore(names: Iterable<string>, acknowledged: ReadonlyMap<string, Held<T>>, versionInfo: string): void {
    const next = new Map(this.#items);
    for (const name of names) {
      const held = acknowledged.get(name);
      if (held === undefined) next.delete(name);
      else next.set(name, held);
    }
    this.#items = next;
    this.#versionInfo = versionInfo;
  }

  /** Drops names no longer wanted (when a reference goes away, before any response says so). */
  prune(keep: ReadonlySet<string>): void {
    if ([...this.#items.keys()].every((name) => keep.has(name))) return;
    this.#items = new Map([...this.#items].filter(([name]) => keep.has(name)));
  }
}

function unchanged<T>(previous: Held<T>, item: Incoming<T>): boolean {
  if (item.version !== undefined) return previous.version === item.version && previous.resource === item.resource;
  return item.encoded !== undefined && previous.encoded !== undefined && sameBytes(previous.encoded, item.encoded);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
