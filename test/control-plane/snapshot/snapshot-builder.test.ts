// SnapshotBuilder over an in-memory store: debouncing, content-derived versions that survive a
// restart, resources encoded once and shared, the consistency check, synthetic empty endpoint
// assignments, and recovery when the store's history was compacted (issue 3, "Snapshots").
// Time is a manual clock: debouncing is checked against exact instants, and no test sleeps.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { KINDS, type KindName, parseResource } from "../../../control-plane/src/resources/index.js";
import type { Snapshot } from "../../../control-plane/src/snapshot/snapshot.js";
import { SnapshotBuilder, type SnapshotBuilderOptions } from "../../../control-plane/src/snapshot/snapshot-builder.js";
import type {
  CommitConditions,
  CommitResult,
  ConfigStore,
  Mutation,
  RevisionRecord,
  StoredResource,
  StoreState,
  WatchEvent,
} from "../../../control-plane/src/store/config-store.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import { ManualClock } from "../../time/manual-clock.js";
import { cluster, endpoints, listener, routeConfig } from "../xds/harness.js";

const LDS = KINDS.listeners.typeUrl;
const RDS = KINDS.routes.typeUrl;
const CDS = KINDS.clusters.typeUrl;
const EDS = KINDS.endpoints.typeUrl;
const logger = pino({ level: "silent" });

const put = (kind: KindName, json: unknown): Mutation => {
  const parsed = parseResource(kind, json);
  return { op: "put", kind, name: parsed.name, json: parsed.json, version: parsed.version };
};
const del = (kind: KindName, name: string): Mutation => ({ op: "delete", kind, name });

/**
 * A started builder on a manual clock, its first snapshot, and every snapshot it publishes after
 * that with the clock's time at publication.
 */
async function startBuilder(store: ConfigStore, options: Partial<SnapshotBuilderOptions> = {}) {
  const clock = new ManualClock(0);
  const maxDelayMs = options.maxDelayMs ?? 5;
  const builder = new SnapshotBuilder({ store, logger, debounceMs: 1, maxDelayMs, clock, ...options });
  const first = await builder.start();
  const published: Snapshot[] = [];
  const publishedAt: number[] = [];
  builder.subscribe((s) => {
    published.push(s);
    publishedAt.push(clock.now());
  });
  /** Moves the clock on, maxDelay at a time, until a snapshot at or after `revision` is published. */
  const reach = async (revision: number): Promise<Snapshot> => {
    for (let step = 0; step < 10; step++) {
      const current = builder.current();
      if (current && current.revision >= revision) return current;
      await clock.advance(maxDelayMs);
    }
    throw new Error(`no snapshot reached revision ${revision}`);
  };
  return { builder, clock, first, published, publishedAt, reach };
}

const BASE: Mutation[] = [
  put("clusters", cluster("a")),
  put("clusters", cluster("b")),
  put("endpoints", endpoints("a")),
  put("routes", routeConfig("r1", "a")),
  put("listeners", listener("l1", "r1")),
];

describe("SnapshotBuilder: when snapshots are built", () => {
  test("a burst of 50 commits 1 ms apart is debounced into one snapshot, debounceMs after the last commit", async () => {
    const store = new MemoryStore();
    const { builder, clock, published, publishedAt } = await startBuilder(store, { debounceMs: 20, maxDelayMs: 1_000 });
    let revision = 0;
    for (let i = 0; i < 50; i++) {
      revision = (await store.commit([put("clusters", cluster(`burst-${i}`))])).revision;
      await clock.advance(1);
    }
    assert.equal(published.length, 0, "nothing while the commits come closer than the debounce window");
    await clock.advance(18);
    assert.equal(published.length, 0, "not before debounceMs has passed since the last commit");
    await clock.advance(1);
    assert.equal(published.length, 1);
    assert.deepEqual(publishedAt, [69], "published 20 ms after the last commit (at 49 ms)");
    assert.equal(published[0]?.resources(CDS).size, 50);
    assert.equal(published[0]?.revision, revision);
    builder.stop();
  });

  test("under a continuous stream of writes, maxDelay still publishes snapshots while the writes go on", async () => {
    const store = new MemoryStore();
    // Writes come every 5 ms, closer than the debounce window: only maxDelay can publish meanwhile.
    const { builder, clock, published, publishedAt, reach } = await startBuilder(store, {
      debounceMs: 40,
      maxDelayMs: 60,
    });
    let revision = 0;
    for (let i = 0; i < 80; i++) {
      revision = (await store.commit([put("clusters", cluster("busy", { connect_timeout: `${i + 1}s` }))])).revision;
      await clock.advance(5);
    }
    // The writes span 0..395 ms; each burst starts with the write right after a publication.
    assert.deepEqual(publishedAt, [60, 120, 180, 240, 300, 360], "maxDelay after each burst's first write");
    await reach(revision);
    assert.equal(published.at(-1)?.revision, revision);
    const revisions = published.map((s) => s.revision);
    assert.deepEqual(
      revisions,
      [...revisions].sort((a, b) => a - b),
      "revisions only go forward",
    );
    builder.stop();
  });

  test("when building and handing out a snapshot takes long, the next waits as long again (pacing)", async () => {
    const store = new MemoryStore();
    const { builder, clock, publishedAt } = await startBuilder(store, { debounceMs: 40, maxDelayMs: 60 });
    // Each hand-out to the streams takes 100 ms of the control plane's time.
    builder.subscribe(() => clock.spend(100));
    for (let i = 0; i < 100; i++) {
      await store.commit([put("clusters", cluster("busy", { connect_timeout: `${i + 1}s` }))]);
      await clock.advance(5);
    }
    // Published at 60, busy until 160, so not before 260; busy until 360, not before 460.
    assert.deepEqual(publishedAt.slice(0, 3), [60, 260, 460]);
    builder.stop();
  });

  test("stop() ends publishing and leaves no timer behind", async () => {
    const store = new MemoryStore();
    const { builder, clock, published } = await startBuilder(store);
    await store.commit([put("clusters", cluster("before-stop"))]);
    await clock.runDue();
    assert.equal(clock.pendingCount, 1, "a build is scheduled");
    builder.stop();
    assert.equal(clock.pendingCount, 0, "and cancelled by stop()");
    await store.commit([put("clusters", cluster("after-stop"))]);
    await clock.advance(1_000);
    assert.equal(published.length, 0);
  });

  test("a compaction event makes the builder reload the store and watch again", async () => {
    const store = new StallingStore();
    await store.commit(BASE);
    const { builder, reach } = await startBuilder(store);
    // The first watch stalls; these commits are missed until the watcher is told it fell behind.
    await store.commit([put("clusters", cluster("missed-1"))]);
    const { revision } = await store.commit([put("clusters", cluster("missed-2")), del("clusters", "b")]);
    assert.equal(builder.current()?.resources(CDS).has("missed-1"), false);
    store.compact();
    const reloaded = await reach(revision);
    assert.deepEqual([...reloaded.resources(CDS).keys()].sort(), ["a", "missed-1", "missed-2"]);
    assert.equal(store.watches, 2, "watching again after the reload");
    const later = await store.commit([put("clusters", cluster("after-reload"))]);
    assert.ok((await reach(later.revision)).resources(CDS).has("after-reload"));
    builder.stop();
  });
});

describe("SnapshotBuilder: versions and encoding", () => {
  test("versions are stable across a rebuild by a fresh builder over the same store (a restart)", async () => {
    const store = new MemoryStore();
    await store.commit(BASE);
    const one = await startBuilder(store);
    const two = await startBuilder(store);
    for (const typeUrl of [LDS, RDS, CDS, EDS]) {
      assert.equal(one.first.versionOf(typeUrl), two.first.versionOf(typeUrl), typeUrl);
      for (const [name, resource] of one.first.resources(typeUrl)) {
        const again = two.first.resources(typeUrl).get(name);
        assert.equal(again?.version, resource.version);
        assert.deepEqual(again?.anyBytes, resource.anyBytes, "the same bytes, too");
      }
    }
    one.builder.stop();
    two.builder.stop();
  });

  test("equal content has equal versions, whatever the history that led to it", async () => {
    const direct = new MemoryStore();
    await direct.commit(BASE);
    const winding = new MemoryStore();
    await winding.commit([put("clusters", cluster("b", { connect_timeout: "9s" })), put("clusters", cluster("tmp"))]);
    await winding.commit([...BASE].reverse());
    await winding.commit([del("clusters", "tmp")]);
    const one = await startBuilder(direct);
    const two = await startBuilder(winding);
    assert.notEqual(one.first.revision, two.first.revision);
    for (const typeUrl of [LDS, RDS, CDS, EDS])
      assert.equal(one.first.versionOf(typeUrl), two.first.versionOf(typeUrl));
    one.builder.stop();
    two.builder.stop();
  });

  test("versionOf differs for different contents and names, and ignores names that do not exist", async () => {
    const store = new MemoryStore();
    await store.commit(BASE);
    const { builder, first, reach } = await startBuilder(store);
    const { revision } = await store.commit([put("clusters", cluster("b", { connect_timeout: "5s" }))]);
    const second = await reach(revision);
    assert.notEqual(second.versionOf(CDS), first.versionOf(CDS));
    assert.equal(second.versionOf(CDS, new Set(["a"])), first.versionOf(CDS, new Set(["a"])), "a did not change");
    assert.notEqual(second.versionOf(CDS, new Set(["b"])), first.versionOf(CDS, new Set(["b"])));
    assert.notEqual(first.versionOf(CDS, new Set(["a"])), first.versionOf(CDS, new Set(["b"])));
    assert.equal(first.versionOf(CDS, new Set(["a", "nope"])), first.versionOf(CDS, new Set(["a"])));
    assert.equal(first.versionOf(CDS), first.versionOf(CDS, new Set(["a", "b"])), "all names = the whole type");
    assert.notEqual(first.versionOf(CDS), first.versionOf(LDS));
    builder.stop();
  });

  test("an unchanged resource keeps the very same encoded object from one snapshot to the next", async () => {
    const store = new MemoryStore();
    await store.commit([...BASE, put("clusters", cluster("no-endpoints"))]);
    const { builder, first, reach } = await startBuilder(store);
    const { revision } = await store.commit([put("clusters", cluster("b", { connect_timeout: "5s" }))]);
    const second = await reach(revision);
    const before = first.resources(CDS).get("a");
    const after = second.resources(CDS).get("a");
    assert.ok(before && after);
    assert.equal(after, before, "same object");
    assert.equal(after.anyBytes, before.anyBytes);
    assert.equal(after.sotwEntry, before.sotwEntry);
    assert.equal(after.deltaEntry, before.deltaEntry);
    assert.notEqual(second.resources(CDS).get("b"), first.resources(CDS).get("b"), "b was re-encoded");
    assert.equal(second.resources(LDS), first.resources(LDS), "a type whose resources all held keeps its map");
    assert.notEqual(second.resources(CDS), first.resources(CDS));
    assert.equal(
      second.resources(EDS).get("no-endpoints"),
      first.resources(EDS).get("no-endpoints"),
      "synthetic assignments are reused too",
    );
    builder.stop();
  });
});

describe("SnapshotBuilder: content checks", () => {
  test("a listener naming a missing route configuration and a route naming a missing cluster are reported, not fatal", async () => {
    const store = new MemoryStore();
    await store.commit([
      put("clusters", cluster("a")),
      put("routes", routeConfig("to-nowhere", "missing-cluster")),
      put("listeners", listener("dangling", "missing-route")),
    ]);
    const { builder, first, reach } = await startBuilder(store);
    const issue = (typeUrl: string, name: string) => first.issues.find((i) => i.typeUrl === typeUrl && i.name === name);
    assert.match(issue(LDS, "dangling")?.message ?? "", /missing-route/);
    assert.match(issue(RDS, "to-nowhere")?.message ?? "", /missing-cluster/);
    assert.equal(first.issues.length, 2);
    assert.ok(first.resources(LDS).has("dangling"), "published anyway");
    assert.ok(first.resources(RDS).has("to-nowhere"));
    const { revision } = await store.commit([
      put("routes", routeConfig("missing-route", "a")),
      put("clusters", cluster("missing-cluster")),
    ]);
    assert.deepEqual((await reach(revision)).issues, [], "fixed config, no issues");
    builder.stop();
  });

  test("a stored resource that does not decode is reported and left out; the rest is published", async () => {
    const store = new MemoryStore();
    await store.commit([
      put("clusters", cluster("a")),
      { op: "put", kind: "clusters", name: "broken", json: "{not json", version: "x" },
    ]);
    const { builder, first } = await startBuilder(store);
    assert.ok(first.resources(CDS).has("a"));
    assert.ok(!first.resources(CDS).has("broken"));
    assert.ok(first.issues.some((i) => i.typeUrl === CDS && i.name === "broken"));
    builder.stop();
  });

  test("every EDS cluster without stored endpoints is served an empty assignment, named by service_name when set", async () => {
    const store = new MemoryStore();
    await store.commit([
      put("clusters", cluster("with-endpoints")),
      put("endpoints", endpoints("with-endpoints")),
      put("clusters", cluster("bare")),
      put("clusters", cluster("aliased", { eds_cluster_config: { eds_config: { ads: {} }, service_name: "svc" } })),
      put("clusters", cluster("also-svc", { eds_cluster_config: { eds_config: { ads: {} }, service_name: "svc" } })),
      put("clusters", {
        name: "dns",
        type: "LOGICAL_DNS",
        connect_timeout: "1s",
        load_assignment: {
          cluster_name: "dns",
          endpoints: [
            {
              lb_endpoints: [{ endpoint: { address: { socket_address: { address: "example.com", port_value: 80 } } } }],
            },
          ],
        },
      }),
    ]);
    const { builder, first, reach } = await startBuilder(store);
    const eds = first.resources(EDS);
    assert.deepEqual([...eds.keys()].sort(), ["bare", "svc", "with-endpoints"]);
    assert.equal(eds.get("with-endpoints")?.synthetic, false);
    for (const name of ["bare", "svc"]) {
      const synthetic = eds.get(name);
      assert.equal(synthetic?.synthetic, true);
      const message = synthetic?.message as ClusterLoadAssignment;
      assert.equal(message.clusterName, name);
      assert.deepEqual(message.endpoints, []);
    }
    const { revision } = await store.commit([put("endpoints", endpoints("svc", 9000))]);
    const stored = (await reach(revision)).resources(EDS).get("svc");
    assert.equal(stored?.synthetic, false, "stored endpoints replace the synthetic assignment");
    const removed = await store.commit([del("endpoints", "svc")]);
    assert.equal((await reach(removed.revision)).resources(EDS).get("svc")?.synthetic, true, "and it comes back");
    builder.stop();
  });
});

/**
 * A MemoryStore whose first watch stalls (delivers nothing) until compact() tells it that it fell
 * behind the kept history, as a store does to a watcher that lagged too far.
 */
class StallingStore implements ConfigStore {
  readonly #inner = new MemoryStore();
  #stalled: ((event: WatchEvent) => void) | undefined;
  watches = 0;

  compact(): void {
    const listener = this.#stalled;
    this.#stalled = undefined;
    queueMicrotask(() => listener?.({ type: "compacted", oldestRevision: 1_000 }));
  }

  watch(fromRevision: number, listener: (event: WatchEvent) => void): () => void {
    this.watches++;
    if (this.watches > 1) return this.#inner.watch(fromRevision, listener);
    this.#stalled = listener;
    return () => {
      this.#stalled = undefined;
    };
  }

  current(): Promise<StoreState> {
    return this.#inner.current();
  }
  get(kind: KindName, name: string): Promise<StoredResource | undefined> {
    return this.#inner.get(kind, name);
  }
  list(kind: KindName): Promise<StoredResource[]> {
    return this.#inner.list(kind);
  }
  commit(
    mutations: readonly Mutation[],
    options?: { conditions?: CommitConditions; description?: string },
  ): Promise<CommitResult> {
    return this.#inner.commit(mutations, options);
  }
  history(options?: { limit?: number; before?: number }): Promise<RevisionRecord[]> {
    return this.#inner.history(options);
  }
  revisionRecord(revision: number): Promise<RevisionRecord | undefined> {
    return this.#inner.revisionRecord(revision);
  }
  stateAt(revision: number): Promise<StoreState> {
    return this.#inner.stateAt(revision);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}
