// A server command started on a port something else holds: it exits 1 with one line on stderr,
// coded, saying the address is in use and which flag and variable move it. bin/weft.js runs as a
// real child process against the compiled dist/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "weft.js");

let holder: Server;
let taken: string;
let dataDir: string;

before(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  taken = `127.0.0.1:${(holder.address() as { port: number }).port}`;
  dataDir = mkdtempSync(join(tmpdir(), "weft-taken-"));
});

after(async () => {
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

function weft(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, WEFT_LOG_FORMAT: "json" },
  });
  assert.equal(result.error, undefined);
  return result;
}

/** The one stderr line, checked for the code, the address in use, the flag and its variable. */
function assertTaken(result: ReturnType<typeof weft>, code: string, flag: string, variable: string): void {
  assert.equal(result.status, 1, result.stderr);
  const lines = result.stderr.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, 1, result.stderr);
  const line = lines[0] ?? "";
  assert.ok(line.startsWith(`weft: ${code}: `), line);
  assert.ok(line.includes(`${taken} is already in use`), line);
  assert.ok(line.includes(flag), line);
  assert.ok(line.includes(variable), line);
}

describe("a port that is already taken", () => {
  test("for the control plane's API stops it with WEFT_LISTEN_FAILED naming --api-listen", () => {
    const result = weft(["control-plane", "--data-dir", dataDir, "--xds-listen", "127.0.0.1:0", "--api-listen", taken]);
    assertTaken(result, "WEFT_LISTEN_FAILED", "--api-listen", "WEFT_API_LISTEN");
  });

  test("for the control plane's xDS stops it with WEFT_LISTEN_FAILED naming --xds-listen", () => {
    const result = weft(["control-plane", "--data-dir", dataDir, "--xds-listen", taken, "--api-listen", "127.0.0.1:0"]);
    assertTaken(result, "WEFT_LISTEN_FAILED", "--xds-listen", "WEFT_XDS_LISTEN");
  });

  test("for the proxy's admin stops it with WEFT_PROXY_ADMIN_BIND naming --admin-listen", () => {
    const result = weft(["proxy", "--node-id", "taken", "--admin-listen", taken, "--access-log", "off"]);
    assertTaken(result, "WEFT_PROXY_ADMIN_BIND", "--admin-listen", "WEFT_ADMIN_LISTEN");
  });

  test("for a sidecar's inbound listener stops it at start with WEFT_PROXY_LISTENER_BIND naming --listen", () => {
    const result = weft([
      "sidecar",
      "--service",
      "catalog",
      "--app",
      "127.0.0.1:1",
      "--listen",
      taken,
      // Never bound: the start stops before any config arrives.
      "--outbound",
      "127.0.0.1:15001",
      "--admin-listen",
      "127.0.0.1:0",
      "--xds-server",
      "127.0.0.1:1",
      "--access-log",
      "off",
    ]);
    assertTaken(result, "WEFT_PROXY_LISTENER_BIND", "--listen", "WEFT_LISTEN");
  });
});
