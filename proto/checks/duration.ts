// google.protobuf.Duration values as every duration field takes them: well formed, within the range
// protobuf allows, and at or above the field's lower bound. Envoy refuses a negative duration
// anywhere it reads one, and its proto rules add lower bounds such as `gt: 0` or `gt: 1ms`.
import type { Duration } from "../gen/google/protobuf/duration.js";
import { DURATION_MAX_SECONDS } from "../json-shared.js";
import { CheckCode, type CheckProblem } from "./problem.js";

const NANOS_MAX = 999_999_999;

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
/** `> 1ms`: Envoy's bound on DNS refresh rates. */
export const MORE_THAN_1MS: DurationRule = { min: ONE_MS, exclusive: true };

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

/** Whether `rule` admits `d` (a well-formed, in-range duration). */
export function admits(rule: DurationRule, d: Duration): boolean {
  const c = compareDurations(d, rule.min ?? ZERO);
  return rule.exclusive ? c > 0 : c >= 0;
}

/** At most one problem: the first rule `d` breaks, in the order form, range, bound. */
export function* checkDuration(path: string, d: Duration | undefined, rule: DurationRule): Generator<CheckProblem> {
  if (d === undefined) {
    if (rule.required) yield { code: CheckCode.durationMissing, path, detail: "is required" };
    return;
  }
  const { seconds, nanos } = d;
  if (
    !Number.isInteger(seconds) ||
    !Number.isInteger(nanos) ||
    Math.abs(nanos) > NANOS_MAX ||
    (seconds > 0 && nanos < 0) ||
    (seconds < 0 && nanos > 0)
  ) {
    yield {
      code: CheckCode.durationMalformed,
      path,
      detail: `${seconds}s ${nanos}ns is no Duration: nanos must be within ±${NANOS_MAX} and of the sign of seconds`,
    };
  } else if (Math.abs(seconds) > DURATION_MAX_SECONDS) {
    yield {
      code: CheckCode.durationOutOfRange,
      path,
      detail: `is ${seconds}s; a Duration is at most ±${DURATION_MAX_SECONDS}s (10,000 years)`,
    };
  } else if (!admits(rule, d)) {
    const min = rule.min ?? ZERO;
    yield {
      code: CheckCode.durationBelowMin,
      path,
      detail: `is ${formatDuration(d)}; must be ${rule.exclusive ? "greater than" : "at least"} ${formatDuration(min)}`,
    };
  }
}
