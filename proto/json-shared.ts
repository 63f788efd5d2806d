// What the JSON reader and writer share: the well-known types with a JSON form of their own,
// field lookup by either spelling, and how error paths are written.
import type { DescField, DescMessage } from "@bufbuild/protobuf";

export const WellKnown = {
  any: "google.protobuf.Any",
  duration: "google.protobuf.Duration",
  timestamp: "google.protobuf.Timestamp",
  struct: "google.protobuf.Struct",
  value: "google.protobuf.Value",
  listValue: "google.protobuf.ListValue",
  fieldMask: "google.protobuf.FieldMask",
} as const;

const WRAPPERS = new Set(
  ["Bool", "Int32", "UInt32", "Int64", "UInt64", "Float", "Double", "String", "Bytes"].map(
    (t) => `google.protobuf.${t}Value`,
  ),
);
const SPECIAL = new Set<string>([...Object.values(WellKnown), ...WRAPPERS]);

/** google.protobuf.UInt32Value and its kin, written in JSON as the bare value. */
export function isWrapperType(typeName: string): boolean {
  return WRAPPERS.has(typeName);
}

/** Types whose JSON is not an object of their fields; inside an Any they sit under "value". */
export function hasSpecialJson(typeName: string): boolean {
  return SPECIAL.has(typeName);
}

/** ±10,000 years, the range protobuf allows a Duration. */
export const DURATION_MAX_SECONDS = 315_576_000_000;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range protobuf allows a Timestamp. */
export const TIMESTAMP_MIN_SECONDS = -62_135_596_800;
export const TIMESTAMP_MAX_SECONDS = 253_402_300_799;

const lookups = new WeakMap<DescMessage, ReadonlyMap<string, DescField>>();

/** A message's fields by proto name (`stat_prefix`) and by JSON name (`statPrefix`). */
export function fieldLookup(desc: DescMessage): ReadonlyMap<string, DescField> {
  let lookup = lookups.get(desc);
  if (!lookup) {
    const map = new Map<string, DescField>();
    for (const field of desc.fields) {
      map.set(field.name, field);
      map.set(field.jsonName, field);
    }
    lookups.set(desc, map);
    lookup = map;
  }
  return lookup;
}

/** `a.b` — a field below `path`. */
export function joinPath(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/** `a["key"]` — a map entry, Struct key or "@type" below `path`. */
export function keyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}
