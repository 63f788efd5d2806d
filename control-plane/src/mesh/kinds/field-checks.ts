// Checks several mesh kinds share: durations in Gateway API's format (GEP-2257) and in Istio's
// (a protobuf Duration as Go writes it), port numbers, label keys, unique names.
import { Type } from "typebox";
import { ValidationCode } from "../../errors.js";
import type { Problems } from "../../resources/index.js";

/** A port number; 0 and numbers above 65535 are refused by the schema. */
export const PortNumber = Type.Integer({ minimum: 1, maximum: 65535 });

/** GEP-2257: one to four components, each 1-5 digits and a unit of h, m, s or ms. */
const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/** Istio's durations: Go's time.ParseDuration form without sign, e.g. `30ms`, `1.5s`, `1m30s`. */
const ISTIO_DURATION = /^([0-9]+(\.[0-9]+)?(h|m|s|ms|us|µs|ns))+$/;

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  ns: 1e-6,
};

/** The length of a duration already checked against its format, in milliseconds. */
export function durationMs(text: string): number {
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9.]+)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(value) * (UNIT_MS[unit ?? "ms"] ?? 0);
  }
  return total;
}

/** A Gateway API duration (`timeouts.request`, `retry.backoff`); true when given and well-formed. */
export function checkGatewayDuration(problems: Problems, path: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (GATEWAY_DURATION.test(value)) return true;
  problems.add(
    path,
    ValidationCode.badValue,
    "must be a Gateway API duration: 1 to 4 of digits and h, m, s or ms (1s, 500ms, 1m30s)",
  );
  return false;
}

/** An Istio duration (`connectTimeout`, `interval`); `positive` refuses zero. */
export function checkIstioDuration(
  problems: Problems,
  path: string,
  value: string | undefined,
  positive = false,
): void {
  if (value === undefined) return;
  if (!ISTIO_DURATION.test(value)) {
    problems.add(path, ValidationCode.badValue, "must be a duration such as 30ms, 1.5s or 1m30s");
  } else if (positive && durationMs(value) < 1) {
    problems.add(path, ValidationCode.outOfRange, "must be at least 1ms");
  }
}

/** Each value of `names` (skipping undefined) at most once; a repeat is reported where it repeats. */
export function checkUnique(
  problems: Problems,
  names: readonly (string | number | undefined)[],
  pathOf: (index: number) => string,
  what: string,
): void {
  const seen = new Map<string | number, number>();
  names.forEach((name, i) => {
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else
      problems.add(pathOf(i), ValidationCode.duplicate, `${what} ${JSON.stringify(name)} is also at ${pathOf(first)}`);
  });
}

/** A Kubernetes label key: an optional DNS prefix and `/`, then a name of at most 63 characters. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 characters of letters, digits, `-`, `_`, `.`, alphanumeric at both ends. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Labels and selectors: keys and values in Kubernetes' label syntax. */
export function checkLabels(
  problems: Problems,
  path: string,
  labels: Readonly<Record<string, string>> | undefined,
): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const at = `${path}[${JSON.stringify(key)}]`;
    if (!LABEL_KEY.test(key)) problems.add(at, ValidationCode.badValue, "is not a label key (name, or prefix/name)");
    else if (!LABEL_VALUE.test(value)) {
      problems.add(at, ValidationCode.badValue, "a label value is at most 63 letters, digits, '-', '_' or '.'");
    }
  }
}
