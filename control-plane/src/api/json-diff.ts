// A field-by-field difference between two versions of a resource's JSON, for GET /v1/revisions/REV.
// Paths use the API's notation (`virtual_hosts[0].domains[1]`); arrays are compared index by index.

export interface FieldChange {
  readonly path: string;
  /** Absent when the field was added. */
  readonly before?: unknown;
  /** Absent when the field was removed. */
  readonly after?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Every leaf-most difference from `before` to `after` (undefined = the resource did not exist). */
export function jsonDiff(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  walk(before, after, "", changes);
  return changes;
}

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, after });
    return;
  }
  if (after === undefined) {
    out.push({ path, before });
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of Object.keys(before))
      walk(before[key], Object.hasOwn(after, key) ? after[key] : undefined, join(path, key), out);
    for (const key of Object.keys(after))
      if (!Object.hasOwn(before, key)) walk(undefined, after[key], join(path, key), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i++) walk(before[i], after[i], join(path, i), out);
    return;
  }
  if (before !== after) out.push({ path, before, after });
}
