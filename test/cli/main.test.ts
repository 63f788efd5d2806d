// The command line as a user meets it: bin/weft.js run as a real child process against the
// compiled dist/ (npm test builds it first through the pretest script).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CliError, CliErrorCode } from "../../cli/src/errors.js";
import { readPackageVersion } from "../../cli/src/package-info.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "weft.js");
const packageVersion = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

function weft(args: string[], script = bin) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8", timeout: 30_000 });
  assert.equal(result.error, undefined, `spawning ${script} failed`);
  return result;
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

describe("weft --help", () => {
  test("prints usage and the options on stdout and exits 0", () => {
    const { status, stdout, stderr } = weft(["--help"]);
    assert.equal(status, 0);
    assert.equal(stderr, "");
    assert.match(stdout, /^Usage: weft /);
    assert.match(stdout, /--version/);
    assert.match(stdout, /Examples:/);
  });

  test("lists the commands that exist, and each command has its own help", () => {
    const { stdout } = weft(["-h"]);
    assert.match(stdout, /^Commands:/m);
    assert.match(stdout, /^\s+control-plane\b/m);
    const sub = weft(["control-plane", "--help"]);
    assert.equal(sub.status, 0);
    for (const flag of ["--xds-listen", "--api-listen", "--data-dir", "--api-token"])
      assert.match(sub.stdout, new RegExp(flag));
    assert.match(sub.stdout, /WEFT_API_LISTEN/, "the environment variable is shown");
  });
});

describe("weft --version", () => {
  test("prints package.json's version and exits 0", () => {
    const { status, stdout, stderr } = weft(["--version"]);
    assert.equal(status, 0);
    assert.equal(stderr, "");
    assert.equal(stdout.trim(), packageVersion);
  });

  test("-V is the same as --version", () => {
    const { status, stdout } = weft(["-V"]);
    assert.equal(status, 0);
    assert.equal(stdout.trim(), packageVersion);
  });

  test("the executable runs through its shebang line, without naming node", () => {
    assert.notEqual(statSync(bin).mode & 0o111, 0, "bin/weft.js is not executable");
    const result = spawnSync(bin, ["--version"], { cwd: root, encoding: "utf8", timeout: 30_000 });
    assert.equal(result.status, 0);
    assert.equal(result.stdout.trim(), packageVersion);
  });
});

describe("usage errors", () => {
  test("an unknown command is WEFT_CLI_USAGE naming it, a hint to --help, exit status 2", () => {
    const { status, stdout, stderr } = weft(["frobnicate"]);
    assert.equal(status, 2);
    assert.equal(stdout, "");
    assert.deepEqual(lines(stderr), [
      "weft: WEFT_CLI_USAGE: unknown command 'frobnicate'",
      "Run 'weft --help' for usage.",
    ]);
  });

  test("an unknown option is WEFT_CLI_USAGE naming it, a hint to --help, exit status 2", () => {
    const { status, stdout, stderr } = weft(["--frobnicate"]);
    assert.equal(status, 2);
    assert.equal(stdout, "");
    assert.equal(lines(stderr).length, 2, stderr);
    assert.match(stderr, /^weft: WEFT_CLI_USAGE: unknown option '--frobnicate'$/m);
  });

  test("no arguments at all print the usage on stderr and exit 2", () => {
    const { status, stdout, stderr } = weft([]);
    assert.equal(status, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^Usage: weft /);
  });
});

describe("bin/weft.js without a build", () => {
  test("exits 1 with a one-line hint to build when dist/ is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-bin-"));
    try {
      mkdirSync(join(dir, "bin"));
      const script = join(dir, "bin", "weft.js");
      copyFileSync(bin, script);
      const { status, stdout, stderr } = weft(["--version"], script);
      assert.equal(status, 1);
      assert.equal(stdout, "");
      assert.equal(lines(stderr).length, 1, stderr);
      assert.match(stderr, /npm ci/);
      assert.match(stderr, /npm run build/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("readPackageVersion", () => {
  test("finds package.json from the TypeScript sources as well as from dist/", () => {
    assert.equal(readPackageVersion(), packageVersion);
    assert.equal(readPackageVersion(pathToFileURL(join(root, "dist", "cli", "src", "main.js")).href), packageVersion);
  });

  test("throws WEFT_CLI_PACKAGE_JSON_NOT_FOUND outside the weft package", () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-pkg-"));
    try {
      assert.throws(
        () => readPackageVersion(pathToFileURL(join(dir, "main.js")).href),
        (error: unknown) => error instanceof CliError && error.code === CliErrorCode.packageJsonNotFound,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("weft with its stdout closed by the reader", () => {
  test("ends with its own exit code and no EPIPE crash when the reader has gone before it writes", async () => {
    const child = spawn(process.execPath, [bin, "apply", "--help"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    // Closing our end at once means every write of the child meets a pipe without a reader.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const [status] = (await once(child, "exit")) as [number | null];
    assert.equal(status, 0);
    assert.doesNotMatch(stderr, /EPIPE/);
  });
});
