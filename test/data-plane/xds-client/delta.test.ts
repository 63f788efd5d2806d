// The ADS client in delta mode (DeltaAggregatedResources) against the real control plane: the
// handler still gets each type's full current set, built from the deltas the server sends.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { TypeStatus } from "../../../control-plane/src/status/proxy-status.js";
import { XdsClientError, XdsClientErrorCode } from "../../../data-plane/src/xds-client/errors.js";
import type { AdsClientEvent } from "../../../data-plane/src/xds-client/events.js";
import {
  CDS,
  cluster,
  EDS,
  endpoints,
  type Harness,
  LDS,
  listener,
  RDS,
  seedMesh,
  startHarness,
} from "../../control-plane/xds/harness.js";
import { type ClientFixture, clientFixture, reached } from "./client-fixture.js";

const ALL = [LDS, CDS, RDS, EDS];

const viewOf = (h: Harness, typeUrl: string): TypeStatus | undefined =>
  h.status.proxies().find((p) => p.nodeId === "proxy-1")?.types[typeUrl];

const allSynced = (h: Harness) =>
  reached([h], () => ALL.every((t) => viewOf(h, t)?.state === "SYNCED"), "every type SYNCED");

/** The names in the last set handed to the handler of `typeUrl`, sorted. */
const lastSet = (f: ClientFixture, typeUrl: string): string[] | undefined =>
  f.deliveries
    .filter((d) => d.typeUrl === typeUrl)
    .at(-1)
    ?.names.slice()
    .sort();

const acks = (events: readonly AdsClientEvent[], typeUrl: string) =>
  events.flatMap((e) => (e.type === "ack" && e.typeUrl === typeUrl ? [e] : []));

describe("ADS client (delta) against the control plane", () => {
  let h: Harness;
  let f: ClientFixture;
  const synced = (typeUrl: string) =>
    reached(
      [h, f],
      () =>
        viewOf(h, typeUrl)?.state === "SYNCED" &&
        viewOf(h, typeUrl)?.versionAcked === f.client.acceptedVersion(typeUrl),
      `${typeUrl} SYNCED`,
    );

  before(async () => {
    h = await startHarness();
    await seedMesh(h);
    await h.put(["endpoints", endpoints("b")]);
    f = clientFixture([h.address], { protocol: "delta" });
    f.client.start();
  });
  after(async () => {
    f.client.close();
    await h.close();
  });

  test("syncs listeners and clusters by wildcard, routes and endpoints by name, and the server sees every type SYNCED", async () => {
    await reached([h, f], () => f.delivered(RDS).has("r1") && f.delivered(EDS).size === 2, "RDS and EDS delivered");
    assert.deepEqual(lastSet(f, LDS), ["l1"]);
    assert.deepEqual(lastSet(f, CDS), ["a", "b"]);
    assert.deepEqual(lastSet(f, RDS), ["r1"], "only the route the listener names");
    assert.deepEqual(lastSet(f, EDS), ["a", "b"]);
    await allSynced(h);
    for (const typeUrl of ALL) await synced(typeUrl);
    assert.deepEqual(viewOf(h, LDS)?.subscribed, ["*"]);
    assert.deepEqual(viewOf(h, CDS)?.subscribed, ["*"]);
    assert.deepEqual(viewOf(h, RDS)?.subscribed, ["r1"]);
    assert.deepEqual(viewOf(h, EDS)?.subscribed, ["a", "b"]);
    assert.ok(f.client.connected);
  });

  test("an update sends only the changed resource, and the handler gets the full updated set", async () => {
    const before = acks(f.events, CDS).length;
    await h.put(["clusters", cluster("c")], ["endpoints", endpoints("c")]);
    await reached([h, f], () => acks(f.events, CDS).length > before, "a CDS update ACKed");
    const ack = acks(f.events, CDS).at(-1);
    assert.deepEqual(ack?.delta, { updated: ["c"], removed: [] }, "only the new cluster was sent");
    assert.deepEqual(lastSet(f, CDS), ["a", "b", "c"]);
    await reached([h, f], () => lastSet(f, EDS)?.join() === "a,b,c", "EDS for the new cluster");
    await synced(CDS);
  });

  test("a subscribed route configuration that is deleted is removed from the handler's set", async () => {
    await h.remove(["routes", "r1"]);
    await reached([h, f], () => lastSet(f, RDS)?.length === 0, "r1 removed");
    assert.deepEqual(acks(f.events, RDS).at(-1)?.delta, { updated: [], removed: ["r1"] });
    await synced(RDS);
  });

  test("a NACK keeps the previous set, shows NACKED on the server, and the next good update builds on the old set", async () => {
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
    assert.equal(f.client.lastNack?.typeUrl, CDS);
    assert.match(f.client.lastNack?.message ?? "", /"bad".*connect_timeout/);
    assert.equal(f.client.acceptedVersion(CDS), accepted, "a NACK changes nothing");
    await reached([h, f], () => viewOf(h, CDS)?.state === "NACKED", "CDS NACKED on the server");
    assert.equal(viewOf(h, CDS)?.lastNack?.message, f.client.lastNack?.message);

    f.reject = undefined;
    await h.change({ remove: [["clusters", "bad"]], put: [["clusters", cluster("d")]] });
    await reached([h, f], () => viewOf(h, CDS)?.state === "SYNCED", "CDS SYNCED again");
    assert.deepEqual(lastSet(f, CDS), ["a", "b", "c", "d"], "the rejected cluster never entered the set");
    await synced(CDS);
  });

  test("a listener naming another route subscribes it, and dropping the old listener unsubscribes", async () => {
    f.routesOf.set("l2", "r2");
    await h.put(["listeners", listener("l2", "r2", 10001)]);
    await reached([h, f], () => lastSet(f, RDS)?.join() === "r2", "r2 delivered");
    await reached(
      [h, f],
      () => JSON.stringify(viewOf(h, RDS)?.subscribed) === JSON.stringify(["r1", "r2"]),
      "RDS subscribed to r1 and r2",
    );
    await h.remove(["listeners", "l1"]);
    await reached(
      [h, f],
      () => JSON.stringify(viewOf(h, RDS)?.subscribed) === JSON.stringify(["r2"]),
      "RDS subscribed to r2 only",
    );
    assert.deepEqual(lastSet(f, LDS), ["l2"]);
    await synced(RDS);
  });
});

/** Runs a fixture script under tsx and returns it with the first line it prints. */
async function controlPlaneProcess(): Promise<{ child: ChildProcess; address: string }> {
  const path = new URL("./fixtures/control-plane-process.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import", "tsx", path], { stdio: ["ignore", "pipe", "inherit"] });
  let text = "";
  for await (const chunk of child.stdout ?? []) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return { child, address: text.split("\n")[0] ?? "" };
}

describe("ADS client (delta) reconnects", () => {
  test("failing over, it resends its names with initial_resource_versions, and unchanged resources are not resent", async () => {
    const first = await controlPlaneProcess();
    const second = await startHarness();
    const f = clientFixture([first.address, second.address], { protocol: "delta" });
    try {
      await seedMesh(second);
      f.client.start();
      await reached(
        [second, f],
        () => f.delivered(EDS).size > 0 && f.delivered(RDS).has("r1"),
        "synced with the first",
      );
      await reached([second, f], () => ALL.every((t) => acks(f.events, t).length > 0), "every type ACKed");
      const sets = new Map(ALL.map((t) => [t, lastSet(f, t)]));
      const deliveries = f.deliveries.length;

      first.child.kill("SIGKILL");
      await reached([second, f], () => f.events.some((e) => e.type === "disconnected"), "a disconnect");
      await reached(
        [second, f],
        () => f.client.connected && f.client.server === second.address,
        "on the second",
        5_000,
      );
      const reconnectedAt = f.events.findIndex((e) => e.type === "disconnected");
      await allSynced(second);
      assert.deepEqual(viewOf(second, RDS)?.subscribed, ["r1"], "named subscriptions are resent");
      assert.deepEqual(viewOf(second, LDS)?.subscribed, ["*"]);
      // The second server had every version the client reported, so it sent nothing new.
      for (const typeUrl of ALL) {
        const after = acks(f.events.slice(reconnectedAt), typeUrl);
        assert.ok(after.length > 0, `${typeUrl} answered and ACKed on the new stream`);
        for (const ack of after) {
          assert.deepEqual(ack.delta, { updated: [], removed: [] }, `${typeUrl} resent nothing`);
        }
      }
      assert.equal(f.deliveries.length, deliveries, "the handlers were not called again");
      for (const typeUrl of ALL) assert.deepEqual(lastSet(f, typeUrl), sets.get(typeUrl));

      await second.put(["clusters", cluster("c")]);
      await reached([second, f], () => lastSet(f, CDS)?.join() === "a,b,c", "an update from the second");
      assert.deepEqual(acks(f.events, CDS).at(-1)?.delta, { updated: ["c"], removed: [] });
    } finally {
      f.client.close();
      await second.close();
      first.child.kill("SIGKILL");
    }
  });
});
