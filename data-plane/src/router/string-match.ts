// envoy.type.matcher.v3.StringMatcher, compiled into a predicate. `ignore_case` applies to exact,
// prefix, suffix and contains; Envoy forbids it with safe_regex, so it is ignored there.
import type { StringMatcher } from "../../../proto/gen/envoy/type/matcher/v3/string.js";
import { compileFullMatch } from "./regex.js";

export type StringPredicate = (value: string) => boolean;

export function compileStringMatcher(matcher: StringMatcher): StringPredicate {
  if (matcher.safeRegex !== undefined) {
    const re = compileFullMatch(matcher.safeRegex.regex);
    return (value) => re.test(value);
  }
  const fold = matcher.ignoreCase;
  const norm = (s: string): string => (fold ? s.toLowerCase() : s);
  if (matcher.exact !== undefined) {
    const want = norm(matcher.exact);
    return (value) => norm(value) === want;
  }
  if (matcher.prefix !== undefined) {
    const want = norm(matcher.prefix);
    return (value) => norm(value).startsWith(want);
  }
  if (matcher.suffix !== undefined) {
    const want = norm(matcher.suffix);
    return (value) => norm(value).endsWith(want);
  }
  if (matcher.contains !== undefined) {
    const want = norm(matcher.contains);
    return (value) => norm(value).includes(want);
  }
  // A StringMatcher with no pattern set is refused by validation; matching nothing is the safe reading.
  return () => false;
}
