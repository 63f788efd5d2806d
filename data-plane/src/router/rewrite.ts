// Path rewrites shared by forwarding routes and redirects, compiled once per route.
// - prefix_rewrite replaces the part of `:path` the route's prefix, path or path_separated_prefix
//   matched; the rest (query included) is kept. A regex route has no literal to replace, and
//   validation refuses prefix_rewrite on it.
// - regex_rewrite substitutes every match in the path without its query, then puts the query back.
import type { RegexMatchAndSubstitute } from "../../../proto/gen/envoy/type/matcher/v3/regex.js";
import { compileSubstitution } from "./regex.js";
import { stripQuery } from "./request.js";

/** Rewrites a full `:path` (query included). */
export type PathRewrite = (path: string) => string;

export function compilePathRewrite(
  prefixRewrite: string | undefined,
  regexRewrite: RegexMatchAndSubstitute | undefined,
  matched: string | undefined,
): PathRewrite | undefined {
  if (prefixRewrite !== undefined && prefixRewrite !== "" && matched !== undefined) {
    const length = matched.length;
    return (path) => prefixRewrite + path.slice(length);
  }
  if (regexRewrite?.pattern !== undefined) {
    const { pattern, replacement } = compileSubstitution(regexRewrite.pattern.regex, regexRewrite.substitution);
    return (path) => {
      const pathOnly = stripQuery(path);
      return pathOnly.replace(pattern, replacement) + path.slice(pathOnly.length);
    };
  }
  return undefined;
}
