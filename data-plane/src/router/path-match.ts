// RouteMatch's path specifier: prefix, path, safe_regex, path_separated_prefix or connect_matcher.
// A CONNECT request has no path (its target is an authority): as in Envoy, only connect_matcher
// matches it, and connect_matcher matches nothing else.
// `case_sensitive` (default true) applies to prefix, path and path_separated_prefix; a regex says
// its own case rules. Envoy matches `prefix` against the whole `:path` (query included) and the
// others against the path with its query removed; both are kept here.
import type { RouteMatch } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import { compileFullMatch } from "./regex.js";
import type { RequestView } from "./request.js";

export interface PathMatcher {
  /** The literal the path matched, for prefix_rewrite: the prefix or path; undefined for a regex. */
  readonly matched: string | undefined;
  matches(view: RequestView): boolean;
}

export function compilePathMatcher(match: RouteMatch): PathMatcher {
  if (match.connectMatcher !== undefined) {
    return { matched: undefined, matches: (view) => view.request.connect === true };
  }
  const path = compileForPath(match);
  return { matched: path.matched, matches: (view) => view.request.connect !== true && path.matches(view) };
}

function compileForPath(match: RouteMatch): PathMatcher {
  const caseSensitive = match.caseSensitive ?? true;
  if (match.safeRegex !== undefined) {
    const re = compileFullMatch(match.safeRegex.regex);
    return { matched: undefined, matches: (view) => re.test(view.pathOnly) };
  }
  if (match.path !== undefined) {
    const want = caseSensitive ? match.path : match.path.toLowerCase();
    return {
      matched: match.path,
      matches: caseSensitive
        ? (view) => view.pathOnly === want
        : (view) => view.pathOnly.length === want.length && view.pathOnly.toLowerCase() === want,
    };
  }
  if (match.pathSeparatedPrefix !== undefined) {
    // Matches the prefix exactly, or followed by "/": "/api" matches "/api" and "/api/x", not "/apix".
    const prefix = match.pathSeparatedPrefix;
    const want = caseSensitive ? prefix : prefix.toLowerCase();
    return {
      matched: prefix,
      matches: (view) => {
        const path = view.pathOnly;
        if (path.length !== want.length && path.charCodeAt(want.length) !== 0x2f) return false;
        const head = path.slice(0, want.length);
        return (caseSensitive ? head : head.toLowerCase()) === want;
      },
    };
  }
  const prefix = match.prefix ?? "";
  const want = caseSensitive ? prefix : prefix.toLowerCase();
  return {
    matched: prefix,
    matches: caseSensitive
      ? (view) => view.request.path.startsWith(want)
      : (view) => view.request.path.slice(0, want.length).toLowerCase() === want,
  };
}
