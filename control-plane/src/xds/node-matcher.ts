// envoy.type.matcher.v3.NodeMatcher as CSDS's node_matchers use it: a node matches when its id
// matches node_id (if set) and its metadata matches every node_metadatas entry.
import type { NodeMatcher } from "../../../proto/gen/envoy/type/matcher/v3/node.js";
import type { StringMatcher } from "../../../proto/gen/envoy/type/matcher/v3/string.js";
import type { StructMatcher } from "../../../proto/gen/envoy/type/matcher/v3/struct.js";
import type { ValueMatcher } from "../../../proto/gen/envoy/type/matcher/v3/value.js";

export function matchesNode(
  matcher: NodeMatcher,
  node: { id: string; metadata: Readonly<Record<string, unknown>> },
): boolean {
  if (matcher.nodeId && !matchesString(matcher.nodeId, node.id)) return false;
  return matcher.nodeMetadatas.every((m) => matchesStruct(m, node.metadata));
}

export function matchesString(matcher: StringMatcher, value: string): boolean {
  const fold = (s: string) => (matcher.ignoreCase ? s.toLowerCase() : s);
  if (matcher.exact !== undefined) return fold(value) === fold(matcher.exact);
  if (matcher.prefix !== undefined) return fold(value).startsWith(fold(matcher.prefix));
  if (matcher.suffix !== undefined) return fold(value).endsWith(fold(matcher.suffix));
  if (matcher.contains !== undefined) return fold(value).includes(fold(matcher.contains));
  if (matcher.safeRegex !== undefined) {
    try {
      // RE2's full-match semantics.
      return new RegExp(`^(?:${matcher.safeRegex.regex})$`, "u").test(value);
    } catch {
      return false;
    }
  }
  return false;
}

function matchesStruct(matcher: StructMatcher, metadata: Readonly<Record<string, unknown>>): boolean {
  let value: unknown = metadata;
  for (const segment of matcher.path) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || segment.key === undefined) return false;
    value = (value as Record<string, unknown>)[segment.key];
  }
  return matcher.value ? matchesValue(matcher.value, value) : false;
}

function matchesValue(matcher: ValueMatcher, value: unknown): boolean {
  if (matcher.presentMatch !== undefined) return matcher.presentMatch === (value !== undefined);
  if (value === undefined) return false;
  if (matcher.nullMatch !== undefined) return value === null;
  if (matcher.boolMatch !== undefined) return value === matcher.boolMatch;
  if (matcher.stringMatch !== undefined) return typeof value === "string" && matchesString(matcher.stringMatch, value);
  if (matcher.doubleMatch !== undefined) {
    if (typeof value !== "number") return false;
    const { exact, range } = matcher.doubleMatch;
    if (exact !== undefined) return value === exact;
    return range !== undefined && value >= range.start && value < range.end;
  }
  if (matcher.listMatch?.oneOf !== undefined) {
    const inner = matcher.listMatch.oneOf;
    return Array.isArray(value) && value.some((item) => matchesValue(inner, item));
  }
  if (matcher.orMatch !== undefined) return matcher.orMatch.valueMatchers.some((m) => matchesValue(m, value));
  return false;
}
