import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { ValidationCode } from "../../../control-plane/src/resources/validation-codes.js";

const SOURCE_DIR = new URL("../../../control-plane/src/resources/", import.meta.url);
const TEST_DIR = new URL("./", import.meta.url);

function sources(dir: URL): string {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ts") && file !== "validation-codes.ts")
    .map((file) => readFileSync(new URL(file, dir), "utf8"))
    .join("\n");
}

describe("the validation code table", () => {
  test("every code is a distinct WEFT_VALIDATION_ string", () => {
    const values = Object.values(ValidationCode);
    assert.equal(new Set(values).size, values.length);
    for (const value of values) assert.match(value, /^WEFT_VALIDATION_[A-Z_]+$/);
  });

  test("every code is used by a validator and asserted by a test", () => {
    const src = sources(SOURCE_DIR);
    const tests = sources(TEST_DIR).replace(/\bV\./g, "ValidationCode.");
    for (const key of Object.keys(ValidationCode)) {
      assert.ok(src.includes(`ValidationCode.${key}`), `no validator uses ValidationCode.${key}`);
      assert.ok(tests.includes(`ValidationCode.${key}`), `no test asserts ValidationCode.${key}`);
    }
  });
});
