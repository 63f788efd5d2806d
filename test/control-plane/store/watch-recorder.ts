// Records a watcher's events and waits, boundedly, for the ones a test expects.
import type { ConfigStore, WatchEvent } from "../../../control-plane/src/store/config-store.js";

export interface WatchRecording {
  readonly events: WatchEvent[];
  /** The revisions delivered so far, in delivery order. */
  revisions(): number[];
  stop(): void;
}

export function record(
  store: ConfigStore,
  fromRevision: number,
  onEvent?: (event: WatchEvent) => void,
): WatchRecording {
  const events: WatchEvent[] = [];
  const stop = store.watch(fromRevision, (event) => {
    events.push(event);
    onEvent?.(event);
  });
  return {
    events,
    revisions: () => events.flatMap((event) => (event.type === "revision" ? [event.record.revision] : [])),
    stop,
  };
}

/** Resolves once `condition()` holds; rejects after `timeoutMs` naming `what` was awaited. */
export async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets every pending microtask and immediate run, so an event that was going to arrive has arrived. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
