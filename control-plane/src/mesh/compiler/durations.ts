// Durations from mesh documents (Gateway API's `500ms`, Istio's `1.5s`) into protobuf JSON's
// Duration form (`0.500s`).
import { durationMs } from "../kinds/field-checks.js";

/** A duration already checked by its kind, as a protobuf JSON Duration. */
export function protoDuration(text: string): string {
  return msDuration(durationMs(text));
}

/** Milliseconds (fractions to the nanosecond) as a protobuf JSON Duration. */
export function msDuration(ms: number): string {
  const nanos = Math.round(ms * 1e6);
  const seconds = Math.floor(nanos / 1e9);
  const rest = nanos % 1e9;
  return rest === 0 ? `${seconds}s` : `${seconds}.${String(rest).padStart(9, "0").replace(/0+$/, "")}s`;
}
