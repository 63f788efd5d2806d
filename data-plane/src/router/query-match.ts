// RouteMatch.query_parameters: every matcher must match. A parameter is matched by its first
// value, percent-decoded; a matcher with neither string_match nor present_match tests presence
// (as Envoy does); `present_match: false` is treated the same way as unset presence, since Envoy
// only reads it when true.
import type { QueryParameterMatcher } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import type { RequestView } from "./request.js";
import { compileStringMatcher } from "./string-match.js";

export type QueryPredicate = (view: RequestView) => boolean;

export function compileQueryMatcher(matcher: QueryParameterMatcher): QueryPredicate {
  const name = matcher.name;
  if (matcher.stringMatch !== undefined) {
    const test = compileStringMatcher(matcher.stringMatch);
    return (view) => {
      const value = view.query.get(name);
      return value !== undefined && test(value);
    };
  }
  return (view) => view.query.has(name);
}
