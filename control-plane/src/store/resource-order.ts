// The one order in which every store returns resources and changes, so that two implementations
// (or the same data read back after a restart) compare equal element by element.
import { STORED_KIND_NAMES, type StoredKindName } from "../mesh/index.js";

const KIND_RANK: ReadonlyMap<StoredKindName, number> = new Map(STORED_KIND_NAMES.map((kind, index) => [kind, index]));

/**
 * Names compare by UTF-16 code unit (JavaScript's `<`), never by a database collation: SQLite's
 * BINARY order is UTF-8 byte order, which differs for characters above U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** Kinds in STORED_KIND_NAMES order, then names. */
export function compareResourceKeys(
  a: { readonly kind: StoredKindName; readonly name: string },
  b: { readonly kind: StoredKindName; readonly name: string },
): number {
  const byKind =
    (KIND_RANK.get(a.kind) ?? STORED_KIND_NAMES.length) - (KIND_RANK.get(b.kind) ?? STORED_KIND_NAMES.length);
  return byKind !== 0 ? byKind : compareNames(a.name, b.name);
}

/** A map key naming one resource; kinds hold no "/", so the first "/" separates kind from name. */
export function resourceKey(kind: StoredKindName, name: string): string {
  return `${kind}/${name}`;
}
