// Whether a pattern given as `safe_regex` can be served. Weft's proxies compile it as a JavaScript
// RegExp with the "u" flag, while Envoy and gRPC compile it with RE2; a pattern is accepted only if
// both would: it must compile with "u", and use nothing RE2 refuses.

/** RE2 refuses a counted repetition above this (`a{1001}`: "bad repetition operator"). */
const RE2_MAX_REPEAT = 1000;

const REPEAT = /^\{(\d+)(?:,(\d*))?\}/;

/** Why `pattern` cannot be served, or undefined when it can. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "u");
  } catch (error) {
    return `does not compile: ${error instanceof Error ? error.message : String(error)}`;
  }
  return re2Problem(pattern);
}

/**
 * The first construct in a pattern that already compiles as a JavaScript "u" RegExp that RE2 does
 * not support. RE2 guarantees linear-time matching, so it has no lookaround and no backreferences.
 */
function re2Problem(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && next >= "1" && next <= "9") {
        return `uses a backreference (\\${next}), which RE2 does not support`;
      }
      if (!inClass && next === "k") return "uses a named backreference (\\k<name>), which RE2 does not support";
      i++;
      continue;
    }
    if (inClass) {
      // With the "u" flag a "]" always closes the class: "[]" is an empty class, not a literal "]".
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
    } else if (c === "(" && pattern[i + 1] === "?") {
      const kind = pattern.slice(i + 2, i + 4);
      if (kind.startsWith("=") || kind.startsWith("!"))
        return "uses a lookahead ((?= or (?!), which RE2 does not support";
      if (kind === "<=" || kind === "<!") return "uses a lookbehind ((?<= or (?<!), which RE2 does not support";
    } else if (c === "{") {
      const m = REPEAT.exec(pattern.slice(i));
      if (
        m &&
        (Number(m[1]) > RE2_MAX_REPEAT || (m[2] !== undefined && m[2] !== "" && Number(m[2]) > RE2_MAX_REPEAT))
      ) {
        return `repeats more than ${RE2_MAX_REPEAT} times (${m[0]}), which RE2 refuses`;
      }
    }
  }
  return undefined;
}
