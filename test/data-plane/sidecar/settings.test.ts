// What a sidecar tells the control plane about itself: its node metadata (read by the control
// plane's sidecar-node reader to compile its config) and its registration.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sidecarOf } from "../../../control-plane/src/snapshot/sidecar-node.js";
import { ListenerErrorCode, PortHolds } from "../../../data-plane/src/listeners/index.js";
import {
  DEFAULT_OUTBOUND,
  defaultNodeId,
  holdInboundPort,
  instanceRegistration,
  type SidecarSettings,
  sidecarMetadata,
} from "../../../data-plane/src/sidecar/index.js";

const SETTINGS: SidecarSettings = {
  service: "catalog",
  nodeId: "catalog-1",
  app: { host: "127.0.0.1", port: 8080 },
  labels: { version: "v2" },
  listen: { host: "127.0.0.1", port: 0 },
  outbound: DEFAULT_OUTBOUND,
  upstreams: ["db=127.0.0.1:15432", "cache:6379=127.0.0.1:16379"],
  depends: ["pricing"],
  appHealth: { kind: "tcp" },
};

describe("sidecar settings", () => {
  test("the node metadata holds role, service, labels with app, addresses, depends and upstreams", () => {
    const metadata = sidecarMetadata(SETTINGS, { host: "127.0.0.1", port: 41000 });
    assert.deepEqual(metadata, {
      weft: {
        role: "sidecar",
        service: "catalog",
        labels: { version: "v2", app: "catalog" },
        inbound: "127.0.0.1:41000",
        app: "127.0.0.1:8080",
        outbound: "127.0.0.1:15001",
        depends: ["pricing"],
        upstreams: ["db=127.0.0.1:15432", "cache:6379=127.0.0.1:16379"],
      },
    });
  });

  test("the control plane reads the metadata as a sidecar with its inbound listener and app", () => {
    const node = sidecarOf(sidecarMetadata(SETTINGS, { host: "127.0.0.1", port: 41000 }));
    assert.ok(node);
    assert.equal(node.service, "catalog");
    assert.deepEqual(node.inbound, {
      listen: { host: "127.0.0.1", port: 41000 },
      app: { host: "127.0.0.1", port: 8080 },
    });
    assert.deepEqual(node.outbound, DEFAULT_OUTBOUND);
    assert.ok(node.depends?.includes("pricing"));
  });

  test("without --depends or --upstream, neither key is sent (every Service may be called)", () => {
    const metadata = sidecarMetadata({ ...SETTINGS, depends: undefined, upstreams: [] }, { host: "::1", port: 41000 });
    const weft = metadata.weft as Record<string, unknown>;
    assert.equal("depends" in weft, false);
    assert.equal("upstreams" in weft, false);
    assert.equal(weft.inbound, "[::1]:41000");
    assert.equal(sidecarOf(metadata)?.depends, undefined);
  });

  test("the registration carries the inbound address and port, and the labels beyond app", () => {
    assert.deepEqual(instanceRegistration(SETTINGS, { host: "127.0.0.1", port: 41000 }), {
      service: "catalog",
      address: "127.0.0.1",
      ports: {},
      port: 41000,
      labels: { version: "v2" },
    });
  });

  test("the default node id is the service and a random hex suffix", () => {
    assert.equal(
      defaultNodeId("catalog", () => Buffer.from([0xde, 0xad, 0xbe, 0xef])),
      "catalog-deadbeef",
    );
    assert.match(defaultNodeId("catalog"), /^catalog-[0-9a-f]{8}$/);
  });

  test("the inbound port is bound at once and stays bound: port 0 resolved, a given port kept, a taken one refused", async () => {
    const holds = new PortHolds();
    const chosen = await holdInboundPort({ host: "127.0.0.1", port: 0 }, holds, "inbound|listener");
    assert.equal(chosen.host, "127.0.0.1");
    assert.ok(chosen.port > 0 && chosen.port <= 65_535);
    // Nobody can take it before the inbound listener does (its config may take a while).
    const error = await holdInboundPort(chosen, new PortHolds(), "inbound|listener").then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((error as { code?: string }).code, ListenerErrorCode.bind);
    assert.equal((error as { syscallCode?: string }).syscallCode, "EADDRINUSE");
    assert.equal((error as { listener?: string }).listener, "inbound|listener");
    await holds.close();
    const again = new PortHolds();
    assert.deepEqual(await holdInboundPort(chosen, again, "inbound|listener"), chosen, "a given port is kept");
    await again.close();
  });
});
