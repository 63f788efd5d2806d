// Smooth weighted round robin (nginx's algorithm) over a fixed list: over any window of
// sum-of-weights picks each item is chosen exactly its weight's number of times, and picks of one
// item are spread out rather than bunched. Deterministic: no randomness.

export interface Weighted<T> {
  readonly item: T;
  readonly weight: number;
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
