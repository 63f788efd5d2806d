// The behaviour every ConfigStore must show, whatever holds the data. Each implementation's test
// file calls storeContract() with a factory for fresh, empty stores.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import { parseMeshDocument } from "../../../control-plane/src/mesh/index.js";
import type {
  ConfigStore,
  Mutation,
  RevisionRecord,
  WatchEvent,
} from "../../../control-plane/src/store/config-store.js";
import { httpRoute, service } from "../mesh/mesh-documents.js";
import { checkAgainstModel } from "./store-model.js";
import { del, jsonOf, put, steppingClock, versionOf } from "./test-resources.js";
import { record, settle, until } from "./watch-recorder.js";

export interface StoreOptions {
  historyLimit?: number;
  now?: () => Date;
}

/** Opens a fresh, empty store; the contract closes it. */
export type MakeStore = (options: StoreOptions) => Promise<ConfigStore>;

export interface ContractOptions {
  /** Runs of the model-based property (each opens a fresh store). */
  readonly modelRuns?: number;
}

function withCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof WeftError, `expected a WeftError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

function tagOf(json: string): string {
  return (JSON.parse(json) as { tag: string }).tag;
}

export function storeContract(name: string, makeStore: MakeStore, options: ContractOptions = {}): void {
  describe(`${name} keeps the ConfigStore contract`, () => {
    const opened: ConfigStore[] = [];
    async function fresh(storeOptions: StoreOptions = {}): Promise<ConfigStore> {
      const store = await makeStore(storeOptions);
      opened.push(store);
      return store;
    }
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    describe("reads and writes", () => {
      test("an empty store is at revision 0 and holds nothing", async () => {
        const store = await fresh();
        assert.deepEqual(await store.current(), { revision: 0, resources: [] });
        assert.equal(await store.get("clusters", "a"), undefined);
        assert.deepEqual(await store.list("clusters"), []);
        assert.deepEqual(await store.history(), []);
      });

      test("a put creates the resource at revision 1 with its json and version", async () => {
        const store = await fresh();
        const result = await store.commit([put("clusters", "a", "1")]);
        assert.equal(result.revision, 1);
        const stored = { kind: "clusters", name: "a", json: jsonOf("a", "1"), version: versionOf("1"), modRevision: 1 };
        assert.deepEqual(result.changes, [
          { kind: "clusters", name: "a", op: "put", before: undefined, after: stored },
        ]);
        assert.deepEqual(await store.get("clusters", "a"), stored);
        assert.deepEqual(await store.current(), { revision: 1, resources: [stored] });
      });

      test("a put of new content replaces the resource and moves its modRevision", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        await store.commit([put("clusters", "b", "1")]);
        const { changes } = await store.commit([put("clusters", "a", "2")]);
        assert.equal(changes[0]?.before?.version, versionOf("1"));
        assert.equal(changes[0]?.after?.version, versionOf("2"));
        const a = await store.get("clusters", "a");
        assert.equal(a?.version, versionOf("2"));
        assert.equal(a?.modRevision, 3);
        assert.equal((await store.get("clusters", "b"))?.modRevision, 2);
      });

      test("list returns one kind sorted by name; current() orders by kind, then name", async () => {
        const store = await fresh();
        await store.commit([
          put("routes", "r", "1"),
          put("clusters", "b", "1"),
          put("endpoints", "b", "1"),
          put("clusters", "a", "1"),
          put("listeners", "l", "1"),
        ]);
        assert.deepEqual(
          (await store.list("clusters")).map((r) => r.name),
          ["a", "b"],
        );
        assert.deepEqual(await store.list("endpoints").then((list) => list.map((r) => r.kind)), ["endpoints"]);
        assert.deepEqual(
          (await store.current()).resources.map((r) => `${r.kind}/${r.name}`),
          ["listeners/l", "routes/r", "clusters/a", "clusters/b", "endpoints/b"],
        );
      });

      test("mesh documents are kept beside Envoy resources, after them in order, and rewound like them", async () => {
        const store = await fresh();
        const catalog = parseMeshDocument("services", service("catalog"));
        const route = parseMeshDocument("httproutes", httpRoute());
        const mutation = (parsed: typeof catalog | typeof route): Mutation => ({
          op: "put",
          kind: parsed.kind,
          name: parsed.name,
          json: parsed.json,
          version: parsed.version,
        });
        await store.commit([mutation(route), put("clusters", "a", "1"), mutation(catalog)]);
        await store.commit([del("services", "catalog")]);
        assert.deepEqual(
          (await store.current()).resources.map((r) => `${r.kind}/${r.name}`),
          ["clusters/a", "httproutes/catalog"],
        );
        assert.equal((await store.get("httproutes", "catalog"))?.json, route.json);
        assert.deepEqual(
          (await store.stateAt(1)).resources.map((r) => `${r.kind}/${r.name}@${r.version}`),
          ["clusters/a@v-1", `services/catalog@${catalog.version}`, `httproutes/catalog@${route.version}`],
        );
        assert.deepEqual(
          (await store.list("services")).map((r) => r.name),
          [],
        );
      });

      test("a delete removes the resource and its change keeps what was deleted", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        const { revision, changes } = await store.commit([del("clusters", "a")]);
        assert.equal(revision, 2);
        assert.deepEqual(changes, [
          {
            kind: "clusters",
            name: "a",
            op: "delete",
            before: { kind: "clusters", name: "a", json: jsonOf("a", "1"), version: versionOf("1"), modRevision: 1 },
            after: undefined,
          },
        ]);
        assert.equal(await store.get("clusters", "a"), undefined);
        assert.deepEqual(await store.list("clusters"), []);
      });

      test("one commit of many mutations is one revision holding every change, in resource order", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "old", "1")]);
        const result = await store.commit([
          put("routes", "r", "1"),
          del("clusters", "old"),
          put("clusters", "new", "1"),
          put("listeners", "l", "1"),
        ]);
        assert.equal(result.revision, 2);
        assert.deepEqual(
          result.changes.map((c) => `${c.op} ${c.kind}/${c.name}`),
          ["put listeners/l", "put routes/r", "put clusters/new", "delete clusters/old"],
        );
        assert.deepEqual((await store.revisionRecord(2))?.changes, result.changes);
        assert.equal((await store.current()).revision, 2);
      });

      test("a put of the version already stored is no change and creates no revision", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        assert.deepEqual(await store.commit([put("clusters", "a", "1")]), { revision: 1, changes: [] });
        assert.equal((await store.get("clusters", "a"))?.modRevision, 1);
        assert.equal((await store.history()).length, 1);
      });

      test("a delete of an absent resource, or an empty commit, is no change", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        assert.deepEqual(await store.commit([del("clusters", "missing")]), { revision: 1, changes: [] });
        assert.deepEqual(await store.commit([]), { revision: 1, changes: [] });
        assert.equal((await store.current()).revision, 1);
      });

      test("a commit mixing no-ops and changes reports only the changes", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        const { revision, changes } = await store.commit([
          put("clusters", "a", "1"),
          del("clusters", "missing"),
          put("clusters", "b", "1"),
        ]);
        assert.equal(revision, 2);
        assert.deepEqual(
          changes.map((c) => c.name),
          ["b"],
        );
      });

      test("a resource named twice in one commit ends as the last mutation left it", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        const replaced = await store.commit([put("clusters", "a", "2"), put("clusters", "a", "3")]);
        assert.deepEqual(
          replaced.changes.map((c) => [c.before?.version, c.after?.version]),
          [[versionOf("1"), versionOf("3")]],
        );
        // Changed and changed back within one commit: nothing changed.
        assert.deepEqual(await store.commit([put("clusters", "a", "9"), put("clusters", "a", "3")]), {
          revision: 2,
          changes: [],
        });
        assert.deepEqual(await store.commit([put("clusters", "x", "1"), del("clusters", "x")]), {
          revision: 2,
          changes: [],
        });
        const deleted = await store.commit([put("clusters", "a", "4"), del("clusters", "a")]);
        assert.deepEqual(
          deleted.changes.map((c) => [c.op, c.before?.version, c.after]),
          [["delete", versionOf("3"), undefined]],
        );
      });

      test("each revision records its description and the injected clock's time", async () => {
        const store = await fresh({ now: steppingClock() });
        await store.commit([put("clusters", "a", "1")], { description: "first" });
        await store.commit([put("clusters", "a", "2")]);
        const [second, first] = await store.history();
        assert.equal(first?.description, "first");
        assert.equal(first?.time, "2025-01-01T00:00:00.000Z");
        assert.equal(second?.description, "");
        assert.equal(second?.time, "2025-01-01T00:00:01.000Z");
      });
    });

    describe("conditions", () => {
      test("a matching storeRevision lets the commit through", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        const result = await store.commit([put("clusters", "a", "2")], { conditions: { storeRevision: 1 } });
        assert.equal(result.revision, 2);
      });

      test("a stale storeRevision fails with CONFLICT naming it, and nothing changes", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        await store.commit([put("clusters", "b", "1")]);
        const before = await store.current();
        await assert.rejects(
          store.commit([put("clusters", "a", "2"), put("clusters", "c", "1")], { conditions: { storeRevision: 1 } }),
          (error) => {
            withCode(ErrorCode.conflict)(error);
            assert.deepEqual(
              (error as WeftError).details.map((d) => d.path),
              ["storeRevision"],
            );
            return true;
          },
        );
        assert.deepEqual(await store.current(), before);
        assert.equal((await store.history()).length, 2);
      });

      test("modRevisions must match each named resource's modRevision", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        await store.commit([put("clusters", "b", "1")]);
        await assert.rejects(
          store.commit([put("clusters", "a", "2")], {
            conditions: { modRevisions: [{ kind: "clusters", name: "a", modRevision: 2 }] },
          }),
          withCode(ErrorCode.conflict),
        );
        const result = await store.commit([put("clusters", "a", "2")], {
          conditions: { modRevisions: [{ kind: "clusters", name: "a", modRevision: 1 }] },
        });
        assert.equal(result.revision, 3);
      });

      test("modRevision 0 means the resource must not exist", async () => {
        const store = await fresh();
        const created = await store.commit([put("clusters", "a", "1")], {
          conditions: { modRevisions: [{ kind: "clusters", name: "a", modRevision: 0 }] },
        });
        assert.equal(created.revision, 1);
        await assert.rejects(
          store.commit([put("clusters", "a", "2")], {
            conditions: { modRevisions: [{ kind: "clusters", name: "a", modRevision: 0 }] },
          }),
          withCode(ErrorCode.conflict),
        );
        await store.commit([del("clusters", "a")]);
        const recreated = await store.commit([put("clusters", "a", "3")], {
          conditions: { modRevisions: [{ kind: "clusters", name: "a", modRevision: 0 }] },
        });
        assert.equal(recreated.revision, 3);
      });

      test("every failed condition is listed, and conditions hold even for a commit of no-ops", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        await assert.rejects(
          store.commit([put("clusters", "a", "1")], {
            conditions: {
              storeRevision: 0,
              modRevisions: [
                { kind: "clusters", name: "a", modRevision: 0 },
                { kind: "routes", name: "r", modRevision: 4 },
                { kind: "clusters", name: "a", modRevision: 1 },
              ],
            },
          }),
          (error) => {
            withCode(ErrorCode.conflict)(error);
            assert.deepEqual(
              (error as WeftError).details.map((d) => d.path),
              ["storeRevision", "clusters/a", "routes/r"],
            );
            return true;
          },
        );
      });
    });

    describe("watch", () => {
      test("replays the kept revisions after fromRevision, then delivers new ones as they commit", async () => {
        const store = await fresh();
        for (const tag of ["1", "2", "3"]) await store.commit([put("clusters", "a", tag)]);
        const watch = record(store, 1);
        await until(() => watch.events.length === 2, "the replay");
        assert.deepEqual(watch.revisions(), [2, 3]);
        await store.commit([put("clusters", "a", "4")]);
        await store.commit([put("clusters", "b", "1")], { description: "b" });
        await until(() => watch.events.length === 4, "the live revisions");
        assert.deepEqual(watch.revisions(), [2, 3, 4, 5]);
        const last = watch.events[3];
        assert.equal(last?.type, "revision");
        assert.deepEqual(last.type === "revision" ? last.record : undefined, await store.revisionRecord(5));
      });

      test("never calls a listener synchronously from watch() or commit()", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        const watch = record(store, 0);
        assert.equal(watch.events.length, 0);
        await until(() => watch.events.length === 1, "the replay");
        const committing = store.commit([put("clusters", "a", "2")]);
        assert.equal(watch.events.length, 1);
        await committing;
        await until(() => watch.events.length === 2, "the live revision");
      });

      test("every watcher gets each revision of a concurrent burst exactly once, in order", async () => {
        const store = await fresh();
        const early = record(store, 0);
        const burst = Array.from({ length: 40 }, (_, i) => store.commit([put("clusters", `c${i % 7}`, `${i}`)]));
        const joining = record(store, 10);
        await Promise.all(burst);
        const late = record(store, 20);
        await until(
          () => early.events.length === 40 && joining.events.length === 30 && late.events.length === 20,
          "every watcher to see the burst",
        );
        await settle();
        const range = (from: number) => Array.from({ length: 40 - from }, (_, i) => from + i + 1);
        assert.deepEqual(early.revisions(), range(0));
        assert.deepEqual(joining.revisions(), range(10));
        assert.deepEqual(late.revisions(), range(20));
      });

      test("a listener may commit; its revision is delivered after the current one, once", async () => {
        const store = await fresh();
        const watch = record(store, 0, (event) => {
          if (event.type === "revision" && event.record.revision < 5) {
            void store.commit([put("clusters", "echo", `${event.record.revision}`)]);
          }
        });
        await store.commit([put("clusters", "a", "1")]);
        await until(() => watch.events.length === 5, "the chain of commits");
        await settle();
        assert.deepEqual(watch.revisions(), [1, 2, 3, 4, 5]);
      });

      test("after unsubscribe nothing more is delivered, not even revisions already queued", async () => {
        const store = await fresh();
        const seen: number[] = [];
        const stop = store.watch(0, (event) => {
          if (event.type === "revision") seen.push(event.record.revision);
          stop();
        });
        await Promise.all([1, 2, 3].map((i) => store.commit([put("clusters", `c${i}`, "1")])));
        await store.commit([put("clusters", "later", "1")]);
        await settle();
        assert.deepEqual(seen, [1]);
      });

      test("a watcher from before the kept history gets one 'compacted' event and nothing else", async () => {
        const store = await fresh({ historyLimit: 3 });
        for (let i = 1; i <= 6; i++) await store.commit([put("clusters", "a", `${i}`)]);
        const behind = record(store, 2);
        const justInside = record(store, 3);
        await until(() => behind.events.length === 1 && justInside.events.length === 3, "the first events");
        await store.commit([put("clusters", "a", "7")]);
        await until(() => justInside.events.length === 4, "the live revision");
        await settle();
        assert.deepEqual(behind.events, [{ type: "compacted", oldestRevision: 4 }]);
        assert.deepEqual(justInside.revisions(), [4, 5, 6, 7]);
      });

      test("a live watcher gets every revision even when a burst outruns the kept history", async () => {
        const store = await fresh({ historyLimit: 2 });
        const watch = record(store, 0);
        await settle();
        await Promise.all(Array.from({ length: 12 }, (_, i) => store.commit([put("clusters", "a", `${i}`)])));
        await until(() => watch.events.length === 12, "the burst");
        assert.deepEqual(
          watch.revisions(),
          Array.from({ length: 12 }, (_, i) => i + 1),
        );
      });

      test("a watcher from a revision not yet committed starts after it", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        const watch = record(store, 3);
        for (let i = 2; i <= 5; i++) await store.commit([put("clusters", "a", `${i}`)]);
        await until(() => watch.events.length === 2, "revisions after 3");
        await settle();
        assert.deepEqual(watch.revisions(), [4, 5]);
      });

      test("close() stops every watcher; the closed store refuses work with STORE_FAILED", async () => {
        const store = await fresh();
        const events: WatchEvent[] = [];
        store.watch(0, (event) => events.push(event));
        void store.commit([put("clusters", "a", "1")]);
        await store.close();
        await settle();
        assert.deepEqual(events, []);
        assert.throws(() => store.watch(0, () => {}), withCode(ErrorCode.storeFailed));
        await assert.rejects(store.commit([put("clusters", "a", "2")]), withCode(ErrorCode.storeFailed));
        await assert.rejects(store.current(), withCode(ErrorCode.storeFailed));
        await store.close();
      });
    });

    describe("history", () => {
      test("history lists records newest first, limited, and below `before`", async () => {
        const store = await fresh();
        for (let i = 1; i <= 105; i++) await store.commit([put("clusters", `c${i % 3}`, `${i}`)]);
        const all = await store.history();
        assert.equal(all.length, 100, "the default limit is 100");
        assert.equal(all[0]?.revision, 105);
        assert.equal(all[99]?.revision, 6);
        assert.deepEqual(
          (await store.history({ limit: 3 })).map((r) => r.revision),
          [105, 104, 103],
        );
        assert.deepEqual(
          (await store.history({ limit: 3, before: 50 })).map((r) => r.revision),
          [49, 48, 47],
        );
        assert.deepEqual(
          (await store.history({ before: 3 })).map((r) => r.revision),
          [2, 1],
        );
        assert.deepEqual(await store.history({ limit: 0 }), []);
      });

      test("revisionRecord gives one revision's changes with before and after, or undefined", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1"), put("routes", "r", "1")]);
        await store.commit([put("clusters", "a", "2"), del("routes", "r")], { description: "second" });
        const second = (await store.revisionRecord(2)) as RevisionRecord;
        assert.equal(second.revision, 2);
        assert.equal(second.description, "second");
        assert.deepEqual(second.changes, [
          {
            kind: "routes",
            name: "r",
            op: "delete",
            before: { kind: "routes", name: "r", json: jsonOf("r", "1"), version: versionOf("1"), modRevision: 1 },
            after: undefined,
          },
          {
            kind: "clusters",
            name: "a",
            op: "put",
            before: { kind: "clusters", name: "a", json: jsonOf("a", "1"), version: versionOf("1"), modRevision: 1 },
            after: { kind: "clusters", name: "a", json: jsonOf("a", "2"), version: versionOf("2"), modRevision: 2 },
          },
        ]);
        assert.equal(await store.revisionRecord(0), undefined);
        assert.equal(await store.revisionRecord(3), undefined);
      });

      test("stateAt gives every resource as it was right after a revision", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1"), put("clusters", "b", "1")]);
        await store.commit([put("clusters", "a", "2"), del("clusters", "b")]);
        await store.commit([put("clusters", "b", "3"), put("routes", "r", "1")]);
        const summary = async (revision: number) =>
          (await store.stateAt(revision)).resources.map((r) => `${r.kind}/${r.name}@${r.modRevision}:${tagOf(r.json)}`);
        assert.deepEqual(await summary(0), []);
        assert.deepEqual(await summary(1), ["clusters/a@1:1", "clusters/b@1:1"]);
        assert.deepEqual(await summary(2), ["clusters/a@2:2"]);
        assert.deepEqual(await summary(3), ["routes/r@3:1", "clusters/a@2:2", "clusters/b@3:3"]);
        assert.deepEqual(await store.stateAt(3), await store.current());
        assert.equal((await store.stateAt(1)).revision, 1);
      });

      test("stateAt a revision that was never committed fails with REVISION_NOT_FOUND", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "a", "1")]);
        await assert.rejects(store.stateAt(2), withCode(ErrorCode.revisionNotFound));
        await assert.rejects(store.stateAt(-1), withCode(ErrorCode.revisionNotFound));
      });
    });

    describe("retention", () => {
      test("only the last historyLimit revisions keep their records; older states are COMPACTED", async () => {
        const store = await fresh({ historyLimit: 5 });
        for (let i = 1; i <= 12; i++) await store.commit([put("clusters", `c${i % 4}`, `${i}`)]);
        assert.deepEqual(
          (await store.history()).map((r) => r.revision),
          [12, 11, 10, 9, 8],
        );
        assert.equal(await store.revisionRecord(7), undefined);
        assert.equal((await store.revisionRecord(8))?.revision, 8);
        // The state right after 7 is the kept changes of 8..12 undone.
        assert.deepEqual(
          (await store.stateAt(7)).resources.map((r) => `${r.name}:${tagOf(r.json)}`),
          ["c0:4", "c1:5", "c2:6", "c3:7"],
        );
        await assert.rejects(store.stateAt(6), withCode(ErrorCode.compacted));
        await assert.rejects(store.stateAt(0), withCode(ErrorCode.compacted));
        const next = await store.commit([put("clusters", "c0", "13")]);
        assert.equal(next.revision, 13);
        assert.deepEqual(
          (await store.history()).map((r) => r.revision),
          [13, 12, 11, 10, 9],
        );
      });

      test("no-op commits do not push records out of the history", async () => {
        const store = await fresh({ historyLimit: 2 });
        await store.commit([put("clusters", "a", "1")]);
        await store.commit([put("clusters", "a", "2")]);
        for (let i = 0; i < 5; i++) await store.commit([put("clusters", "a", "2")]);
        assert.deepEqual(
          (await store.history()).map((r) => r.revision),
          [2, 1],
        );
      });
    });

    describe("concurrent writers", () => {
      test("of writers racing on the same storeRevision exactly one wins; the rest get CONFLICT", async () => {
        const store = await fresh();
        await store.commit([put("clusters", "seed", "0")]);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, async (_, i) => {
            const { revision } = await store.current();
            return store.commit([put("clusters", "contended", `${i}`)], { conditions: { storeRevision: revision } });
          }),
        );
        const won = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i] : []));
        assert.equal(won.length, 1);
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") withCode(ErrorCode.conflict)(outcome.reason);
        }
        assert.equal(tagOf((await store.get("clusters", "contended"))?.json ?? "{}"), `${won[0]}`);
        assert.equal((await store.current()).revision, 2);
      });

      test("of writers racing to create the same resource (modRevision 0) exactly one wins", async () => {
        const store = await fresh();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, async (_, i) => {
            await store.get("clusters", "new");
            return store.commit([put("clusters", "new", `${i}`)], {
              conditions: { modRevisions: [{ kind: "clusters", name: "new", modRevision: 0 }] },
            });
          }),
        );
        assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1);
        assert.equal((await store.current()).revision, 1);
      });

      test("writers that retry on CONFLICT lose no update", async () => {
        const store = await fresh();
        const writers = 20;
        async function increment(): Promise<void> {
          for (let attempt = 0; attempt <= writers; attempt++) {
            const counter = await store.get("clusters", "counter");
            const value = counter === undefined ? 0 : Number(tagOf(counter.json));
            try {
              await store.commit([put("clusters", "counter", `${value + 1}`)], {
                conditions: {
                  modRevisions: [{ kind: "clusters", name: "counter", modRevision: counter?.modRevision ?? 0 }],
                },
              });
              return;
            } catch (error) {
              if (!(error instanceof WeftError) || error.code !== ErrorCode.conflict) throw error;
            }
          }
          throw new Error("a writer gave up after more conflicts than there are writers");
        }
        await Promise.all(Array.from({ length: writers }, increment));
        const counter = await store.get("clusters", "counter");
        assert.equal(tagOf(counter?.json ?? "{}"), `${writers}`);
        assert.equal(counter?.modRevision, writers);
        assert.deepEqual(
          (await store.history()).map((r) => tagOf(r.changes[0]?.after?.json ?? "{}")),
          Array.from({ length: writers }, (_, i) => `${writers - i}`),
        );
      });
    });

    test("agrees with a simple model on random sequences of commits", async () => {
      await checkAgainstModel((storeOptions) => fresh(storeOptions), options.modelRuns ?? 100);
    });
  });
}
