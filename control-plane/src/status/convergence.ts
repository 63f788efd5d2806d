// Measures convergence: the time from a config write to the moment every proxy connected at
// publication has answered the snapshot holding it (or a later one). Streams report when they
// have nothing left in flight; the tracker observes each revision once its last proxy reported.

interface Pending {
  readonly revision: number;
  readonly committedAt: number;
  readonly waiting: Set<number>;
}

export class ConvergenceTracker {
  readonly #observe: (seconds: number, revision: number) => void;
  readonly #now: () => number;
  readonly #limit: number;
  #pending: Pending[] = [];

  /** `observe` gets each converged revision's delay; at most `limit` revisions are tracked at once (oldest dropped). */
  constructor(
    observe: (seconds: number, revision: number) => void,
    options: { now?: () => number; limit?: number } = {},
  ) {
    this.#observe = observe;
    this.#now = options.now ?? Date.now;
    this.#limit = options.limit ?? 64;
  }

  /** A snapshot holding `revision`, committed at `committedAt`, goes out to the streams `streamIds`. */
  published(revision: number, committedAt: Date, streamIds: Iterable<number>): void {
    const waiting = new Set(streamIds);
    if (waiting.size === 0) return;
    this.#pending.push({ revision, committedAt: committedAt.getTime(), waiting });
    if (this.#pending.length > this.#limit) this.#pending.shift();
  }

  /** Stream `streamId` has answered everything up to `revision`. */
  settled(streamId: number, revision: number): void {
    for (const p of this.#pending) if (p.revision <= revision) p.waiting.delete(streamId);
    this.#complete();
  }

  /** A stream that goes away is no longer waited for. */
  disconnected(streamId: number): void {
    for (const p of this.#pending) p.waiting.delete(streamId);
    this.#complete();
  }

  #complete(): void {
    const now = this.#now();
    this.#pending = this.#pending.filter((p) => {
      if (p.waiting.size > 0) return true;
      this.#observe(Math.max(0, now - p.committedAt) / 1000, p.revision);
      return false;
    });
  }
}
