// The spans of time during which telemetry was being collected, so a rate divides by the time that
// was watched and not by the time that went by: before the control plane started, while it was down
// and in the open slot it lost on restart, nothing was counted, and those spans count for nothing.

/** A half-open span [from, to) in ms since the epoch; `to` may be Infinity for "still collecting". */
export type Span = readonly [from: number, to: number];

export class Coverage {
  /** Disjoint, sorted by start. */
  #spans: Span[] = [];

  /** Adds a span, joining it with any it overlaps or touches. */
  add(from: number, to: number): void {
    if (!(to > from)) return;
    let start = from;
    let end = to;
    const kept: Span[] = [];
    for (const [f, t] of this.#spans) {
      if (t < start || f > end) kept.push([f, t]);
      else {
        start = Math.min(start, f);
        end = Math.max(end, t);
      }
    }
    kept.push([start, end]);
    this.#spans = kept.sort((a, b) => a[0] - b[0]);
  }

  /** How many ms of [from, to) were collected. */
  overlap(from: number, to: number): number {
    let total = 0;
    for (const [f, t] of this.#spans) total += Math.max(0, Math.min(t, to) - Math.max(f, from));
    return total;
  }

  /** Forgets what ended at or before `at`. */
  forgetBefore(at: number): void {
    this.#spans = this.#spans.filter(([, t]) => t > at);
  }

  /** The spans, each cut off at `upTo` (for a snapshot: what its closed slots hold). */
  spansUpTo(upTo: number): Span[] {
    return this.#spans.filter(([f]) => f < upTo).map(([f, t]) => [f, Math.min(t, upTo)] as const);
  }
}
