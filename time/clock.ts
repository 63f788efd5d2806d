// Time as the rest of Weft sees it: the wall clock and one-shot timers, injected through
// constructors (option `clock`) so tests drive time with a manual clock instead of sleeping.
// Both planes import this folder; it imports nothing of Weft's.

/** A pending timer. `unref()` lets the process exit while the timer waits, as Node's does. */
export interface Timer {
  unref(): Timer;
}

export interface Clock {
  /** Milliseconds since the epoch. Not monotonic on the system clock: never assert durations with it. */
  now(): number;
  /** Runs `callback` once, `ms` (at least 0) from now. The timer keeps the process alive unless unref'd. */
  setTimeout(callback: () => void, ms: number): Timer;
  /** Cancels a timer that has not run; a timer that ran or was cleared, or undefined, is ignored. */
  clearTimeout(timer: Timer | undefined): void;
}

/** Node's Date.now and timer globals. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};
