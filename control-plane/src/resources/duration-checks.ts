// Duration fields in the control plane's validation: the shared rule (proto/checks/duration.ts),
// every problem recorded under the control plane's codes.
import { type DurationRule, checkDuration as durationProblems } from "../../../proto/checks/index.js";
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";
import type { Problems } from "./problems.js";

export { compareDurations, MORE_THAN_1MS, NON_NEGATIVE, ONE_MS, POSITIVE } from "../../../proto/checks/index.js";

export function checkDuration(problems: Problems, path: string, d: Duration | undefined, rule: DurationRule): void {
  problems.addChecked(durationProblems(path, d, rule));
}
