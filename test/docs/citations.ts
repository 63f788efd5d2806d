// Finds what a file cites: the numbered rules of docs/xds-protocol.md ("docs/xds-protocol.md #31",
// "#49-51", "#3, #4"; and test names "item 31:", "items 12-13:"), the doc's sections cited by
// title, and mentions of the outside notes that are not in the clone (the protocol and contract
// files the project once cited by name).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, sep } from "node:path";

/** The folders whose files may cite rules; proto/gen is generated and skipped. */
export const CITING_ROOTS = ["control-plane", "data-plane", "cli", "proto", "test", "scripts", "bench", "docs"];
const SKIPPED = new Set(["node_modules", "dist", ".git", `proto${sep}gen`]);
const TEXT = /\.(ts|mts|mjs|js|md|json|ya?ml|sh)$/;

/** Files that only describe the outside notes to find them, and are not scanned for them. */
const SELF = [join("test", "docs", "citations.ts"), join("test", "docs", "citations.test.ts")];

const OUTSIDE = /\b(?:PROTOCOL|CONTRACT)(?:\.md)?\b/g;
const DOC_CITATION = /xds-protocol\.md((?:,? ?#\d+(?:-\d+)?)+)/g;
const ITEM_CITATION = /\b[Ii]tems? (\d+(?:-\d+)?(?:(?:, | and )\d+(?:-\d+)?)*)/g;
const SECTION_CITATION = /xds-protocol\.md, "([^"]+)"/g;

/** Every number in "3", "49-51", "#3, #4", "9 and 10". */
function numbersIn(list: string): number[] {
  const out: number[] = [];
  for (const [, from, to] of list.matchAll(/(\d+)(?:-(\d+))?/g)) {
    const first = Number(from);
    const last = to === undefined ? first : Number(to);
    for (let n = first; n <= last; n++) out.push(n);
  }
  return out;
}

export interface Citations {
  /** Rule numbers cited, in order of appearance (repeats kept). */
  readonly rules: number[];
  /** Section titles cited as docs/xds-protocol.md, "Title". */
  readonly sections: string[];
  /** Each mention of an outside note, as written. */
  readonly outside: string[];
}

export function citationsIn(text: string): Citations {
  const rules: number[] = [];
  for (const m of text.matchAll(DOC_CITATION)) rules.push(...numbersIn(m[1] ?? ""));
  for (const m of text.matchAll(ITEM_CITATION)) rules.push(...numbersIn(m[1] ?? ""));
  return {
    rules,
    sections: [...text.matchAll(SECTION_CITATION)].map((m) => m[1] ?? ""),
    outside: [...text.matchAll(OUTSIDE)].map((m) => m[0]),
  };
}

export interface RuleBook {
  /** Rule numbers the doc defines (a paragraph or list item starting **N.**), in order. */
  readonly numbers: number[];
  /** Its section titles (## and ### headings), as written. */
  readonly sections: Set<string>;
}

export function ruleBookOf(markdown: string): RuleBook {
  return {
    numbers: [...markdown.matchAll(/^(?:- )?\*\*(\d+)\./gm)].map((m) => Number(m[1])),
    sections: new Set([...markdown.matchAll(/^#{2,3} (.+)$/gm)].map((m) => (m[1] ?? "").trim())),
  };
}

/** Text files under `roots` (relative to `repoRoot`), as repo-relative paths. */
export function citingFiles(repoRoot: string, roots: readonly string[] = CITING_ROOTS): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(repoRoot, dir))) {
      const path = join(dir, entry);
      if (SKIPPED.has(entry) || SKIPPED.has(path)) continue;
      if (statSync(join(repoRoot, path)).isDirectory()) walk(path);
      else if (TEXT.test(entry) && !SELF.includes(path)) out.push(path);
    }
  };
  for (const root of roots) walk(root);
  return out;
}

export interface Problem {
  readonly file: string;
  readonly problem: string;
}

/** What in the tree cites something the clone does not have. */
export function problemsIn(repoRoot: string, book: RuleBook, files: readonly string[]): Problem[] {
  const defined = new Set(book.numbers);
  const problems: Problem[] = [];
  for (const file of files) {
    const found = citationsIn(readFileSync(join(repoRoot, file), "utf8"));
    for (const name of new Set(found.outside)) problems.push({ file, problem: `mentions ${name}` });
    for (const n of new Set(found.rules)) {
      if (!defined.has(n))
        problems.push({ file, problem: `cites rule ${n}, which docs/xds-protocol.md does not define` });
    }
    for (const title of new Set(found.sections)) {
      if (!book.sections.has(title))
        problems.push({ file, problem: `cites section "${title}", which docs/xds-protocol.md lacks` });
    }
  }
  return problems;
}
