// Waiting, in tests, for state that something else updates asynchronously: the wait is re-checked
// each time the thing that updates it reports a change, never on a timer, and is bounded so a
// change that never comes fails the test naming what it waited for.

/** Reports changes: calls `listener` after each one until the returned function is called. */
export type ChangeSource = (listener: () => void) => () => void;

/**
 * Resolves once `check()` holds: checked now, then after each change any of `sources` reports.
 * Rejects after `timeoutMs` with "timed out after N ms waiting for <what>".
 */
export function until(
  sources: readonly ChangeSource[],
  check: () => boolean,
  what: string,
  timeoutMs = 2_000,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let offs: (() => void)[] = [];
    let done = false;
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      for (const off of offs) off();
    };
    const recheck = (): void => {
      if (done || !check()) return;
      finish();
      resolve();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    offs = sources.map((source) => source(recheck));
    // A source may report a change as it is subscribed to; the wait may already be over.
    if (done) for (const off of offs) off();
  });
}
