// Delivery of committed revisions to watchers, shared by the stores that notify in-process.
//
// Guarantees, per watcher: every revision after its `fromRevision` is delivered exactly once and in
// revision order; listeners are never called synchronously from watch() or commit() (delivery runs
// in a later microtask, outside any transaction); after "compacted" or unsubscribe nothing more is
// delivered.
//
// How: a watcher first reads, synchronously, every kept record after its `fromRevision` (the
// catch-up) and from that instant is "live": each later commit appends its record to the watcher's
// own queue. Reading and going live happen in one synchronous step, so no commit falls between them,
// and a live watcher never misses a record even if a burst of commits outruns the kept history.
import { ErrorCode, WeftError } from "../errors.js";
import type { RevisionRecord, WatchEvent } from "./config-store.js";

/** The kept records after a revision, oldest first, or the oldest kept revision if some are gone. */
export type HistoryRead = { readonly records: readonly RevisionRecord[] } | { readonly compactedTo: number };

export type WatchListener = (event: WatchEvent) => void;

export class WatchHub {
  readonly #readAfter: (revision: number) => HistoryRead;
  readonly #watchers = new Set<Watcher>();
  #closed = false;

  /** `readAfter` reads the store's history in one consistent read; it must not call back into the hub. */
  constructor(readAfter: (revision: number) => HistoryRead) {
    this.#readAfter = readAfter;
  }

  watch(fromRevision: number, listener: WatchListener): () => void {
    if (this.#closed) throw new WeftError(ErrorCode.storeFailed, "the store is closed");
    const watcher = new Watcher(fromRevision, listener, this.#readAfter, () => this.#watchers.delete(watcher));
    this.#watchers.add(watcher);
    watcher.start();
    return () => watcher.stop();
  }

  /** Hands a just-committed record to every watcher. Call after the transaction has committed. */
  publish(record: RevisionRecord): void {
    for (const watcher of this.#watchers) watcher.publish(record);
  }

  /** Stops every watcher; nothing is delivered afterwards, and watch() throws. */
  close(): void {
    this.#closed = true;
    for (const watcher of [...this.#watchers]) watcher.stop();
  }
}

class Watcher {
  #cursor: number;
  readonly #listener: WatchListener;
  readonly #readAfter: (revision: number) => HistoryRead;
  readonly #onStop: () => void;
  #queue: RevisionRecord[] = [];
  #live = false;
  #active = true;
  #scheduled = false;

  constructor(
    fromRevision: number,
    listener: WatchListener,
    readAfter: (revision: number) => HistoryRead,
    onStop: () => void,
  ) {
    this.#cursor = fromRevision;
    this.#listener = listener;
    this.#readAfter = readAfter;
    this.#onStop = onStop;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#queue = [];
    this.#onStop();
  }

  publish(record: RevisionRecord): void {
    // Before going live the pending catch-up read will find this record in history.
    if (!this.#live) return;
    this.#queue.push(record);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || !this.#active) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    if (!this.#active) return;
    if (!this.#live) {
      let read: HistoryRead;
      try {
        read = this.#readAfter(this.#cursor);
      } catch (error) {
        this.stop();
        throw error;
      }
      if ("compactedTo" in read) {
        this.#deliver({ type: "compacted", oldestRevision: read.compactedTo });
        this.stop();
        return;
      }
      this.#queue = [...read.records, ...this.#queue];
      this.#live = true;
    }
    // A listener may commit (appending to this queue) or stop the watch while we loop.
    let next = 0;
    while (this.#active && next < this.#queue.length) {
      const record = this.#queue[next++] as RevisionRecord;
      if (record.revision <= this.#cursor) continue;
      this.#cursor = record.revision;
      this.#deliver({ type: "revision", record });
    }
    if (this.#active) this.#queue = this.#queue.slice(next);
  }

  /**
   * A throwing listener is a bug in its owner, not the store's to handle: the error is rethrown
   * outside the store (an uncaught exception) and delivery to this watcher goes on.
   */
  #deliver(event: WatchEvent): void {
    try {
      this.#listener(event);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
