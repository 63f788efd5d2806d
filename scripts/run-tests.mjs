#!/usr/bin/env node
// Runs every test file under test/ (or the files and folders named on the command line) with
// node's test runner, TypeScript loaded through tsx. Node 20's runner takes no globs, hence this.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (/\.test\.ts$/.test(path)) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ["test"]).flatMap((root) => collect(root, []));
if (files.length === 0) {
  console.error("run-tests: no test files found");
  process.exit(1);
}
// A hung test must fail, with its name, instead of hanging the run. Node 24's runner applies
// --test-timeout to each test; Node 20's applies it to each test file as a whole as well (the
// file is then reported as timed out, its tests cancelled), so there the bound must fit the
// slowest file (the examples file takes about 80 s on an idle machine), not the slowest test
// (about 35 s idle; e2e tests poll with bounded deadlines of their own well below 120 s).
const PER_TEST_TIMEOUT_MS = 120_000;
const PER_FILE_TIMEOUT_MS = 600_000;
const major = Number(process.versions.node.split(".")[0]);
const timeoutMs = major >= 24 ? PER_TEST_TIMEOUT_MS : PER_FILE_TIMEOUT_MS;
// No --test-force-exit: on Node 20 it can end the run while a file's results are still being
// reported, and those tests then vanish from the count without a failure (seen: 313-328 of 332).
// Every test file must therefore close what it opens; the exit guard fails a file whose process
// stays up after its tests ended, naming what is still open.
const exitGuard = new URL("./test-exit-guard.mjs", import.meta.url).href;
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--import",
    exitGuard,
    "--test",
    `--test-timeout=${timeoutMs}`,
    "--test-reporter=spec",
    ...files.map((f) => relative(process.cwd(), f)),
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
