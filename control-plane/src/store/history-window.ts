// Which revisions a store can still answer for. A store keeps the records of its last
// `historyLimit` revisions; everything below the oldest kept record has been compacted away.
// From the records it keeps, a store can rebuild its state right after any revision from
// `oldestRevision - 1` (undo every kept change) up to the current one.
import { ErrorCode, WeftError } from "../errors.js";

export const DEFAULT_HISTORY_LIMIT = 1000;
export const DEFAULT_HISTORY_PAGE = 100;

/** Validates the configured number of revisions to keep (at least one: the current revision's record). */
export function historyLimitOption(limit: number | undefined): number {
  const value = limit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new WeftError(ErrorCode.badRequest, `historyLimit must be an integer of at least 1, not ${value}`);
  }
  return value;
}

/** The oldest revision to keep once `revision` is committed. Never moves backwards. */
export function oldestKept(revision: number, historyLimit: number, oldestRevision: number): number {
  return Math.max(oldestRevision, revision - historyLimit + 1);
}

/** Whether every revision after `fromRevision` is still in the kept history (or not yet committed). */
export function replayable(fromRevision: number, oldestRevision: number): boolean {
  return fromRevision >= oldestRevision - 1;
}

/** Throws unless the state right after `revision` can be rebuilt: COMPACTED when too old, REVISION_NOT_FOUND when no such revision. */
export function assertStateReachable(revision: number, currentRevision: number, oldestRevision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0 || revision > currentRevision) {
    throw new WeftError(
      ErrorCode.revisionNotFound,
      `revision ${revision} does not exist (current revision ${currentRevision})`,
    );
  }
  if (!replayable(revision, oldestRevision)) {
    throw new WeftError(
      ErrorCode.compacted,
      `revision ${revision} has been compacted; the oldest state still known is right after revision ${oldestRevision - 1}`,
    );
  }
}

/** A history page request with defaults applied: at most `limit` records, all below `before`. */
export function historyPage(options: { limit?: number; before?: number } = {}): { limit: number; before: number } {
  const limit = Math.max(0, Math.trunc(options.limit ?? DEFAULT_HISTORY_PAGE));
  return { limit: Number.isNaN(limit) ? 0 : limit, before: options.before ?? Number.MAX_SAFE_INTEGER };
}
