// A mergeable latency distribution on fixed, log-scaled buckets (the layout DDSketch uses, with the
// bucket edges fixed so that any two histograms merge by adding counts).
//
// Layout (`LATENCY_LAYOUT`): relative accuracy ALPHA = 2 %, so each bucket's upper edge is
// GAMMA = (1 + ALPHA) / (1 - ALPHA) ≈ 1.0408 times its lower edge. Bucket i (1..LOG_BUCKETS) holds
// values v in (MIN_MS·GAMMA^(i-1), MIN_MS·GAMMA^i], from MIN_MS = 0.05 ms (50 µs) up to at least
// MAX_MS = 300,000 ms (5 min): 391 buckets. Bucket 0 (underflow) holds v <= 50 µs, zero included;
// the last bucket (overflow) holds everything above the top edge.
//
// Error contract: a bucket stands for its value 2·lo·hi / (lo + hi), which lies within ALPHA of every
// value in (lo, hi]. quantile(q) returns the value standing for the bucket that holds the sample of
// rank floor(q·(count - 1)) in sorted order, so for a sample inside the log range it is within a
// relative error of ALPHA (2 %) of that exact sample, whatever the distribution and however many
// histograms were merged. Outside the range: the underflow reports MIN_MS (absolute error < 50 µs),
// the overflow reports the top edge (a lower bound only). The exact sum is kept beside the counts.
//
// Memory: buckets are kept sparse (a map from index to count), so a histogram costs what its
// occupied buckets cost, at most LOG_BUCKETS + 2 entries.

export const ALPHA = 0.02;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
export const MIN_MS = 0.05;
export const MAX_MS = 300_000;
const LOG_BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_GAMMA);
const UNDERFLOW = 0;
const OVERFLOW = LOG_BUCKETS + 1;

/** Names the bucket layout; a serialised histogram with another layout is refused, never mixed in. */
export const LATENCY_LAYOUT = "log-2pct-50us-5min-v1";

/** The compact form a report carries: occupied bucket indices, ascending, and their counts. */
export interface SparseLatencyHistogram {
  readonly layout: string;
  readonly indices: readonly number[];
  readonly counts: readonly number[];
  /** The exact sum of recorded values, in milliseconds (Prometheus' `_sum`). */
  readonly sumMs: number;
}

function indexOf(valueMs: number): number {
  if (!(valueMs > MIN_MS)) return UNDERFLOW; // NaN lands here too, rather than poisoning a bucket
  const index = Math.ceil(Math.log(valueMs / MIN_MS) / LOG_GAMMA);
  return Math.min(Math.max(index, 1), OVERFLOW);
}

function upperEdge(index: number): number {
  return MIN_MS * GAMMA ** index;
}

/** The value a bucket stands for: within ALPHA of every value in it (see the header). */
function representative(index: number): number {
  if (index === UNDERFLOW) return MIN_MS;
  if (index === OVERFLOW) return upperEdge(LOG_BUCKETS);
  const lo = upperEdge(index - 1);
  const hi = upperEdge(index);
  return (2 * lo * hi) / (lo + hi);
}

export class LatencyHistogram {
  readonly #counts = new Map<number, number>();
  #count = 0;
  #sumMs = 0;

  /** Records one observation of `valueMs` milliseconds (negative and NaN values count as 0, infinite ones as overflow, left out of the sum). */
  record(valueMs: number): void {
    this.#add(indexOf(valueMs), 1);
    if (valueMs > 0 && Number.isFinite(valueMs)) this.#sumMs += valueMs;
  }

  /** Adds every observation of `other` into this one; `other` is unchanged. */
  merge(other: LatencyHistogram): void {
    for (const [index, count] of other.#counts) this.#add(index, count);
    this.#sumMs += other.#sumMs;
  }

  clone(): LatencyHistogram {
    const copy = new LatencyHistogram();
    copy.merge(this);
    return copy;
  }

  get count(): number {
    return this.#count;
  }

  get sumMs(): number {
    return this.#sumMs;
  }

  /** The q-quantile (0 <= q <= 1) in ms, within ALPHA of the exact one (header); undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.#count === 0) return undefined;
    const rank = Math.floor(Math.min(Math.max(q, 0), 1) * (this.#count - 1));
    let seen = 0;
    for (const index of this.#sortedIndices()) {
      seen += this.#counts.get(index) ?? 0;
      if (seen > rank) return representative(index);
    }
    return representative(OVERFLOW); // not reached: the counts add up to #count
  }

  /**
   * Cumulative counts at Prometheus' `le` bounds (ms, ascending): each observation counts at its
   * bucket's representative value, so the counts are exact when every bound is a bucket edge and
   * otherwise may move an observation within ALPHA of a bound to the other side of it.
   */
  cumulativeCounts(upperBoundsMs: readonly number[]): number[] {
    const indices = this.#sortedIndices();
    const out: number[] = [];
    let position = 0;
    let running = 0;
    for (const bound of upperBoundsMs) {
      while (position < indices.length && representative(indices[position] as number) <= bound) {
        running += this.#counts.get(indices[position] as number) ?? 0;
        position += 1;
      }
      out.push(running);
    }
    return out;
  }

  toSparse(): SparseLatencyHistogram {
    const indices = this.#sortedIndices();
    return {
      layout: LATENCY_LAYOUT,
      indices,
      counts: indices.map((i) => this.#counts.get(i) ?? 0),
      sumMs: this.#sumMs,
    };
  }

  /**
   * Reads the sparse form back. Undefined for anything else: another layout, arrays of different
   * lengths, indices out of range or not strictly ascending, counts that are not positive safe
   * integers, a sum that is negative or not finite. Reports come from other processes.
   */
  static fromSparse(sparse: SparseLatencyHistogram): LatencyHistogram | undefined {
    const { layout, indices, counts, sumMs } = sparse;
    if (layout !== LATENCY_LAYOUT || !Array.isArray(indices) || !Array.isArray(counts)) return undefined;
    if (indices.length !== counts.length || !Number.isFinite(sumMs) || sumMs < 0) return undefined;
    const histogram = new LatencyHistogram();
    let previous = -1;
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i];
      const count = counts[i];
      if (!Number.isInteger(index) || (index as number) <= previous || (index as number) > OVERFLOW) return undefined;
      if (!Number.isSafeInteger(count) || (count as number) <= 0) return undefined;
      histogram.#add(index as number, count as number);
      previous = index as number;
    }
    histogram.#sumMs = sumMs;
    return histogram;
  }

  #add(index: number, count: number): void {
    this.#counts.set(index, (this.#counts.get(index) ?? 0) + count);
    this.#count += count;
  }

  #sortedIndices(): number[] {
    return [...this.#counts.keys()].sort((a, b) => a - b);
  }
}
