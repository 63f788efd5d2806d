// Collecting every problem of one resource, each at its field path in proto (snake_case) names,
// e.g. `virtual_hosts[0].routes[2].match.safe_regex.regex`. Checks never stop at the first problem.

import { CheckCode, type CheckProblem } from "../../../proto/checks/index.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { typeNameOf, unpackAny } from "../../../proto/index.js";
import type { ErrorDetail } from "../errors.js";
import { ValidationCode } from "./validation-codes.js";

export class Problems {
  readonly #details: ErrorDetail[] = [];

  add(path: string, code: ValidationCode, message: string): void {
    this.#details.push({ path, message, code });
  }

  /** Every problem a protocol-level check (proto/checks) found, under the control plane's codes. */
  addChecked(found: Iterable<CheckProblem>): void {
    for (const problem of found) this.add(problem.path, CHECK_CODES[problem.code], problem.detail);
  }

  /** Everything found so far, in the order the checks found it. */
  get details(): ErrorDetail[] {
    return [...this.#details];
  }
}

/** What each protocol-level check's refusal is called in a validation detail. */
const CHECK_CODES: Readonly<Record<CheckCode, ValidationCode>> = {
  [CheckCode.addressMissing]: ValidationCode.required,
  [CheckCode.pipeAddress]: ValidationCode.unsupported,
  [CheckCode.socketAddressMissing]: ValidationCode.required,
  [CheckCode.hostMissing]: ValidationCode.required,
  [CheckCode.hostNotIp]: ValidationCode.badAddress,
  [CheckCode.hostNotHostname]: ValidationCode.badAddress,
  [CheckCode.namedPort]: ValidationCode.unsupported,
  [CheckCode.portMissing]: ValidationCode.required,
  [CheckCode.portOutOfRange]: ValidationCode.outOfRange,
  [CheckCode.protocolUnsupported]: ValidationCode.unsupported,
  [CheckCode.protocolUnknown]: ValidationCode.badValue,
  [CheckCode.resolverUnsupported]: ValidationCode.unsupported,
  [CheckCode.durationMissing]: ValidationCode.required,
  [CheckCode.durationMalformed]: ValidationCode.outOfRange,
  [CheckCode.durationOutOfRange]: ValidationCode.outOfRange,
  [CheckCode.durationBelowMin]: ValidationCode.outOfRange,
};

export { entry, field, item } from "../../../proto/index.js";

/**
 * The message inside `any`, which must hold `typeName`; a missing, mistyped or undecodable Any
 * is recorded at `path` and gives undefined.
 */
export function unpackRequired<T>(
  problems: Problems,
  path: string,
  any: Any | undefined,
  typeName: string,
): T | undefined {
  if (any === undefined) {
    problems.add(path, ValidationCode.required, `an Any holding ${typeName} is required`);
    return undefined;
  }
  if (typeNameOf(any.typeUrl) !== typeName) {
    problems.add(path, ValidationCode.wrongType, `must hold ${typeName}, not "${any.typeUrl}"`);
    return undefined;
  }
  return unpackChecked<T>(problems, path, any);
}

/** The message inside `any` whatever its type; undecodable bytes are recorded at `path`. */
export function unpackChecked<T>(problems: Problems, path: string, any: Any): T | undefined {
  try {
    return unpackAny(any).message as T;
  } catch (error) {
    problems.add(path, ValidationCode.malformed, error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
