// What the client holds for one type URL across streams: the names it wants, the last version
// it accepted and, in delta mode, the resources it accepted. Nonces are not here: they belong to
// one stream (docs/xds-protocol.md #1).
import type { TypeSubscription } from "./options.js";

/** A resource held in delta mode: the version the server gave it and the decoded message. */
export interface HeldResource {
  readonly version: string;
  readonly resource: unknown;
}

export class TypeState {
  readonly subscription: TypeSubscription;
  /** The last version_info accepted ("" until one is); survives reconnects (docs/xds-protocol.md #3, #39). */
  acceptedVersion = "";
  #names: readonly string[] = [];
  /** Delta mode: every resource accepted and still current, by name; survives reconnects (docs/xds-protocol.md #29). */
  #held: ReadonlyMap<string, HeldResource> = new Map();
  /** Delta mode: whether the handler has been given this type's set at least once. */
  delivered = false;

  constructor(subscription: TypeSubscription) {
    this.subscription = subscription;
  }

  get typeUrl(): string {
    return this.subscription.typeUrl;
  }

  /** The resource_names to request: "*" for a wildcard type (docs/xds-protocol.md #10), else the names set. */
  get resourceNames(): string[] {
    return this.subscription.wildcard ? ["*"] : [...this.#names];
  }

  /**
   * Whether a request for this type belongs on a new stream. A named type with no names is left
   * out: an empty list as the first request for a type would be the legacy wildcard (docs/xds-protocol.md #10).
   */
  get wantsRequest(): boolean {
    return this.subscription.wildcard || this.#names.length > 0;
  }

  /** Replaces the names; returns whether they changed (order and duplicates do not count). */
  setNames(names: readonly string[]): boolean {
    const next = [...new Set(names)].sort();
    if (next.length === this.#names.length && next.every((name, i) => name === this.#names[i])) return false;
    this.#names = next;
    // A name unsubscribed is dropped at once: in delta the server says nothing more about it
    // (docs/xds-protocol.md #24).
    if (!this.subscription.wildcard) this.#held = new Map([...this.#held].filter(([name]) => this.wants(name)));
    return true;
  }

  /** Whether a resource of this name is wanted: any for a wildcard type, else only the names set. */
  wants(name: string): boolean {
    return this.subscription.wildcard || this.#names.includes(name);
  }

  /** Delta mode: the resources held, by name. */
  get held(): ReadonlyMap<string, HeldResource> {
    return this.#held;
  }

  /** Delta mode: name to version of every resource held, for initial_resource_versions (docs/xds-protocol.md #29). */
  heldVersions(): Record<string, string> {
    return Object.fromEntries([...this.#held].map(([name, held]) => [name, held.version]));
  }

  /** Delta mode: replaces what is held with an accepted set, keeping only names still wanted. */
  accept(next: ReadonlyMap<string, HeldResource>): void {
    this.#held = new Map([...next].filter(([name]) => this.wants(name)));
    this.delivered = true;
  }
}
