// Mistakes on the command line, as a user meets them: bin/weft.js run as a child process (against
// dist/, built first). Every one of commander's usage errors is `weft: WEFT_CLI_USAGE: message`,
// then a line naming the command's --help, and exit status 2; nothing is sent anywhere (the
// client commands point at a port nothing listens on, so a request would fail differently).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { weft } from "./cli-harness.js";

const nowhere = ["--server", "http://127.0.0.1:1"];

function assertUsageError(run: { status: number | null; stdout: string; stderr: string }, command: string): void {
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, "");
  const [first, hint, extra] = run.stderr.split("\n");
  assert.match(first ?? "", /^weft: WEFT_CLI_USAGE: \S/);
  assert.equal(hint, `Run '${command} --help' for usage.`);
  assert.equal(extra, "");
}

describe("usage errors", () => {
  const cases: readonly [string, readonly string[], string][] = [
    ["an unknown option", ["get", "clusters", "--frob", ...nowhere], "weft get"],
    ["a missing argument", ["delete", "clusters", ...nowhere], "weft delete"],
    ["too many arguments", ["delete", "clusters", "a", "b", ...nowhere], "weft delete"],
    ["a value outside an option's choices", ["history", "-o", "xml", ...nowhere], "weft history"],
    ["a missing required option", ["apply", ...nowhere], "weft apply"],
    ["an option without its value", ["apply", "-f"], "weft apply"],
    ["an invalid argument", ["rollback", "twelve", ...nowhere], "weft rollback"],
    ["an invalid duration", ["apply", "-f", "-", "--wait-timeout", "soon", ...nowhere], "weft apply"],
    ["an unknown command", ["frobnicate"], "weft"],
    ["a required option of a server command", ["proxy"], "weft proxy"],
  ];
  for (const [what, args, command] of cases) {
    test(`${what} is WEFT_CLI_USAGE with a hint to '${command} --help', exit status 2`, async () => {
      assertUsageError(await weft(args), command);
    });
  }

  test("a bad value from an environment variable is a usage error too", async () => {
    const run = await weft(["status", ...nowhere], { env: { WEFT_TIMEOUT: "soon" } });
    assertUsageError(run, "weft status");
    assert.match(run.stderr, /WEFT_TIMEOUT/);
  });

  test("a command that runs and fails still exits 1 with one line", async () => {
    const run = await weft(["get", "clusters", ...nowhere]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^weft: WEFT_CLI_UNREACHABLE: /);
    assert.equal(run.stderr.split("\n").length, 2, run.stderr);
  });
});

describe("--server", () => {
  test("a malformed value is a usage error naming the option", async () => {
    for (const value of [
      "ftp://127.0.0.1:21",
      "127.0.0.1",
      "http//127.0.0.1:18080",
      "127.0.0.1:0",
      "127.0.0.1:99999",
    ]) {
      const run = await weft(["get", "clusters", "--server", value]);
      assertUsageError(run, "weft get");
      assert.match(run.stderr, /--server/, value);
    }
  });
});

describe("every command's --help", () => {
  const commands = [
    "control-plane",
    "proxy",
    "apply",
    "get",
    "delete",
    "diff",
    "status",
    "config-dump",
    "history",
    "rollback",
    "nacks",
  ];
  const clientCommands = new Set(["apply", "get", "delete", "diff", "status", "history", "rollback", "nacks"]);

  for (const command of ["", ...commands]) {
    const name = command === "" ? "weft" : `weft ${command}`;
    test(`${name} --help renders on stdout, aligned, with no TLS listener flags and commander's (default: ...)`, async () => {
      const run = await weft(command === "" ? ["--help"] : [command, "--help"]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, "");
      assert.match(run.stdout, new RegExp(`^Usage: ${name} `));
      // Sidecars speak mutual TLS (--mtls-mode); the API and xDS ports have no TLS flags yet.
      assert.doesNotMatch(run.stdout, /--tls|https-listener/i, "no TLS listener flags yet");
      assert.match(run.stdout, /-h, --help\s+print this help and exit/);
      const examples = run.stdout.split("\n").filter((line) => line.startsWith("  $ "));
      assert.ok(examples.length > 0, "has examples");
      // An explanation after an example starts in the same column as the others'.
      const columns = new Set(
        examples.flatMap((line) => {
          const gap = /\S( {2,})(?=\S)/.exec(line.slice(4));
          return gap === null ? [] : [gap.index + 1 + (gap[1]?.length ?? 0)];
        }),
      );
      assert.ok(columns.size <= 1, `examples not aligned:\n${examples.join("\n")}`);
      if (clientCommands.has(command)) {
        assert.doesNotMatch(run.stdout, /\(default [^:]/, "defaults as commander writes them");
        assert.match(run.stdout, /--server <url>[\s\S]*default: "http:\/\/127\.0\.0\.1:18080"/);
      }
    });
  }

  test("required options are marked as such", async () => {
    for (const [command, flag] of [
      ["apply", "--filename"],
      ["diff", "--filename"],
      ["proxy", "--node-id"],
    ] as const) {
      const { stdout } = await weft([command, "--help"]);
      const option = stdout.slice(stdout.indexOf(flag));
      assert.match(option.slice(0, option.search(/\n {2}-/)), /\(required/, `${command} ${flag}`);
    }
  });
});
