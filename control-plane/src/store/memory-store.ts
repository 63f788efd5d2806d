// A ConfigStore held in this process's memory: for unit tests and for the layers above the store
// (snapshot builder, API) to be tested without a file. Same semantics as SqliteStore, without the
// durability: everything is lost with the process.

import { ErrorCode, WeftError } from "../errors.js";
import type { StoredKindName } from "../mesh/index.js";
import { checkConditions, planChanges } from "./commit-plan.js";
import type {
  CommitConditions,
  CommitResult,
  ConfigStore,
  Mutation,
  ResourceChange,
  RevisionRecord,
  StoredResource,
  StoreState,
  WatchEvent,
} from "./config-store.js";
import { assertStateReachable, historyLimitOption, historyPage, oldestKept, replayable } from "./history-window.js";
import { compareNames, compareResourceKeys, resourceKey } from "./resource-order.js";
import { checkSecretKey, type SecretEntry, type SecretStore } from "./secret-store.js";
import { rewind } from "./state-rewind.js";
import { type HistoryRead, WatchHub } from "./watch-hub.js";

export interface MemoryStoreOptions {
  /** How many of the latest revisions keep their records (default 1000). */
  readonly historyLimit?: number;
  /** The clock stamping each revision's time. */
  readonly now?: () => Date;
}

export class MemoryStore implements ConfigStore, SecretStore {
  readonly #historyLimit: number;
  readonly #now: () => Date;
  readonly #resources = new Map<string, StoredResource>();
  /** The kept records, oldest first; the last is the current revision's. */
  #history: RevisionRecord[] = [];
  #revision = 0;
  /** Every revision below this one has been compacted away. */
  #oldestRevision = 1;
  #closed = false;
  readonly #hub: WatchHub;
  readonly #secrets = new Map<string, string>();

  constructor(options: MemoryStoreOptions = {}) {
    this.#historyLimit = historyLimitOption(options.historyLimit);
    this.#now = options.now ?? (() => new Date());
    this.#hub = new WatchHub((revision) => this.#readAfter(revision));
  }

  async current(): Promise<StoreState> {
    this.#assertOpen();
    return { revision: this.#revision, resources: [...this.#resources.values()].sort(compareResourceKeys) };
  }

  async get(kind: StoredKindName, name: string): Promise<StoredResource | undefined> {
    this.#assertOpen();
    return this.#lookup(kind, name);
  }

  async list(kind: StoredKindName): Promise<StoredResource[]> {
    this.#assertOpen();
    return [...this.#resources.values()]
      .filter((resource) => resource.kind === kind)
      .sort((a, b) => compareNames(a.name, b.name));
  }

  async commit(
    mutations: readonly Mutation[],
    options: { conditions?: CommitConditions; description?: string } = {},
  ): Promise<CommitResult> {
    this.#assertOpen();
    const lookup = (kind: StoredKindName, name: string) => this.#lookup(kind, name);
    checkConditions(options.conditions, this.#revision, lookup);
    const revision = this.#revision + 1;
    const changes = planChanges(mutations, revision, lookup);
    if (changes.length === 0) return { revision: this.#revision, changes: [] };

    for (const change of changes) {
      const key = resourceKey(change.kind, change.name);
      if (change.after === undefined) this.#resources.delete(key);
      else this.#resources.set(key, change.after);
    }
    const record: RevisionRecord = Object.freeze({
      revision,
      time: this.#now().toISOString(),
      description: options.description ?? "",
      changes: Object.freeze(changes),
    });
    this.#revision = revision;
    this.#history.push(record);
    this.#oldestRevision = oldestKept(revision, this.#historyLimit, this.#oldestRevision);
    const firstKept = this.#history.findIndex((kept) => kept.revision >= this.#oldestRevision);
    if (firstKept > 0) this.#history = this.#history.slice(firstKept);
    this.#hub.publish(record);
    return { revision, changes };
  }

  watch(fromRevision: number, listener: (event: WatchEvent) => void): () => void {
    return this.#hub.watch(fromRevision, listener);
  }

  async history(options: { limit?: number; before?: number } = {}): Promise<RevisionRecord[]> {
    this.#assertOpen();
    const { limit, before } = historyPage(options);
    const page: RevisionRecord[] = [];
    for (let i = this.#history.length - 1; i >= 0 && page.length < limit; i--) {
      const record = this.#history[i] as RevisionRecord;
      if (record.revision < before) page.push(record);
    }
    return page;
  }

  async revisionRecord(revision: number): Promise<RevisionRecord | undefined> {
    this.#assertOpen();
    return this.#history.find((record) => record.revision === revision);
  }

  async stateAt(revision: number): Promise<StoreState> {
    this.#assertOpen();
    assertStateReachable(revision, this.#revision, this.#oldestRevision);
    const newerChanges: ResourceChange[] = [];
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const record = this.#history[i] as RevisionRecord;
      if (record.revision <= revision) break;
      newerChanges.push(...record.changes);
    }
    return { revision, resources: rewind(this.#resources.values(), newerChanges) };
  }

  async secret(key: string): Promise<string | undefined> {
    this.#assertOpen();
    return this.#secrets.get(checkSecretKey(key));
  }

  async createSecret(key: string, value: string): Promise<{ value: string; created: boolean }> {
    this.#assertOpen();
    const held = this.#secrets.get(checkSecretKey(key));
    if (held !== undefined) return { value: held, created: false };
    this.#secrets.set(key, value);
    return { value, created: true };
  }

  async putSecret(key: string, value: string): Promise<void> {
    this.#assertOpen();
    this.#secrets.set(checkSecretKey(key), value);
  }

  async deleteSecret(key: string): Promise<boolean> {
    this.#assertOpen();
    return this.#secrets.delete(checkSecretKey(key));
  }

  async secrets(prefix: string): Promise<SecretEntry[]> {
    this.#assertOpen();
    return [...this.#secrets]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#hub.close();
  }

  #lookup(kind: StoredKindName, name: string): StoredResource | undefined {
    return this.#resources.get(resourceKey(kind, name));
  }

  #readAfter(revision: number): HistoryRead {
    if (!replayable(revision, this.#oldestRevision)) return { compactedTo: this.#oldestRevision };
    return { records: this.#history.filter((record) => record.revision > revision) };
  }

  #assertOpen(): void {
    if (this.#closed) throw new WeftError(ErrorCode.storeFailed, "the store is closed");
  }
}
