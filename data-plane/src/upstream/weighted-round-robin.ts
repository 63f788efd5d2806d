// Smooth weighted round robin (nginx's algorithm) over a cluster's usable endpoints: over any
// window of sum-of-weights picks each endpoint is chosen exactly its weight's number of times, and
// picks of one endpoint are spread out rather than bunched. Deterministic: no randomness.
import type { EndpointHealth, RuntimeEndpoint, RuntimeEndpoints } from "../config/index.js";

export interface Weighted<T> {
  readonly item: T;
  readonly weight: number;
}

/** Endpoints in these states take traffic; any other state is skipped. */
const USABLE: ReadonlySet<EndpointHealth> = new Set<EndpointHealth>(["HEALTHY", "UNKNOWN"]);

export function isUsable(endpoint: RuntimeEndpoint): boolean {
  return USABLE.has(endpoint.health) && endpoint.weight > 0;
}

/**
 * The usable endpoints of the lowest priority that has any, each weighted by its locality's weight
 * times its own. Higher priorities take traffic only when every lower one has no usable endpoint.
 */
export function usableEndpoints(endpoints: RuntimeEndpoints): Weighted<RuntimeEndpoint>[] {
  const byPriority = new Map<number, Weighted<RuntimeEndpoint>[]>();
  for (const locality of endpoints.localities) {
    if (locality.weight <= 0) continue;
    for (const endpoint of locality.endpoints) {
      if (!isUsable(endpoint)) continue;
      let list = byPriority.get(locality.priority);
      if (list === undefined) {
        list = [];
        byPriority.set(locality.priority, list);
      }
      list.push({ item: endpoint, weight: locality.weight * endpoint.weight });
    }
  }
  let best: number | undefined;
  for (const priority of byPriority.keys()) if (best === undefined || priority < best) best = priority;
  return best === undefined ? [] : (byPriority.get(best) ?? []);
}

/** Smooth weighted round robin over a fixed list; `next()` is undefined when the list is empty. */
export class SmoothWeightedRoundRobin<T> {
  readonly #items: readonly T[];
  readonly #weights: readonly number[];
  readonly #current: number[];
  readonly #total: number;

  constructor(entries: readonly Weighted<T>[]) {
    const usable = entries.filter((e) => e.weight > 0);
    this.#items = usable.map((e) => e.item);
    this.#weights = usable.map((e) => e.weight);
    this.#current = usable.map(() => 0);
    this.#total = this.#weights.reduce((sum, w) => sum + w, 0);
  }

  get size(): number {
    return this.#items.length;
  }

  next(): T | undefined {
    const n = this.#items.length;
    if (n === 0) return undefined;
    if (n === 1) return this.#items[0];
    let best = 0;
    let bestCurrent = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const current = (this.#current[i] ?? 0) + (this.#weights[i] ?? 0);
      this.#current[i] = current;
      if (current > bestCurrent) {
        bestCurrent = current;
        best = i;
      }
    }
    this.#current[best] = bestCurrent - this.#total;
    return this.#items[best];
  }
}
