// A mesh document as the store keeps it: JSON with every object's keys in code-unit order, so
// equal content gives equal text (and content version) whatever order it was written in.

/** `value` as JSON text with sorted keys at every level, no spaces. */
export function canonicalDocumentJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, sortKeys(record[key])]),
  );
}
