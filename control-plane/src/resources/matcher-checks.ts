// Checks of the matchers routes and retry policies use: regex, string and header matchers.
import type { HeaderMatcher } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import type { RegexMatchAndSubstitute, RegexMatcher } from "../../../proto/gen/envoy/type/matcher/v3/regex.js";
import type { StringMatcher } from "../../../proto/gen/envoy/type/matcher/v3/string.js";
import { checkHeaderName } from "./core-checks.js";
import { field, type Problems } from "./problems.js";
import { regexProblem } from "./re2-regex.js";
import { ValidationCode } from "./validation-codes.js";

export function checkRegexMatcher(problems: Problems, path: string, matcher: RegexMatcher | undefined): void {
  if (matcher === undefined) {
    problems.add(path, ValidationCode.required, "a regex matcher is required");
    return;
  }
  if (matcher.regex === "") {
    problems.add(field(path, "regex"), ValidationCode.required, "a regex is required");
    return;
  }
  const problem = regexProblem(matcher.regex);
  if (problem !== undefined) problems.add(field(path, "regex"), ValidationCode.badRegex, problem);
}

export function checkRegexRewrite(problems: Problems, path: string, rewrite: RegexMatchAndSubstitute): void {
  checkRegexMatcher(problems, field(path, "pattern"), rewrite.pattern);
  if (/[\0\r\n]/.test(rewrite.substitution)) {
    problems.add(field(path, "substitution"), ValidationCode.badValue, "must not contain NUL, CR or LF");
  }
}

export function checkStringMatcher(problems: Problems, path: string, matcher: StringMatcher): void {
  const { exact, prefix, suffix, safeRegex, contains } = matcher;
  const set = [exact, prefix, suffix, safeRegex, contains].filter((v) => v !== undefined).length;
  if (set === 0) {
    problems.add(path, ValidationCode.required, "needs one of exact, prefix, suffix, safe_regex or contains");
  } else if (set > 1) {
    problems.add(path, ValidationCode.conflict, "set only one of exact, prefix, suffix, safe_regex and contains");
  }
  for (const [name, value] of [
    ["prefix", prefix],
    ["suffix", suffix],
    ["contains", contains],
  ] as const) {
    if (value === "") problems.add(field(path, name), ValidationCode.required, "must not be empty");
  }
  if (safeRegex !== undefined) {
    checkRegexMatcher(problems, field(path, "safe_regex"), safeRegex);
    // Envoy: "ignore_case has no effect for safe_regex".
    if (matcher.ignoreCase) {
      problems.add(
        field(path, "ignore_case"),
        ValidationCode.conflict,
        "has no effect with safe_regex, and Envoy refuses the combination",
      );
    }
  }
}

export function checkHeaderMatcher(problems: Problems, path: string, matcher: HeaderMatcher): void {
  checkHeaderName(problems, field(path, "name"), matcher.name, true);
  const specifiers = [
    matcher.exactMatch,
    matcher.safeRegexMatch,
    matcher.rangeMatch,
    matcher.presentMatch,
    matcher.prefixMatch,
    matcher.suffixMatch,
    matcher.containsMatch,
    matcher.stringMatch,
  ].filter((v) => v !== undefined).length;
  if (specifiers > 1) problems.add(path, ValidationCode.conflict, "set at most one match specifier");
  for (const [name, value] of [
    ["prefix_match", matcher.prefixMatch],
    ["suffix_match", matcher.suffixMatch],
    ["contains_match", matcher.containsMatch],
  ] as const) {
    if (value === "") problems.add(field(path, name), ValidationCode.required, "must not be empty");
  }
  if (matcher.safeRegexMatch !== undefined) {
    checkRegexMatcher(problems, field(path, "safe_regex_match"), matcher.safeRegexMatch);
  }
  const range = matcher.rangeMatch;
  if (range !== undefined && !(range.start < range.end)) {
    problems.add(
      field(path, "range_match"),
      ValidationCode.outOfRange,
      `start (${range.start}) must be less than end (${range.end}); the range is [start, end)`,
    );
  }
  if (matcher.stringMatch !== undefined) checkStringMatcher(problems, field(path, "string_match"), matcher.stringMatch);
}
