// `weft sidecar` as a user starts it: its help, and refusals before anything starts, with
// bin/weft.js run as a real child process against the compiled dist/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "weft.js");

function weft(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, "sidecar", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
}

const REQUIRED = ["--service", "catalog", "--app", "127.0.0.1:8080"];

describe("weft sidecar", () => {
  test("--help lists every flag with its default and environment variable, and examples", () => {
    const { status, stdout } = weft(["--help"]);
    assert.equal(status, 0);
    for (const flag of [
      "--service",
      "--app",
      "--labels",
      "--listen",
      "--outbound",
      "--upstream",
      "--app-health",
      "--xds-server",
      "--admin-listen",
      "--node-id",
      "--depends",
      "--drain-delay",
    ]) {
      assert.match(stdout, new RegExp(`${flag} `));
    }
    assert.match(stdout, /default: 127\.0\.0\.1:0, env: WEFT_LISTEN/);
    assert.match(stdout, /default: 127\.0\.0\.1:15001, env: WEFT_OUTBOUND/);
    assert.match(stdout, /Examples:/);
  });

  test("each bad flag is a usage error naming the flag, exit 2, before anything starts", () => {
    const cases: [string[], string][] = [
      [["--app", "127.0.0.1:8080"], "--service"],
      [["--service", "catalog"], "--app"],
      [["--service", "Catalog", "--app", "127.0.0.1:8080"], "--service"],
      [[...REQUIRED, "--listen", "0.0.0.0:0"], "--listen"],
      [[...REQUIRED, "--outbound", "127.0.0.1:0"], "--outbound"],
      [[...REQUIRED, "--upstream", "db"], "--upstream"],
      [[...REQUIRED, "--app-health", "healthz"], "--app-health"],
      [[...REQUIRED, "--depends", "a_b"], "--depends"],
      [[...REQUIRED, "--labels", "app=web"], "--labels"],
      [[...REQUIRED, "--node-id", "a b"], "--node-id"],
      [[...REQUIRED, "--upstream", "db=127.0.0.1:15001"], "--upstream"],
    ];
    for (const [args, flag] of cases) {
      const { status, stderr } = weft(args);
      assert.equal(status, 2, `${args.join(" ")}: ${stderr}`);
      assert.match(stderr, /WEFT_CLI_USAGE/);
      assert.ok(stderr.includes(flag), `${args.join(" ")} names ${flag}: ${stderr}`);
    }
  });

  test("flags also come from WEFT_ variables", () => {
    const { status, stderr } = weft(["--app", "127.0.0.1:8080"], { WEFT_SERVICE: "Not_A_Name" });
    assert.equal(status, 2);
    assert.ok(stderr.includes("--service"), stderr);
  });
});
