import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { regexProblem } from "../../../control-plane/src/resources/re2-regex.js";

describe("regexes that both RE2 and the proxy's RegExp accept", () => {
  for (const pattern of [
    "^/v[0-9]+/.*",
    "[(?=]x",
    "a{2,1000}",
    "(?<name>a)b",
    "(?:a|b)*?",
    "\\bword\\b",
    "\\p{L}+",
    "\\\\1",
  ]) {
    test(`${JSON.stringify(pattern)} is accepted`, () => {
      assert.equal(regexProblem(pattern), undefined);
    });
  }

  for (const [pattern, why] of [
    ["(", "it does not compile"],
    ["a{,3}", "the u flag refuses a lone brace"],
    ["(?P<n>a)", "JavaScript lacks Python-style named groups"],
    ["(?=a)", "RE2 has no lookahead"],
    ["(?!a)", "RE2 has no negative lookahead"],
    ["(?<=a)b", "RE2 has no lookbehind"],
    ["(?<!a)b", "RE2 has no negative lookbehind"],
    ["(a)\\1", "RE2 has no backreferences"],
    ["(?<n>a)\\k<n>", "RE2 has no named backreferences"],
    ["a{1001}", "RE2 repeats at most 1000 times"],
    ["a{1,2000}", "RE2 repeats at most 1000 times"],
  ] as const) {
    test(`${JSON.stringify(pattern)} is refused because ${why}`, () => {
      assert.equal(typeof regexProblem(pattern), "string");
    });
  }
});
