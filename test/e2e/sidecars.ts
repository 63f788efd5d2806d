// `weft sidecar` as a child process for the end-to-end tests: beside an app, on ports it picks,
// its outbound port chosen here, started once it logs `sidecar started`.
import assert from "node:assert/strict";
import { bin, type Child, freePort, spawnUntil } from "./processes.js";

export interface Sidecar extends Child {
  readonly nodeId: string;
  readonly inboundPort: number;
  /** The outbound listener's port (the app's way into the mesh). */
  readonly outbound: number;
}

/** A sidecar for `service` in front of the app on `appPort`, with `extra` flags (e.g. `--join-token`). */
export async function startSidecar(
  plane: { xds: string },
  service: string,
  nodeId: string,
  appPort: number,
  extra: readonly string[] = [],
): Promise<Sidecar> {
  const outbound = await freePort();
  const { running, line } = await spawnUntil(
    [
      bin,
      "sidecar",
      "--service",
      service,
      "--app",
      `127.0.0.1:${appPort}`,
      "--node-id",
      nodeId,
      "--xds-server",
      plane.xds,
      "--outbound",
      `127.0.0.1:${outbound}`,
      "--admin-listen",
      "127.0.0.1:0",
      "--access-log",
      "off",
      "--app-health",
      "/health",
      "--xds-reconnect-max-delay",
      "300ms",
      ...extra,
    ],
    (l) => l.msg === "sidecar started",
  );
  const inbound = line.inbound as { port: number };
  return { ...running, nodeId, inboundPort: inbound.port, outbound };
}

/** A join token for `service`, made through the control plane's REST API (`POST /v1/tokens`). */
export async function joinToken(plane: { api: string }, service: string): Promise<string> {
  const response = await fetch(`http://${plane.api}/v1/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ service }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { token: string }).token;
}
