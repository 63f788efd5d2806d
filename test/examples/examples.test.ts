// The runnable examples, run as CI runs them: each example's one command as a child process, which
// must exit 0 (it does only when the behaviour it shows held) and print every step.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Runs `node examples/<name>/run.mjs`; SIGTERM after `ms` (the example then stops its own children), SIGKILL 10 s later. */
function runExample(name: string, ms: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join("examples", name, "run.mjs")], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const term = setTimeout(() => child.kill("SIGTERM"), ms);
  const kill = setTimeout(() => child.kill("SIGKILL"), ms + 10_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code, output });
    }),
  );
}

/** Asserts a successful run that printed an "ok" line for each split, in order. */
function assertSteps(result: { code: number | null; output: string }, name: string, splits: string[]): void {
  assert.equal(result.code, 0, `${name} exited with ${result.code}:\n${result.output}`);
  const steps = result.output.split("\n").filter((line) => line.includes(" → measured "));
  assert.deepEqual(
    steps.map((line) => line.split(" ")[0]),
    splits,
    result.output,
  );
  for (const line of steps) assert.match(line, / ok$/);
  assert.match(result.output, new RegExp(`^${name}: PASSED$`, "m"));
}

/** Asserts a successful run that printed each numbered step, in order, and only checks that held. */
function assertChecks(result: { code: number | null; output: string }, name: string, steps: string[]): void {
  assert.equal(result.code, 0, `${name} exited with ${result.code}:\n${result.output}`);
  const headings = result.output.split("\n").filter((line) => /^\d\. /.test(line));
  assert.deepEqual(
    headings.map((line) => line.split(":")[0]),
    steps,
    result.output,
  );
  assert.doesNotMatch(result.output, / WRONG$/m);
  assert.match(result.output, new RegExp(`^${name}: PASSED$`, "m"));
}

describe("examples", { timeout: 600_000 }, () => {
  test("canary: traffic shifted 100/0, 90/10, 50/50, 0/100 through a front and a sidecar proxy", async () => {
    assertSteps(await runExample("canary", 75_000), "canary", ["100/0", "90/10", "50/50", "0/100"]);
  });

  test("grpc-proxyless: an unmodified grpc-js-xds client follows weight shifts", async () => {
    assertSteps(await runExample("grpc-proxyless", 75_000), "grpc-proxyless", ["100/0", "80/20", "0/100"]);
  });

  test("resilience: retries, a route timeout, outlier detection and a circuit breaker against a flaky backend", async () => {
    assertChecks(await runExample("resilience", 75_000), "resilience", [
      "1. Retries",
      "2. Timeouts",
      "3. Outlier detection",
      "4. Circuit breaking",
    ]);
  });

  test("mesh: a shop of apps behind sidecars with mutual TLS: calls by name, a 90/10 split, a rolling restart and a kill with no failed call, a fault seen by a gRPC client, an authorization policy, certificates rotating under load", async () => {
    assertChecks(await runExample("mesh", 240_000), "mesh", [
      "1. the shop runs",
      "2. calls flow by name",
      "3. the HTTPRoute splits catalog 90/10 between catalog-v1 and catalog-v2",
      "4. rolling restart of catalog v1",
      "5. catalog v1 instance killed (SIGKILL)",
      "6. fault injection seen by the gRPC proxyless client",
      "7. AuthorizationPolicy catalog-callers (only web may call catalog)",
      "8. certificates rotated under load",
    ]);
  });
});
