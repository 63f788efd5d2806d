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
// --test-force-exit: @grpc/grpc-js-xds keeps its xDS client's reconnect timers alive after its
// channel is closed, which would keep the interop test's process from ever exiting.
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-force-exit",
    "--test-reporter=spec",
    ...files.map((f) => relative(process.cwd(), f)),
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
