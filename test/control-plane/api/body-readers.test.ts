// The strict JSON and YAML readers on their own: they accept what they should (JSON exactly as
// JSON.parse reads it), and refuse duplicate keys, deep nesting, anchors and aliases, with positions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseStrictJson } from "../../../control-plane/src/api/body/strict-json.js";
import { parseStrictYaml } from "../../../control-plane/src/api/body/strict-yaml.js";
import { TextSyntaxError } from "../../../control-plane/src/api/body/text-syntax-error.js";
import { DetailCode } from "../../../control-plane/src/errors.js";

function refusal(read: () => unknown): TextSyntaxError {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof TextSyntaxError, String(error));
    return error;
  }
  assert.fail("expected a refusal");
}

describe("parseStrictJson", () => {
  test("reads any JSON exactly as JSON.parse does", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        assert.deepEqual(parseStrictJson(text, 64), JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  test("refuses what JSON.parse refuses", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        let parsed = true;
        try {
          JSON.parse(text);
        } catch {
          parsed = false;
        }
        if (!parsed) assert.throws(() => parseStrictJson(text, 64), TextSyntaxError);
      }),
      { numRuns: 500 },
    );
  });

  test("a key twice in one object is refused with its path and position", () => {
    const error = refusal(() => parseStrictJson('{"a": [{"b": 1},\n {"b": 2, "b": 3}]}', 64));
    assert.equal(error.code, DetailCode.duplicateKey);
    assert.equal(error.path, "a[1].b");
    assert.deepEqual([error.line, error.column], [2, 11]);
  });

  test("the same key in different objects is fine", () => {
    assert.deepEqual(parseStrictJson('{"a": {"k": 1}, "b": {"k": 2}}', 64), { a: { k: 1 }, b: { k: 2 } });
  });

  test("nesting: 64 levels pass, 65 are refused", () => {
    assert.ok(parseStrictJson(`${"[".repeat(64)}${"]".repeat(64)}`, 64));
    const error = refusal(() => parseStrictJson(`${'{"a":'.repeat(65)}1${"}".repeat(65)}`, 64));
    assert.equal(error.code, DetailCode.tooDeep);
  });

  test("a million brackets are refused at once, without recursion", () => {
    const error = refusal(() => parseStrictJson("[".repeat(1_000_000), 64));
    assert.equal(error.code, DetailCode.tooDeep);
  });

  test('"__proto__" becomes an own key, never the prototype', () => {
    const value = parseStrictJson('{"__proto__": {"polluted": true}}', 64) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe("parseStrictYaml", () => {
  test("reads every document of a stream; an empty one is null", () => {
    assert.deepEqual(parseStrictYaml("a: 1\n---\n- x\n- {y: true}\n---\n", 64), [{ a: 1 }, ["x", { y: true }], null]);
    assert.deepEqual(parseStrictYaml("", 64), []);
  });

  test("YAML 1.2 core schema: yes/no and 0777 stay strings and numbers as 1.2 says", () => {
    assert.deepEqual(parseStrictYaml("a: yes\nb: 0o17\nc: ~\nd: '1'\n", 64), [{ a: "yes", b: 15, c: null, d: "1" }]);
  });

  test("duplicate keys, anchors, aliases and foreign tags are refused with their line", () => {
    const cases: [string, string, number][] = [
      ["a: 1\nb: 2\na: 3\n", DetailCode.duplicateKey, 3],
      ["a: &x 1\n", DetailCode.yamlAlias, 1],
      ["a: 1\nb:\n  c: *x\n", DetailCode.yamlAlias, 3],
      ["a: !!set {x}\n", DetailCode.yamlTag, 1],
      ["a: !custom 1\n", DetailCode.yamlTag, 1],
      ["a: [1, 2\n", DetailCode.syntax, 2],
    ];
    for (const [text, code, line] of cases) {
      const error = refusal(() => parseStrictYaml(text, 64));
      assert.equal(error.code, code, text);
      assert.equal(error.line, line, text);
    }
  });

  test("nesting: 64 levels pass, 65 are refused, in flow and block style", () => {
    const block = (depth: number) => `${Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}a:`).join("\n")} 1`;
    assert.ok(parseStrictYaml(block(64), 64));
    assert.equal(refusal(() => parseStrictYaml(block(65), 64)).code, DetailCode.tooDeep);
    assert.ok(parseStrictYaml(`${"[".repeat(64)}${"]".repeat(64)}`, 64));
    assert.equal(refusal(() => parseStrictYaml(`${"[".repeat(65)}${"]".repeat(65)}`, 64)).code, DetailCode.tooDeep);
    assert.equal(refusal(() => parseStrictYaml("- ".repeat(65), 64)).code, DetailCode.tooDeep);
  });

  test("a hostile megabyte of brackets is refused before yaml's recursive composer sees it", () => {
    for (const text of ["[".repeat(1 << 20), "{a: ".repeat(1 << 18), "- ".repeat(1 << 19), "? ".repeat(1 << 19)]) {
      assert.equal(refusal(() => parseStrictYaml(text, 64)).code, DetailCode.tooDeep);
    }
  });

  test("a mapping of many keys is read in linear time (duplicate check is not quadratic)", () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join("\n");
    const [value] = parseStrictYaml(text, 64) as [Record<string, number>];
    assert.equal(Object.keys(value).length, 20_000);
  });
});
