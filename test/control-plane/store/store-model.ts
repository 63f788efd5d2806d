// A model-based check of a ConfigStore: random sequences of commits (puts, deletes, conditions
// that hold or fail) run against the store and against a plain Map-based model written
// independently of the stores' code; after every commit and at the end they must agree on
// results, state, history, past states and what a watcher sees.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import { STORED_KIND_NAMES, type StoredKindName } from "../../../control-plane/src/mesh/index.js";
import type {
  CommitConditions,
  ConfigStore,
  Mutation,
  ResourceChange,
  RevisionRecord,
  StoredResource,
} from "../../../control-plane/src/store/config-store.js";
import { del, put } from "./test-resources.js";
import { record, until } from "./watch-recorder.js";

const TIME = new Date(Date.UTC(2025, 0, 1));

/** The documented order: kinds as STORED_KIND_NAMES lists them, then names by UTF-16 code unit. */
function byKindThenName(a: { kind: StoredKindName; name: string }, b: { kind: StoredKindName; name: string }): number {
  const kinds = STORED_KIND_NAMES.indexOf(a.kind) - STORED_KIND_NAMES.indexOf(b.kind);
  if (kinds !== 0) return kinds;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

class Model {
  revision = 0;
  readonly resources = new Map<string, StoredResource>();
  readonly records: RevisionRecord[] = [];
  /** The sorted state right after each revision, from 0. */
  readonly states: StoredResource[][] = [[]];

  /** What the store must do with this commit: the CONFLICT it must throw, or its result. */
  commit(mutations: readonly Mutation[], conditions: CommitConditions, description: string) {
    const storeRevisionFails = conditions.storeRevision !== undefined && conditions.storeRevision !== this.revision;
    const failedResources = (conditions.modRevisions ?? []).filter(
      (c) => (this.resources.get(`${c.kind}/${c.name}`)?.modRevision ?? 0) !== c.modRevision,
    );
    if (storeRevisionFails || failedResources.length > 0) {
      return {
        conflict: [
          ...(storeRevisionFails ? ["storeRevision"] : []),
          ...failedResources.map((c) => `${c.kind}/${c.name}`),
        ],
      };
    }
    const next = new Map(this.resources);
    const touched = new Map<string, { kind: StoredKindName; name: string }>();
    for (const m of mutations) {
      const key = `${m.kind}/${m.name}`;
      touched.set(key, { kind: m.kind, name: m.name });
      if (m.op === "delete") next.delete(key);
      else
        next.set(key, {
          kind: m.kind,
          name: m.name,
          json: m.json,
          version: m.version,
          modRevision: this.revision + 1,
        });
    }
    const changes: ResourceChange[] = [];
    for (const [key, { kind, name }] of touched) {
      const before = this.resources.get(key);
      const after = next.get(key);
      if (before?.version === after?.version) continue;
      changes.push({ kind, name, op: after === undefined ? "delete" : "put", before, after });
    }
    changes.sort(byKindThenName);
    if (changes.length === 0) return { result: { revision: this.revision, changes: [] } };
    this.revision++;
    for (const change of changes) {
      const key = `${change.kind}/${change.name}`;
      if (change.after === undefined) this.resources.delete(key);
      else this.resources.set(key, change.after);
    }
    this.records.push({ revision: this.revision, time: TIME.toISOString(), description, changes });
    this.states.push([...this.resources.values()].sort(byKindThenName));
    return { result: { revision: this.revision, changes } };
  }
}

const kindArb = fc.constantFrom<StoredKindName>("clusters", "routes", "services", "httproutes");
// U+FFFD sorts after U+1D49C's surrogates in UTF-16 but before it in UTF-8: the order must not depend on the store.
const nameArb = fc.constantFrom("a", "b", "\uFFFD", "\u{1D49C}");
const tagArb = fc.constantFrom("1", "2");
const mutationArb = fc.oneof(
  fc.record({ op: fc.constant("put" as const), kind: kindArb, name: nameArb, tag: tagArb }),
  fc.record({ op: fc.constant("delete" as const), kind: kindArb, name: nameArb }),
);
const stepArb = fc.record({
  mutations: fc.array(mutationArb, { maxLength: 4 }),
  storeRevision: fc.constantFrom("none", "current", "stale"),
  modRevisions: fc.array(
    fc.record({ kind: kindArb, name: nameArb, expect: fc.constantFrom("actual", "absent", "wrong") }),
    { maxLength: 2 },
  ),
  description: fc.string({ maxLength: 6 }),
});
const scenarioArb = fc.record({
  historyLimit: fc.constantFrom(2, 5, 1000),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 20 }),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function conditionsFor(step: Step, model: Model): CommitConditions {
  const storeRevision =
    step.storeRevision === "current" ? model.revision : step.storeRevision === "stale" ? model.revision - 1 : undefined;
  const modRevisions = step.modRevisions.map(({ kind, name, expect }) => {
    const actual = model.resources.get(`${kind}/${name}`)?.modRevision ?? 0;
    return { kind, name, modRevision: expect === "actual" ? actual : expect === "absent" ? 0 : actual + 7 };
  });
  return storeRevision === undefined ? { modRevisions } : { storeRevision, modRevisions };
}

export async function checkAgainstModel(
  makeStore: (options: { historyLimit: number; now: () => Date }) => Promise<ConfigStore>,
  numRuns: number,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(scenarioArb, async ({ historyLimit, steps }) => {
      const store = await makeStore({ historyLimit, now: () => TIME });
      try {
        const model = new Model();
        const live = record(store, 0);
        for (const step of steps) {
          const mutations = step.mutations.map((m) =>
            m.op === "put" ? put(m.kind, m.name, m.tag) : del(m.kind, m.name),
          );
          const conditions = conditionsFor(step, model);
          const expected = model.commit(mutations, conditions, step.description);
          if ("conflict" in expected) {
            await assert.rejects(store.commit(mutations, { conditions, description: step.description }), (error) => {
              assert.ok(error instanceof WeftError);
              assert.equal(error.code, ErrorCode.conflict);
              assert.deepEqual(
                error.details.map((d) => d.path),
                expected.conflict,
              );
              return true;
            });
          } else {
            const result = await store.commit(mutations, { conditions, description: step.description });
            assert.deepEqual(result, expected.result);
          }
        }

        const oldest = Math.max(1, model.revision - historyLimit + 1);
        const kept = model.records.filter((r) => r.revision >= oldest);
        assert.deepEqual(await store.current(), { revision: model.revision, resources: model.states[model.revision] });
        assert.deepEqual(await store.history({ limit: 10_000 }), [...kept].reverse());
        for (let revision = 0; revision <= model.revision + 1; revision++) {
          assert.deepEqual(
            await store.revisionRecord(revision),
            kept.find((r) => r.revision === revision),
          );
        }
        for (let revision = 0; revision <= model.revision; revision++) {
          if (revision >= oldest - 1) {
            assert.deepEqual(await store.stateAt(revision), { revision, resources: model.states[revision] });
          } else {
            await assert.rejects(store.stateAt(revision), { code: ErrorCode.compacted });
          }
        }
        // The live watcher saw every revision, however far the burst outran the kept history.
        await until(() => live.events.length === model.records.length, "the live watcher to catch up");
        assert.deepEqual(
          live.events,
          model.records.map((r) => ({ type: "revision", record: r })),
        );
        live.stop();
        const replay = record(store, oldest - 1);
        await until(() => replay.events.length === kept.length, "the replay");
        assert.deepEqual(
          replay.events,
          kept.map((r) => ({ type: "revision", record: r })),
        );
        replay.stop();
      } finally {
        await store.close();
      }
    }),
    { numRuns },
  );
}
