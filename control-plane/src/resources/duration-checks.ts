// Bounds on google.protobuf.Duration fields. Envoy refuses negative durations anywhere it reads one
// ("Expected positive duration"), and its proto rules add lower bounds such as `gt: 0` or `gt: 1ms`.
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";
import type { Problems } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

export const ZERO: Duration = { seconds: 0, nanos: 0 };
export const ONE_MS: Duration = { seconds: 0, nanos: 1_000_000 };

export interface DurationRule {
  /** The field must be set. */
  readonly required?: boolean;
  /** Lower bound; default 0s. */
  readonly min?: Duration;
  /** The bound itself is refused (`gt` rather than `gte`). */
  readonly exclusive?: boolean;
}

/** `>= 0s`: every duration Envoy reads. */
export const NON_NEGATIVE: DurationRule = { min: ZERO };
/** `> 0s`: timeouts and intervals that must elapse. */
export const POSITIVE: DurationRule = { min: ZERO, exclusive: true };

export function compareDurations(a: Duration, b: Duration): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

/** `1.5s`, `-0.25s`, `0s`: the proto3 JSON form. */
export function formatDuration(d: Duration): string {
  const sign = d.seconds < 0 || d.nanos < 0 ? "-" : "";
  const nanos = Math.abs(d.nanos);
  const fraction = nanos === 0 ? "" : `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}`;
  return `${sign}${Math.abs(d.seconds)}${fraction}s`;
}

export function checkDuration(problems: Problems, path: string, d: Duration | undefined, rule: DurationRule): void {
  if (d === undefined) {
    if (rule.required) problems.add(path, ValidationCode.required, "is required");
    return;
  }
  const min = rule.min ?? ZERO;
  const c = compareDurations(d, min);
  if (rule.exclusive ? c <= 0 : c < 0) {
    problems.add(
      path,
      ValidationCode.outOfRange,
      `is ${formatDuration(d)}; must be ${rule.exclusive ? "greater than" : "at least"} ${formatDuration(min)}`,
    );
  }
}
