// Every API write goes through here: read, decide, commit with conditions that pin what was read,
// and decide again if another writer got in between. A handler's plan states the client's own
// preconditions (If-Match) itself, against what it read; the commit conditions only make that
// read-then-write atomic. So a lost race is retried, and a failed precondition is the client's 409.
import { ErrorCode, WeftError } from "../errors.js";
import { registeredWorkloadRefusal } from "../mesh/index.js";
import type { Metrics } from "../metrics.js";
import type { CommitConditions, CommitResult, ConfigStore, Mutation } from "../store/config-store.js";

export interface WritePlan<T> {
  readonly mutations: readonly Mutation[];
  readonly conditions?: CommitConditions;
  readonly description: string;
  /** The response, from what the commit did. */
  readonly done: (result: CommitResult) => T | Promise<T>;
}

/** Attempts before a write that keeps losing races gives up with 409. */
const MAX_ATTEMPTS = 8;

export class StoreWriter {
  readonly #store: ConfigStore;
  readonly #metrics: Metrics;

  constructor(store: ConfigStore, metrics: Metrics) {
    this.#store = store;
    this.#metrics = metrics;
  }

  /**
   * Runs `plan` and commits what it returns, re-planning when the commit's conditions no longer hold.
   * A plan that creates, replaces or deletes a registered sidecar's WorkloadEntry (or writes one
   * marked as registered) is refused with WEFT_REGISTERED_WORKLOAD, unless `asRegistry`: the
   * control plane's registry of sidecars is the one writer of those.
   */
  async write<T>(plan: () => Promise<WritePlan<T>>, options: { asRegistry?: boolean } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const written = await plan();
      const { mutations, description, done } = written;
      const conditions =
        options.asRegistry === true ? written.conditions : await this.#guardRegistered(mutations, written.conditions);
      let result: CommitResult;
      try {
        result = await this.#commit(mutations, conditions, description);
      } catch (error) {
        const lostRace = error instanceof WeftError && error.code === ErrorCode.conflict;
        if (!lostRace) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new WeftError(ErrorCode.conflict, "the config kept changing while this write was made; try again", {
            details: error.details,
            cause: error,
          });
        }
        continue;
      }
      return done(result);
    }
  }

  /**
   * Refuses a plain write touching a registered WorkloadEntry; otherwise returns `conditions` plus
   * a pin on each WorkloadEntry it read, so an entry registered meanwhile makes the write re-plan.
   */
  async #guardRegistered(
    mutations: readonly Mutation[],
    conditions: CommitConditions | undefined,
  ): Promise<CommitConditions | undefined> {
    const pins: { kind: "workloadentries"; name: string; modRevision: number }[] = [];
    for (const mutation of mutations) {
      if (mutation.kind !== "workloadentries") continue;
      const existing = await this.#store.get(mutation.kind, mutation.name);
      const refusal = registeredWorkloadRefusal(
        mutation.kind,
        mutation.name,
        mutation.op === "put" ? mutation.json : undefined,
        existing?.json,
      );
      if (refusal !== undefined) throw refusal;
      pins.push({ kind: mutation.kind, name: mutation.name, modRevision: existing?.modRevision ?? 0 });
    }
    if (pins.length === 0) return conditions;
    return { ...conditions, modRevisions: [...(conditions?.modRevisions ?? []), ...pins] };
  }

  async #commit(
    mutations: readonly Mutation[],
    conditions: CommitConditions | undefined,
    description: string,
  ): Promise<CommitResult> {
    const end = this.#metrics.storeWriteDuration.startTimer();
    try {
      const result = await this.#store.commit(
        mutations,
        conditions === undefined ? { description } : { conditions, description },
      );
      this.#metrics.storeRevision.set(result.revision);
      return result;
    } finally {
      end();
    }
  }
}
