// A registered instance lives while its node has an xDS stream: once the node's last stream ends,
// the entry is removed after exactly the grace period unless a stream comes back; after a start,
// every registered entry gets one grace period. Time is a manual clock; no test sleeps.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { StoreWriter } from "../../../control-plane/src/api/store-writer.js";
import { Metrics } from "../../../control-plane/src/metrics.js";
import {
  InstanceRegistry,
  parseRegistration,
  RegistrationLiveness,
} from "../../../control-plane/src/registry/index.js";
import { type Connection, StatusRegistry } from "../../../control-plane/src/status/registry.js";
import type { RevisionRecord } from "../../../control-plane/src/store/config-store.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";
import { ManualClock } from "../../time/manual-clock.js";

const GRACE = 10_000;

let nextStream = 1;
function connection(nodeId: string): Connection {
  return {
    streamId: nextStream++,
    node: { id: nodeId, cluster: "", metadata: {}, userAgent: "test", raw: {} },
    address: "127.0.0.1:1",
    connectedAt: new Date(0),
    protocol: "sotw",
    types: () => ({}),
    resources: () => [],
  };
}

interface World {
  readonly store: MemoryStore;
  readonly clock: ManualClock;
  readonly status: StatusRegistry;
  readonly registry: InstanceRegistry;
  readonly liveness: RegistrationLiveness;
  register(nodeId: string): Promise<string>;
  /** Resolves with the next revision the store commits. */
  nextRevision(): Promise<RevisionRecord>;
}

/** A control plane's registry and liveness on `store` (a fresh one unless given: a restart keeps it). */
function world(store = new MemoryStore(), clock = new ManualClock()): World {
  const status = new StatusRegistry();
  const registry = new InstanceRegistry({ store, writer: new StoreWriter(store, new Metrics()) });
  const liveness = new RegistrationLiveness({
    registry,
    streams: status,
    clock,
    graceMs: GRACE,
    logger: pino({ level: "silent" }),
  });
  return {
    store,
    clock,
    status,
    registry,
    liveness,
    register: async (nodeId) =>
      (await registry.register(parseRegistration(nodeId, { service: "catalog", address: "127.0.0.1" }))).name,
    nextRevision: async () => {
      const { revision } = await store.current();
      return new Promise((resolve) => {
        const stop = store.watch(revision, (event) => {
          if (event.type !== "revision") return;
          stop();
          resolve(event.record);
        });
      });
    },
  };
}

async function isRegistered(w: World, nodeId: string): Promise<boolean> {
  return (await w.registry.entryOf(nodeId)) !== undefined;
}

describe("liveness of registered instances", () => {
  test("an instance whose node's stream ends is removed exactly when the grace period ends", async () => {
    const w = world();
    await w.liveness.start();
    const disconnect = w.status.connect(connection("catalog-1"));
    const name = await w.register("catalog-1");
    assert.equal(w.clock.pendingCount, 0, "a connected node's entry waits on no timer");

    disconnect();
    assert.deepEqual(w.clock.delays(), [GRACE]);
    await w.clock.advance(GRACE - 1);
    assert.ok(await isRegistered(w, "catalog-1"), "kept until the grace period ends");

    const removal = w.nextRevision();
    await w.clock.advance(1);
    const record = await removal;
    assert.deepEqual(
      record.changes.map((change) => [change.kind, change.name, change.op]),
      [["workloadentries", name, "delete"]],
    );
    assert.equal(await isRegistered(w, "catalog-1"), false);
    await w.liveness.stop();
  });

  test("a stream back within the grace period keeps the instance", async () => {
    const w = world();
    await w.liveness.start();
    const disconnect = w.status.connect(connection("catalog-1"));
    await w.register("catalog-1");
    const before = await w.store.current();

    disconnect();
    await w.clock.advance(GRACE - 1);
    w.status.connect(connection("catalog-1"));
    assert.equal(w.clock.pendingCount, 0, "the reconnect cancels the removal");
    await w.clock.advance(GRACE * 3);
    assert.ok(await isRegistered(w, "catalog-1"));
    assert.equal((await w.store.current()).revision, before.revision, "nothing was written");
    await w.liveness.stop();
  });

  test("while one of a node's streams remains, the end of another starts no grace period", async () => {
    const w = world();
    await w.liveness.start();
    const first = w.status.connect(connection("catalog-1"));
    w.status.connect(connection("catalog-1"));
    await w.register("catalog-1");
    first();
    assert.equal(w.clock.pendingCount, 0);
    await w.liveness.stop();
  });

  test("an instance registered without any stream from its node gets one grace period", async () => {
    const w = world();
    await w.liveness.start();
    await w.register("catalog-1");
    assert.deepEqual(w.clock.delays(), [GRACE]);
    await w.clock.advance(GRACE / 2);
    await w.register("catalog-1");
    assert.deepEqual(w.clock.delays(), [GRACE / 2], "registering again does not extend the grace period");
    const removal = w.nextRevision();
    await w.clock.advance(GRACE / 2);
    await removal;
    assert.equal(await isRegistered(w, "catalog-1"), false);
    await w.liveness.stop();
  });

  test("after a restart, registered entries survive and get one grace period for their node to reconnect", async () => {
    const store = new MemoryStore();
    const before = world(store);
    await before.liveness.start();
    before.status.connect(connection("back"));
    before.status.connect(connection("gone"));
    await before.register("back");
    await before.register("gone");
    await before.liveness.stop();

    // A new control plane on the same store: no streams yet.
    const after = world(store);
    await after.liveness.start();
    assert.ok(await isRegistered(after, "back"));
    assert.ok(await isRegistered(after, "gone"));
    assert.deepEqual(after.liveness.waiting, ["back", "gone"]);
    assert.deepEqual(after.clock.delays(), [GRACE, GRACE]);

    await after.clock.advance(GRACE - 1);
    after.status.connect(connection("back"));
    const removal = after.nextRevision();
    await after.clock.advance(1);
    const record = await removal;
    assert.deepEqual(
      record.changes.map((change) => change.name),
      ["gone"],
    );
    assert.ok(await isRegistered(after, "back"), "the node that reconnected keeps its entry");
    assert.equal(await isRegistered(after, "gone"), false);
    await after.liveness.stop();
  });

  test("stop clears every grace timer", async () => {
    const w = world();
    await w.liveness.start();
    await w.register("catalog-1");
    assert.equal(w.clock.pendingCount, 1);
    await w.liveness.stop();
    assert.equal(w.clock.pendingCount, 0);
    await w.clock.advance(GRACE);
    assert.ok(await isRegistered(w, "catalog-1"));
  });
});
