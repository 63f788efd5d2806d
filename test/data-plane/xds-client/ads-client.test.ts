// The ADS client against the real control-plane xDS server, in-process over 127.0.0.1.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TypeStatus } from "../../../control-plane/src/status/proxy-status.js";
import { XdsClientError, XdsClientErrorCode } from "../../../data-plane/src/xds-client/errors.js";
import {
  CDS,
  cluster,
  EDS,
  endpoints,
  type Harness,
  LDS,
  listener,
  RDS,
  routeConfig,
  seedMesh,
  startHarness,
} from "../../control-plane/xds/harness.js";
import { type ClientFixture, clientFixture, reached } from "./client-fixture.js";

describe("ADS client (state of the world) against the control plane", () => {
  let h: Harness;
  let f: ClientFixture;
  const serverView = (typeUrl: string): TypeStatus | undefined =>
    h.status.proxies().find((p) => p.nodeId === "proxy-1")?.types[typeUrl];
  const synced = (typeUrl: string, version: string) =>
    reached(
      [h, f],
      () => serverView(typeUrl)?.state === "SYNCED" && serverView(typeUrl)?.versionAcked === version,
      `${typeUrl} SYNCED at ${version}`,
    );

  before(async () => {
    h = await startHarness();
    await seedMesh(h);
    await h.put(["endpoints", endpoints("b")]);
    f = clientFixture([h.address]);
    f.client.start();
  });
  after(async () => {
    f.client.close();
    await h.close();
  });

  test("syncs listeners and clusters by wildcard, then the routes and endpoints they name, and the server sees every type SYNCED", async () => {
    await reached([h, f], () => f.delivered(RDS).has("r1") && f.delivered(EDS).size === 2, "RDS and EDS delivered");
    assert.deepEqual([...f.delivered(LDS)], ["l1"]);
    assert.deepEqual([...f.delivered(CDS)].sort(), ["a", "b"]);
    assert.deepEqual([...f.delivered(RDS)], ["r1"], "only the route the listener names");
    assert.deepEqual([...f.delivered(EDS)].sort(), ["a", "b"]);
    const firstOf = (typeUrl: string) => f.deliveries.findIndex((d) => d.typeUrl === typeUrl);
    assert.ok(firstOf(LDS) < firstOf(RDS), "RDS is asked for once a listener names it");
    assert.ok(firstOf(CDS) < firstOf(EDS), "EDS is asked for once a cluster names it");
    for (const typeUrl of [LDS, CDS, RDS, EDS]) await synced(typeUrl, f.client.acceptedVersion(typeUrl));
    assert.ok(f.client.connected);
    assert.deepEqual(serverView(LDS)?.subscribed, ["*"]);
    assert.deepEqual(serverView(RDS)?.subscribed, ["r1"]);
    const proxy = h.status.proxies().find((p) => p.nodeId === "proxy-1");
    assert.equal(proxy?.cluster, "edge");
    assert.equal(proxy?.userAgent, "weft 0.1.0");
    assert.deepEqual(proxy?.metadata, { zone: "z1" });
  });

  test("an update is delivered and ACKed with its version", async () => {
    const before = f.client.acceptedVersion(CDS);
    await h.put(["clusters", cluster("c")], ["endpoints", endpoints("c")]);
    await reached([h, f], () => f.client.acceptedVersion(CDS) !== before, "a new CDS version accepted");
    assert.deepEqual(
      f.deliveries
        .filter((d) => d.typeUrl === CDS)
        .at(-1)
        ?.names.sort(),
      ["a", "b", "c"],
    );
    await synced(CDS, f.client.acceptedVersion(CDS));
    await reached([h, f], () => f.delivered(EDS).has("c"), "EDS for the new cluster");
  });

  test("a rejected response is NACKed naming the resource and field, and the last accepted version stays", async () => {
    const accepted = f.client.acceptedVersion(CDS);
    f.reject = (typeUrl, resources) =>
      typeUrl === CDS && resources.some((r) => r.name === "bad")
        ? new XdsClientError(XdsClientErrorCode.rejected, "must be positive", {
            resourceName: "bad",
            field: "connect_timeout",
          })
        : undefined;
    await h.put(["clusters", cluster("bad")]);
    await reached([h, f], () => f.client.lastNack !== undefined, "a NACK");
    const nack = f.client.lastNack;
    assert.equal(nack?.typeUrl, CDS);
    assert.equal(nack?.code, XdsClientErrorCode.rejected);
    assert.match(nack?.message ?? "", /"bad".*connect_timeout/);
    assert.equal(f.client.acceptedVersion(CDS), accepted, "a NACK changes nothing");
    await reached([h, f], () => serverView(CDS)?.state === "NACKED", "CDS NACKED on the server");
    assert.equal(serverView(CDS)?.lastNack?.message, nack?.message);
    assert.equal(serverView(CDS)?.versionAcked, accepted);
    assert.equal(serverView(CDS)?.versionSent, nack?.versionRejected);

    f.reject = undefined;
    await h.change({ remove: [["clusters", "bad"]], put: [["clusters", cluster("d")]] });
    await reached([h, f], () => serverView(CDS)?.state === "SYNCED", "CDS SYNCED again");
    assert.notEqual(f.client.acceptedVersion(CDS), accepted);
    assert.equal(serverView(CDS)?.versionAcked, f.client.acceptedVersion(CDS));
  });

  test("a listener naming another route makes the client ask for it and drop the old one", async () => {
    f.routesOf.set("l2", "r2");
    await h.put(["listeners", listener("l2", "r2", 10001)]);
    await reached([h, f], () => f.delivered(RDS).has("r2"), "r2 delivered");
    await reached(
      [h, f],
      () => JSON.stringify(serverView(RDS)?.subscribed) === JSON.stringify(["r1", "r2"]),
      "RDS subscribed to r1 and r2",
    );
    await h.remove(["listeners", "l1"]);
    await reached(
      [h, f],
      () => JSON.stringify(serverView(RDS)?.subscribed) === JSON.stringify(["r2"]),
      "RDS subscribed to r2 only",
    );
    await synced(RDS, f.client.acceptedVersion(RDS));
  });

  test("setNames refuses a wildcard type", () => {
    assert.throws(
      () => f.client.setNames(LDS, ["l1"]),
      (error: unknown) => error instanceof XdsClientError && error.code === XdsClientErrorCode.invalidOptions,
    );
  });

  test("a route configuration no listener names is never asked for", async () => {
    const version = f.client.acceptedVersion(CDS);
    await h.put(["routes", routeConfig("r3", "a")], ["clusters", cluster("e")]);
    await reached([h, f], () => f.client.acceptedVersion(CDS) !== version, "the CDS change of the same commit");
    assert.equal(f.delivered(RDS).has("r3"), false);
    assert.deepEqual(serverView(RDS)?.subscribed, ["r2"]);
  });
});
