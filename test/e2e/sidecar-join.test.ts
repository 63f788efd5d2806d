// A sidecar joining with a token before its control plane answers, as real processes on
// 127.0.0.1: it keeps asking for its first certificate (each wait logged) and starts once a
// control plane answers; it gives up after --join-timeout, and a refused token stops it at once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { bin, eventually, freePort, spawnUntil, startBackend, startControlPlane, tempDir } from "./processes.js";
import { joinToken } from "./sidecars.js";

const WAITING = "waiting for a control plane to issue the workload certificate";

function sidecarArgs(xds: string, appPort: number, outbound: number, token: string, joinTimeout: string): string[] {
  return [
    bin,
    "sidecar",
    "--service",
    "web",
    "--app",
    `127.0.0.1:${appPort}`,
    "--xds-server",
    xds,
    "--outbound",
    `127.0.0.1:${outbound}`,
    "--admin-listen",
    "127.0.0.1:0",
    "--access-log",
    "off",
    "--join-token",
    token,
    "--join-timeout",
    joinTimeout,
  ];
}

describe("a sidecar joining before its control plane answers", () => {
  test("keeps asking for its first certificate, each wait logged, and starts once the control plane is back", async () => {
    const dataDir = tempDir();
    const xds = `127.0.0.1:${await freePort()}`;
    const first = await startControlPlane({ dataDir, xdsListen: xds });
    const token = await joinToken(first, "web");
    assert.equal(await first.stop(), 0);
    const app = await startBackend("web");
    const { running: sidecar } = await spawnUntil(
      sidecarArgs(xds, app.port, await freePort(), token, "60s"),
      (l) => l.msg === WAITING,
    );
    const plane = await startControlPlane({ dataDir, xdsListen: xds });
    await eventually("the sidecar started", () =>
      sidecar.lines.some((l) => l.msg === "sidecar started") ? true : undefined,
    );
    const issued = sidecar.lines.find((l) => l.msg === "workload certificate issued");
    assert.equal(issued?.spiffeId, "spiffe://weft.local/service/web");
    const waits = sidecar.lines.filter((l) => l.msg === WAITING);
    assert.ok(waits.length >= 1);
    assert.equal(typeof waits[0]?.retryInMs, "number");
    assert.equal(await sidecar.stop(), 0);
    await plane.stop();
    await app.stop();
  });

  test("gives up after --join-timeout with no control plane (exit 1), and a refused token stops it without waiting", async () => {
    const app = await startBackend("web");
    const nowhere = `127.0.0.1:${await freePort()}`;
    const { running: waiting } = await spawnUntil(
      sidecarArgs(nowhere, app.port, await freePort(), "weft.000000000000.AAAA", "2s"),
      (l) => l.msg === WAITING,
    );
    assert.equal(await waiting.exited, 1);
    assert.ok(!waiting.lines.some((l) => l.msg === "sidecar started"));

    const plane = await startControlPlane();
    const refused = spawn(
      process.execPath,
      sidecarArgs(plane.xds, app.port, await freePort(), "weft.000000000000.AAAA", "60s"),
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    refused.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => refused.on("exit", resolve));
    assert.equal(code, 1);
    assert.ok(!output.includes(WAITING), output);
    await plane.stop();
    await app.stop();
  });
});
