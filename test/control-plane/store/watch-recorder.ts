// Records a watcher's events and waits, boundedly, for the ones a test expects: a wait is
// re-checked as each recorded event arrives, never on a timer.
import type { ConfigStore, WatchEvent } from "../../../control-plane/src/store/config-store.js";

export interface WatchRecording {
  readonly events: WatchEvent[];
  /** The revisions delivered so far, in delivery order. */
  revisions(): number[];
  stop(): void;
}

/** Waits in progress, re-checked after every event any recording receives. */
const waiters = new Set<() => void>();

export function record(
  store: ConfigStore,
  fromRevision: number,
  onEvent?: (event: WatchEvent) => void,
): WatchRecording {
  const events: WatchEvent[] = [];
  const stop = store.watch(fromRevision, (event) => {
    events.push(event);
    onEvent?.(event);
    for (const check of [...waiters]) check();
  });
  return {
    events,
    revisions: () => events.flatMap((event) => (event.type === "revision" ? [event.record.revision] : [])),
    stop,
  };
}

/**
 * Resolves once `condition()`, a test of recorded events, holds (checked now and after each event
 * recorded); rejects after `timeoutMs` naming `what` was awaited.
 */
export function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!condition()) return;
      finish();
      resolve();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
  });
}

/** Lets every pending microtask and immediate run, so an event that was going to arrive has arrived. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
