// RouteMatch.headers: every matcher must match. Semantics follow Envoy's HeaderUtility:
// - a header repeated in the request is matched as its values joined with ",";
// - a matcher naming only the header is a presence test;
// - an absent header fails every matcher except `present_match` (true wants it present, false
//   wants it absent), unless `treat_missing_header_as_empty` makes it "";
// - `invert_match` flips the outcome for a header that is there (or treated as empty), and for
//   `present_match`; an absent header still fails a value matcher whatever `invert_match` says.
import type { HeaderMatcher } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import { compileFullMatch } from "./regex.js";
import type { RequestView } from "./request.js";
import { compileStringMatcher, type StringPredicate } from "./string-match.js";

export type HeaderPredicate = (view: RequestView) => boolean;

/** A base-10 integer as Envoy's range_match accepts it. */
const INTEGER = /^[+-]?\d+$/;

export function compileHeaderMatcher(matcher: HeaderMatcher): HeaderPredicate {
  const name = matcher.name.toLowerCase();
  const invert = matcher.invertMatch;
  const valueTest = compileValueTest(matcher);
  if (valueTest === undefined) {
    const wantPresent = matcher.presentMatch ?? true;
    return (view) => ((view.header(name) !== undefined) === wantPresent) !== invert;
  }
  const missingAsEmpty = matcher.treatMissingHeaderAsEmpty;
  return (view) => {
    let value = view.header(name);
    if (value === undefined) {
      if (!missingAsEmpty) return false;
      value = "";
    }
    return valueTest(value) !== invert;
  };
}

function compileValueTest(m: HeaderMatcher): StringPredicate | undefined {
  if (m.stringMatch !== undefined) return compileStringMatcher(m.stringMatch);
  if (m.exactMatch !== undefined) return compileStringMatcher({ exact: m.exactMatch, ignoreCase: false });
  if (m.prefixMatch !== undefined) return compileStringMatcher({ prefix: m.prefixMatch, ignoreCase: false });
  if (m.suffixMatch !== undefined) return compileStringMatcher({ suffix: m.suffixMatch, ignoreCase: false });
  if (m.containsMatch !== undefined) return compileStringMatcher({ contains: m.containsMatch, ignoreCase: false });
  if (m.safeRegexMatch !== undefined) {
    const re = compileFullMatch(m.safeRegexMatch.regex);
    return (value) => re.test(value);
  }
  if (m.rangeMatch !== undefined) {
    // [start, end): start inclusive, end exclusive.
    const { start, end } = m.rangeMatch;
    return (value) => {
      if (!INTEGER.test(value)) return false;
      const n = Number(value);
      return Number.isSafeInteger(n) && n >= start && n < end;
    };
  }
  return undefined;
}
