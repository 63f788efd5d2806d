// A Clock for tests: time moves only when a test advances it, and due timers run in order of their
// due time (ties in the order they were set), so a test of timing is deterministic and never sleeps.
import type { Clock, Timer } from "../../time/index.js";

class ManualTimer implements Timer {
  constructor(
    readonly id: number,
    readonly at: number,
    readonly callback: () => void,
  ) {}

  unref(): Timer {
    return this;
  }
}

export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #pending: ManualTimer[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  setTimeout(callback: () => void, ms: number): Timer {
    const timer = new ManualTimer(this.#nextId++, this.#now + Math.max(0, ms), callback);
    this.#pending.push(timer);
    return timer;
  }

  clearTimeout(timer: Timer | undefined): void {
    this.#pending = this.#pending.filter((pending) => pending !== timer);
  }

  /** Timers not yet run. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** The delays (from now) of the timers not yet run, soonest first. */
  delays(): number[] {
    return this.#pending.map((timer) => timer.at - this.#now).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, running each timer due on the way (a timer set by one that runs is
   * run too if it falls due before the end), and lets pending promise callbacks settle before and
   * after each timer.
   */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#pending.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#pending = this.#pending.filter((timer) => timer !== due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = end;
    await settle();
  }

  /**
   * Moves time forward by `ms` at once, running no timer: as a piece of synchronous work taking
   * that long would. Timers that fell due run at the next advance() or runDue().
   */
  spend(ms: number): void {
    this.#now += ms;
  }

  /** Runs the timers due now (those set with 0 ms), without moving time. */
  runDue(): Promise<void> {
    return this.advance(0);
  }
}

/** Lets pending promise callbacks (and I/O callbacks already queued) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
