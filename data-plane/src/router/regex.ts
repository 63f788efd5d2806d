// Envoy's `safe_regex` is RE2; Weft's control plane only accepts patterns that mean the same in
// RE2 and in a JavaScript "u" RegExp, so they are compiled here as such, once per route table.
import { RouterError, RouterErrorCode } from "./router-error.js";

/** A RegExp that tests whether a whole string matches `pattern` (RE2's FullMatch). */
export function compileFullMatch(pattern: string): RegExp {
  return compile(`^(?:${pattern})$`, "u", pattern);
}

/** A regex substitution ready for `String.prototype.replace`: every match is replaced. */
export interface CompiledSubstitution {
  readonly pattern: RegExp;
  /** The substitution in JavaScript's replacement syntax. */
  readonly replacement: string;
}

/**
 * Compiles a RegexMatchAndSubstitute. Envoy replaces every non-overlapping match (RE2's
 * GlobalReplace), and its substitution names capture groups as `\1`..`\9`, with `\\` a literal
 * backslash; JavaScript spells those `$1` and `\`, and reads `$` specially, so `$` is escaped.
 */
export function compileSubstitution(pattern: string, substitution: string): CompiledSubstitution {
  return { pattern: compile(pattern, "gu", pattern), replacement: toJsReplacement(substitution) };
}

function toJsReplacement(substitution: string): string {
  let out = "";
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i];
    if (c === "$") {
      out += "$$";
    } else if (c === "\\" && i + 1 < substitution.length) {
      const next = substitution[i + 1] ?? "";
      out += next >= "0" && next <= "9" ? (next === "0" ? "$&" : `$${next}`) : next === "$" ? "$$" : next;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function compile(source: string, flags: string, original: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new RouterError(RouterErrorCode.invalidRegex, `safe_regex ${JSON.stringify(original)} does not compile`, {
      cause: error,
    });
  }
}
