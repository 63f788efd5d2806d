// Nothing in the repository cites a file the clone lacks: every rule number cited is defined in
// docs/xds-protocol.md, every section cited by title exists, and no file names the outside notes.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { citationsIn, citingFiles, problemsIn, ruleBookOf } from "./citations.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const book = ruleBookOf(readFileSync(join(repoRoot, "docs", "xds-protocol.md"), "utf8"));

describe("what the code cites is in the clone", () => {
  test("docs/xds-protocol.md numbers its rules 1, 2, 3… once each, without gaps", () => {
    assert.ok(book.numbers.length >= 51, `only ${book.numbers.length} rules found: is the parser broken?`);
    assert.deepEqual(
      book.numbers,
      book.numbers.map((_, i) => i + 1),
    );
  });

  test("no file under the source, test, script, bench or docs folders mentions a note outside the repository or cites an undefined rule", () => {
    const files = citingFiles(repoRoot);
    assert.ok(files.length > 100, `only ${files.length} files found: is the walk broken?`);
    assert.ok(
      files.some((f) => f.startsWith(join("control-plane", "src"))),
      "the walk reaches control-plane/src",
    );
    assert.ok(!files.some((f) => f.startsWith(join("proto", "gen"))), "generated code is skipped");
    assert.deepEqual(problemsIn(repoRoot, book, files), []);
  });

  test("rule citations are read in every form the code uses", () => {
    const text = [
      "// clusters first (docs/xds-protocol.md #31)",
      "// docs/xds-protocol.md #3, #4, #7 and docs/xds-protocol.md #49-51",
      'test("item 38: a per-type service implies its type_url", () => {});',
      'test("items 12-13: LDS and CDS carry the full state", () => {});',
      "// items 9 and 10",
    ].join("\n");
    assert.deepEqual(citationsIn(text).rules, [31, 3, 4, 7, 49, 50, 51, 38, 12, 13, 9, 10]);
  });

  test("an undefined rule, an unknown section and the outside notes are each reported", () => {
    const found = citationsIn(
      [
        "// see docs/xds-protocol.md #999",
        '// see docs/xds-protocol.md, "No such section"',
        "// see PROTOCOL.md item 7, and CONTRACT.md",
        "// CONTRACT's shape",
      ].join("\n"),
    );
    assert.ok(found.rules.includes(999) && !book.numbers.includes(999));
    assert.deepEqual(found.sections, ["No such section"]);
    assert.ok(!book.sections.has("No such section"));
    assert.deepEqual(found.outside, ["PROTOCOL.md", "CONTRACT.md", "CONTRACT"]);
  });

  test("a file that cites an undefined rule or an outside note is named with what is wrong", () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-citations-"));
    try {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src", "a.ts"), "// clusters first (docs/xds-protocol.md #31)\n");
      writeFileSync(join(dir, "src", "b.ts"), "// see docs/xds-protocol.md #31, #77 and CONTRACT.md\n");
      const files = citingFiles(dir, ["src"]);
      assert.deepEqual(files.sort(), [join("src", "a.ts"), join("src", "b.ts")]);
      const small = ruleBookOf("**31. Make before break.** ...\n");
      assert.deepEqual(problemsIn(dir, small, files), [
        { file: join("src", "b.ts"), problem: "mentions CONTRACT.md" },
        { file: join("src", "b.ts"), problem: "cites rule 77, which docs/xds-protocol.md does not define" },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the sections cited by title exist in docs/xds-protocol.md", () => {
    for (const title of [
      "Proxyless gRPC clients",
      "Subscription changes are answered at once",
      "After a NACK of listeners or clusters, a revert is sent again",
    ]) {
      assert.ok(book.sections.has(title), title);
    }
  });
});
