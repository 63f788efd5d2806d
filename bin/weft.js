#!/usr/bin/env node
// The one command-line entry. The CLI itself is TypeScript compiled into dist/ (by `npm ci`, whose
// prepare step builds, or by `npm run build`); this file only finds it and hands it the arguments.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/src/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("weft: dist/ is missing; run `npm ci` or `npm run build` in the weft folder first\n");
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
