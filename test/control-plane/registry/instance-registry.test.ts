// The registry's batching: registrations and deregistrations that arrive while a write is in flight
// are committed together as one revision, each caller answered with what the commit did for its node.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { StoreWriter } from "../../../control-plane/src/api/store-writer.js";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import { Metrics } from "../../../control-plane/src/metrics.js";
import { InstanceRegistry, MAX_BATCH, parseRegistration } from "../../../control-plane/src/registry/index.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";

function registryOn(store: MemoryStore): InstanceRegistry {
  return new InstanceRegistry({ store, writer: new StoreWriter(store, new Metrics()) });
}

const registration = (nodeId: string, address = "127.0.0.1") =>
  parseRegistration(nodeId, { service: "catalog", address, ports: { http: 8080 } });

async function revisionsAfter(store: MemoryStore, revision: number): Promise<number[]> {
  const history = await store.history({ limit: 10_000 });
  return history.map((record) => record.revision).filter((r) => r > revision);
}

describe("registry batching", () => {
  test("registrations that arrive together are committed as one revision and each caller gets its own entry", async () => {
    const store = new MemoryStore();
    const registry = registryOn(store);
    const nodes = Array.from({ length: 50 }, (_, i) => `catalog-${i}`);
    const results = await Promise.all(nodes.map((node) => registry.register(registration(node))));
    // All 50 arrived in the same turn of the event loop.
    assert.deepEqual(await revisionsAfter(store, 0), [1]);
    assert.deepEqual(
      results.map((r) => [r.nodeId, r.name, r.changed]),
      nodes.map((node) => [node, node, true]),
    );
    assert.deepEqual(
      results.map((r) => r.revision),
      nodes.map(() => 1),
    );
    assert.equal((await store.list("workloadentries")).length, 50);
    const record = await store.revisionRecord(1);
    assert.equal(record?.changes.length, 50);
    assert.match(record?.description ?? "", /^50 registry changes: register catalog-0 as workloadentries\/catalog-0;/);
  });

  test("a node named twice in a burst is written in arrival order, its second registration in the next revision", async () => {
    const store = new MemoryStore();
    const registry = registryOn(store);
    const [first, , again] = await Promise.all([
      registry.register(registration("lead")),
      registry.register(registration("twice", "10.0.0.1")),
      registry.register(registration("twice", "10.0.0.2")),
    ]);
    assert.equal(first?.revision, 1);
    assert.equal(again?.revision, 2);
    const entry = await registry.entryOf("twice");
    assert.match(entry?.json ?? "", /"address":"10\.0\.0\.2"/);
  });

  test("a registration repeating what is stored changes nothing and says so, beside a real change in the same batch", async () => {
    const store = new MemoryStore();
    const registry = registryOn(store);
    const stored = await registry.register(registration("same"));
    const [lead, repeat, fresh] = await Promise.all([
      registry.register(registration("lead")),
      registry.register(registration("same")),
      registry.register(registration("fresh")),
    ]);
    assert.equal(lead?.changed, true);
    assert.deepEqual([repeat?.changed, repeat?.revision], [false, stored.revision]);
    assert.deepEqual([fresh?.changed, fresh?.revision], [true, (await store.current()).revision]);
    assert.equal(
      (await store.revisionRecord(fresh?.revision ?? 0))?.changes.length,
      fresh?.revision === lead?.revision ? 2 : 1,
    );
  });

  test("two new nodes whose names meet in one batch take different entries", async () => {
    const store = new MemoryStore();
    const registry = registryOn(store);
    // "Web_1" is no DNS label, so its first candidate is "web-1-" plus its hash: the very id of the other node.
    const hashed = `web-1-${createHash("sha256").update("Web_1", "utf8").digest("hex").slice(0, 8)}`;
    const [lead, a, b] = await Promise.all([
      registry.register(registration("lead")),
      registry.register(registration("Web_1")),
      registry.register(registration(hashed)),
    ]);
    assert.equal(a?.name, hashed);
    assert.notEqual(b?.name, hashed);
    assert.deepEqual([a?.revision, b?.revision], [lead?.revision, lead?.revision]);
    assert.equal((await store.list("workloadentries")).length, 3);
  });

  test("deregistrations are batched too, and one of a node with no entry answers undefined", async () => {
    const store = new MemoryStore();
    const registry = registryOn(store);
    await Promise.all(["a", "b", "c"].map((node) => registry.register(registration(node))));
    const before = (await store.current()).revision;
    const [lead, a, b, none] = await Promise.all([
      registry.register(registration("lead")),
      registry.deregister("a"),
      registry.deregister("b"),
      registry.deregister("never-registered"),
    ]);
    // Both removals arrived while the lead's write was in flight (or joined it): one revision.
    assert.deepEqual([a?.name, b?.name], ["a", "b"]);
    assert.equal(a?.revision, b?.revision);
    assert.ok((a?.revision ?? 0) > before && (a?.revision ?? 0) >= (lead?.revision ?? 0));
    assert.equal(none, undefined);
    assert.deepEqual(
      (await store.list("workloadentries")).map((e) => e.name),
      ["c", "lead"],
    );
  });

  test("a failing commit fails every registration of its batch, and the next batch goes on", async () => {
    const store = new MemoryStore();
    const registry = registryOn(store);
    const commit = store.commit.bind(store);
    let failures = 1;
    store.commit = async (mutations, options) => {
      if (failures-- > 0) throw new WeftError(ErrorCode.storeFailed, "disk full");
      return commit(mutations, options);
    };
    const outcomes = await Promise.allSettled([
      registry.register(registration("x")),
      registry.register(registration("x-too")),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === "rejected" ? (o.reason as WeftError).code : "ok")),
      [ErrorCode.storeFailed, ErrorCode.storeFailed],
    );
    await registry.register(registration("y"));
    assert.deepEqual(
      (await store.list("workloadentries")).map((e) => e.name),
      ["y"],
    );
  });

  test(`a batch holds at most ${MAX_BATCH} operations`, async () => {
    const store = new MemoryStore();
    const registry = registryOn(store);
    const nodes = Array.from({ length: MAX_BATCH + 2 }, (_, i) => `n-${i}`);
    await Promise.all(nodes.map((node) => registry.register(registration(node))));
    const history = await store.history({ limit: 10 });
    assert.deepEqual(
      history.map((r) => r.changes.length),
      [2, MAX_BATCH],
    );
  });
});
