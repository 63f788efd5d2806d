// The status_class label: Envoy's 1xx..5xx grouping, plus "reset" for a stream that ended before
// any status was sent (a record's status 0).

/** Label values by index: 0 is "reset", 1..5 are the status classes. */
export const STATUS_CLASSES = ["reset", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

export type StatusClass = (typeof STATUS_CLASSES)[number];

/**
 * The index into STATUS_CLASSES for a status: 0 for 0 (reset); a status outside 100..599, which
 * no HTTP peer sends, is counted with the nearest class rather than dropped.
 */
export function statusClassIndex(status: number): number {
  if (status === 0) return 0;
  const hundreds = Math.floor(status / 100);
  return Math.min(Math.max(hundreds, 1), 5);
}
