// Registration over the real control plane: a SQLite store, the REST API on a socket and xDS
// streams over gRPC. The registration grace runs on a manual clock; what the servers do on their
// own sockets is awaited by polling with a deadline.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { credentials } from "@grpc/grpc-js";
import pino from "pino";
import { type RunningControlPlane, startControlPlane } from "../../../control-plane/src/main.js";
import { AggregatedDiscoveryServiceClient } from "../../../proto/gen/envoy/service/discovery/v3/ads.js";
import type { DiscoveryRequest, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { eventually } from "../../e2e/processes.js";
import { ManualClock } from "../../time/manual-clock.js";
import { CDS, request, Stream } from "../xds/harness.js";

const GRACE = 10_000;

function start(dataDir: string, clock: ManualClock): Promise<RunningControlPlane> {
  return startControlPlane({
    xdsListen: "127.0.0.1:0",
    apiListen: "127.0.0.1:0",
    dataDir,
    logger: pino({ level: "silent" }),
    clock,
    registrationGraceMs: GRACE,
  });
}

/** An ADS stream from `nodeId`, open once the control plane has answered its first request. */
async function connect(plane: RunningControlPlane, nodeId: string) {
  const client = new AggregatedDiscoveryServiceClient(plane.xdsAddress, credentials.createInsecure());
  const stream = new Stream<DiscoveryRequest, DiscoveryResponse>(client.streamAggregatedResources());
  stream.send(request({ typeUrl: CDS, node: { id: nodeId, cluster: "catalog" } }));
  await stream.next();
  return {
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}

async function register(plane: RunningControlPlane, nodeId: string): Promise<string> {
  const response = await fetch(`http://${plane.apiAddress}/v1/registrations/${nodeId}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ service: "catalog", address: "127.0.0.1", ports: { http: 41000 } }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { name: string }).name;
}

async function entryStatus(plane: RunningControlPlane, name: string): Promise<number> {
  return (await fetch(`http://${plane.apiAddress}/v1/resources/workloadentries/${name}`)).status;
}

async function connectedNodes(plane: RunningControlPlane): Promise<string[]> {
  const { proxies } = (await (await fetch(`http://${plane.apiAddress}/v1/proxies`)).json()) as {
    proxies: { nodeId: string }[];
  };
  return proxies.map((proxy) => proxy.nodeId);
}

test("a sidecar whose xDS stream ends is removed from the SQLite store after the grace period", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-registry-"));
  const clock = new ManualClock();
  const plane = await start(dataDir, clock);
  try {
    const stream = await connect(plane, "catalog-1");
    const name = await register(plane, "catalog-1");
    assert.equal(await entryStatus(plane, name), 200);

    stream.close();
    await eventually("the stream's end", async () => ((await connectedNodes(plane)).length === 0 ? true : undefined));
    await clock.advance(GRACE - 1);
    assert.equal(await entryStatus(plane, name), 200, "kept during the grace period");
    await clock.advance(1);
    await eventually("the entry's removal", async () => ((await entryStatus(plane, name)) === 404 ? true : undefined));
  } finally {
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("registrations survive a control-plane restart, and a node that reconnects within the grace keeps its entry", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-registry-"));
  const first = await start(dataDir, new ManualClock());
  let back: string;
  let gone: string;
  try {
    const streams = [await connect(first, "back"), await connect(first, "gone")];
    back = await register(first, "back");
    gone = await register(first, "gone");
    for (const stream of streams) stream.close();
  } finally {
    await first.close();
  }

  const clock = new ManualClock();
  const second = await start(dataDir, clock);
  try {
    assert.equal(await entryStatus(second, back), 200);
    assert.equal(await entryStatus(second, gone), 200);
    const stream = await connect(second, "back");
    await clock.advance(GRACE);
    await eventually("the removal of the entry whose node stayed away", async () =>
      (await entryStatus(second, gone)) === 404 ? true : undefined,
    );
    assert.equal(await entryStatus(second, back), 200, "the node that reconnected keeps its entry");
    stream.close();
  } finally {
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
