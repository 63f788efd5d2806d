// Creating a reference to a resource that does not exist is allowed (configs are often written
// in any order) but reported: the response's `warnings` name each dangling reference.
import { DetailCode, type ErrorDetail } from "../errors.js";
import type { StoredKindName, StoredRef } from "../mesh/index.js";

/** Whether a resource exists, by kind and name. */
export type Exists = (kind: StoredKindName, name: string) => boolean | Promise<boolean>;

/** One warning per reference in `refs` to a resource `exists` denies; paths prefixed by `prefix`. */
export async function missingReferenceWarnings(
  refs: readonly StoredRef[],
  exists: Exists,
  prefix = "",
): Promise<ErrorDetail[]> {
  const warnings: ErrorDetail[] = [];
  for (const ref of refs) {
    if (await exists(ref.kind, ref.name)) continue;
    warnings.push({
      path: prefix === "" ? ref.path : ref.path === "" ? prefix : `${prefix}.${ref.path}`,
      code: DetailCode.missingReference,
      message: `references ${ref.kind} "${ref.name}", which does not exist (yet)`,
    });
  }
  return warnings;
}
