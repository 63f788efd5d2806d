// What the client holds for one type URL across streams: the names it wants and the last
// version it accepted. Nonces are not here: they belong to one stream (PROTOCOL.md item 1).
import type { TypeSubscription } from "./options.js";

export class TypeState {
  readonly subscription: TypeSubscription;
  /** The last version_info accepted ("" until one is, item 3); survives reconnects (item 39). */
  acceptedVersion = "";
  #names: readonly string[] = [];

  constructor(subscription: TypeSubscription) {
    this.subscription = subscription;
  }

  get typeUrl(): string {
    return this.subscription.typeUrl;
  }

  /** The resource_names to request: "*" for a wildcard type (item 10), else the names set. */
  get resourceNames(): string[] {
    return this.subscription.wildcard ? ["*"] : [...this.#names];
  }

  /**
   * Whether a request for this type belongs on a new stream. A named type with no names is left
   * out: an empty list as the first request for a type would be the legacy wildcard (item 10).
   */
  get wantsRequest(): boolean {
    return this.subscription.wildcard || this.#names.length > 0;
  }

  /** Replaces the names; returns whether they changed (order and duplicates do not count). */
  setNames(names: readonly string[]): boolean {
    const next = [...new Set(names)].sort();
    if (next.length === this.#names.length && next.every((name, i) => name === this.#names[i])) return false;
    this.#names = next;
    return true;
  }
}
