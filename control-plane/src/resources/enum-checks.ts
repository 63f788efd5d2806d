// Enum fields Weft does not accept in full (lb_policy, a cluster's type, codec_type, ...): one
// check over the one table of accepted values (proto/enum-support.ts), so every refusal names
// only values that would be accepted.
import { enumDescriptor, isAcceptedEnumValue, unsupportedEnumValueMessage } from "../../../proto/index.js";
import type { Problems } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

/**
 * Refuses `value` of the enum `enumTypeName` (its full name) at `path` when Weft does not accept
 * it; a number that is no value of the enum at all is a bad value.
 */
export function checkEnumValue(problems: Problems, path: string, enumTypeName: string, value: number): void {
  const desc = enumDescriptor(enumTypeName);
  // An assert, not a user-reachable error: callers pass the full names of enums the subset
  // defines, written in the source; a typo fails every test that validates that field.
  if (desc === undefined) throw new Error(`${enumTypeName} is not an enum of Weft's subset`);
  const name = desc.value[value]?.name;
  if (name === undefined) {
    // The enum's name below its package: Cluster.LbPolicy.
    const local = desc.typeName.slice(desc.file.proto.package.length + 1);
    problems.add(path, ValidationCode.badValue, `${value} is not a ${local}`);
  } else if (!isAcceptedEnumValue(enumTypeName, name)) {
    problems.add(path, ValidationCode.unsupported, unsupportedEnumValueMessage(enumTypeName, name));
  }
}
