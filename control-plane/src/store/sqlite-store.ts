// The embedded default ConfigStore: one SQLite file, `weft.db`, in the control plane's data
// directory, through better-sqlite3.
//
// Durability: WAL journal with synchronous=FULL, so COMMIT returns only after the log is on disk; a
// commit() that resolved survives kill -9 of this process (and a power cut). Each commit is one
// BEGIN IMMEDIATE transaction: it takes the write lock before reading anything, so its conditions
// are checked against the state it writes on, even with another connection on the same file
// (busy_timeout makes the second writer wait instead of failing at once).
//
// Watchers are notified in-process after each commit. Commits made by another process on the same
// file are not announced to this process's watchers.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
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
import { compareNames, compareResourceKeys } from "./resource-order.js";
import { checkSecretKey, type SecretEntry, type SecretStore } from "./secret-store.js";
import { prepareSchema } from "./sqlite-schema.js";
import { rewind } from "./state-rewind.js";
import { type HistoryRead, WatchHub } from "./watch-hub.js";

/** The database file inside the data directory. */
export const DATABASE_FILE = "weft.db";

export interface SqliteStoreOptions {
  /** Created if missing; holds `weft.db` and SQLite's `-wal`/`-shm` files. */
  readonly dataDir: string;
  /** How many of the latest revisions keep their records (default 1000). */
  readonly historyLimit?: number;
  /** The clock stamping each revision's time. */
  readonly now?: () => Date;
  /** How long a commit waits for another connection's write to finish before failing (default 5000). */
  readonly busyTimeoutMs?: number;
}

interface ResourceRow {
  kind: StoredKindName;
  name: string;
  json: string;
  version: string;
  modRevision: number;
}

interface RevisionRow {
  revision: number;
  time: string;
  description: string;
}

interface ChangeRow {
  revision: number;
  kind: StoredKindName;
  name: string;
  op: "put" | "delete";
  beforeJson: string | null;
  beforeVersion: string | null;
  beforeModRevision: number | null;
  afterJson: string | null;
  afterVersion: string | null;
}

const RESOURCE_COLUMNS = "kind, name, json, version, mod_revision AS modRevision";
const CHANGE_COLUMNS = `revision, kind, name, op, before_json AS beforeJson, before_version AS beforeVersion,
  before_mod_revision AS beforeModRevision, after_json AS afterJson, after_version AS afterVersion`;

function prepareStatements(db: Database.Database) {
  return {
    meta: db.prepare<[string], number>("SELECT value FROM meta WHERE key = ?").pluck(),
    setMeta: db.prepare<[number, string]>("UPDATE meta SET value = ? WHERE key = ?"),
    resource: db.prepare<[string, string], ResourceRow>(
      `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = ? AND name = ?`,
    ),
    resourcesOfKind: db.prepare<[string], ResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = ?`),
    allResources: db.prepare<[], ResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources`),
    putResource: db.prepare<[string, string, string, string, number]>(
      `INSERT INTO resources (kind, name, json, version, mod_revision) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, name) DO UPDATE SET json = excluded.json, version = excluded.version,
       mod_revision = excluded.mod_revision`,
    ),
    deleteResource: db.prepare<[string, string]>("DELETE FROM resources WHERE kind = ? AND name = ?"),
    insertRevision: db.prepare<[number, string, string]>(
      "INSERT INTO revisions (revision, time, description) VALUES (?, ?, ?)",
    ),
    insertChange: db.prepare<
      [number, string, string, string, string | null, string | null, number | null, string | null, string | null]
    >(
      `INSERT INTO changes (revision, kind, name, op, before_json, before_version, before_mod_revision,
       after_json, after_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    secret: db.prepare<[string], string>("SELECT value FROM secrets WHERE key = ?").pluck(),
    insertSecret: db.prepare<[string, string]>(
      "INSERT INTO secrets (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
    ),
    putSecret: db.prepare<[string, string]>(
      "INSERT INTO secrets (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    deleteSecret: db.prepare<[string]>("DELETE FROM secrets WHERE key = ?"),
    // The prefix compared as text (LIKE would read `_` and `%` in it as wildcards).
    secretsWithPrefix: db.prepare<[{ prefix: string }], SecretEntry>(
      "SELECT key, value FROM secrets WHERE substr(key, 1, length(@prefix)) = @prefix ORDER BY key",
    ),
    deleteRevisionsBefore: db.prepare<[number]>("DELETE FROM revisions WHERE revision < ?"),
    deleteChangesBefore: db.prepare<[number]>("DELETE FROM changes WHERE revision < ?"),
    revision: db.prepare<[number], RevisionRow>("SELECT revision, time, description FROM revisions WHERE revision = ?"),
    revisionsAfter: db.prepare<[number], RevisionRow>(
      "SELECT revision, time, description FROM revisions WHERE revision > ? ORDER BY revision",
    ),
    revisionsBefore: db.prepare<[number, number], RevisionRow>(
      "SELECT revision, time, description FROM revisions WHERE revision < ? ORDER BY revision DESC LIMIT ?",
    ),
    changesOf: db.prepare<[number], ChangeRow>(`SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision = ?`),
    changesAfter: db.prepare<[number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision > ? ORDER BY revision`,
    ),
    changesNewestFirstAfter: db.prepare<[number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision > ? ORDER BY revision DESC`,
    ),
    changesBetween: db.prepare<[number, number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision BETWEEN ? AND ?`,
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function toResource(row: ResourceRow): StoredResource {
  return Object.freeze({
    kind: row.kind,
    name: row.name,
    json: row.json,
    version: row.version,
    modRevision: row.modRevision,
  });
}

function toChange(row: ChangeRow): ResourceChange {
  const before =
    row.beforeJson === null || row.beforeVersion === null || row.beforeModRevision === null
      ? undefined
      : toResource({
          kind: row.kind,
          name: row.name,
          json: row.beforeJson,
          version: row.beforeVersion,
          modRevision: row.beforeModRevision,
        });
  const after =
    row.afterJson === null || row.afterVersion === null
      ? undefined
      : toResource({
          kind: row.kind,
          name: row.name,
          json: row.afterJson,
          version: row.afterVersion,
          modRevision: row.revision,
        });
  return Object.freeze({ kind: row.kind, name: row.name, op: row.op, before, after });
}

/** Joins revision rows with their change rows into records, in the order of `revisions`. */
function toRecords(revisions: readonly RevisionRow[], changes: readonly ChangeRow[]): RevisionRecord[] {
  const byRevision = new Map<number, ResourceChange[]>();
  for (const row of changes) {
    const list = byRevision.get(row.revision);
    if (list === undefined) byRevision.set(row.revision, [toChange(row)]);
    else list.push(toChange(row));
  }
  return revisions.map((row) =>
    Object.freeze({
      revision: row.revision,
      time: row.time,
      description: row.description,
      changes: Object.freeze((byRevision.get(row.revision) ?? []).sort(compareResourceKeys)),
    }),
  );
}

function storeFailure(what: string, error: unknown): WeftError {
  if (error instanceof WeftError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new WeftError(ErrorCode.storeFailed, `${what}: ${reason}`, { cause: error });
}

export class SqliteStore implements ConfigStore, SecretStore {
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #historyLimit: number;
  readonly #now: () => Date;
  readonly #hub: WatchHub;
  #closed = false;

  /** Opens (creating if needed) the store in `dataDir`. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const historyLimit = historyLimitOption(options.historyLimit);
    const file = join(options.dataDir, DATABASE_FILE);
    let db: Database.Database | undefined;
    try {
      // The store holds the CA's signing key and token digests: a data directory and database this
      // process creates are its user's alone (0700, 0600; SQLite gives its -wal and -shm files the
      // database's mode). Existing ones keep the modes the operator gave them.
      await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
      await writeFile(file, "", { flag: "a", mode: 0o600 });
      db = new Database(file);
      db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      const journalMode = db.pragma("journal_mode = WAL", { simple: true });
      if (journalMode !== "wal") throw new Error(`SQLite refused WAL mode (journal_mode is ${String(journalMode)})`);
      db.pragma("synchronous = FULL");
      prepareSchema(db);
      const store = new SqliteStore(db, historyLimit, options.now ?? (() => new Date()));
      // A lowered historyLimit applies from the start, not only after the next commit.
      store.#compactNow();
      return store;
    } catch (error) {
      db?.close();
      throw storeFailure(`opening the store at ${file} failed`, error);
    }
  }

  private constructor(db: Database.Database, historyLimit: number, now: () => Date) {
    this.#db = db;
    this.#sql = prepareStatements(db);
    this.#historyLimit = historyLimit;
    this.#now = now;
    this.#hub = new WatchHub((revision) => this.#read("reading history", () => this.#readAfter(revision)));
  }

  async current(): Promise<StoreState> {
    return this.#read("reading the current state", () => ({
      revision: this.#meta("revision"),
      resources: this.#sql.allResources.all().map(toResource).sort(compareResourceKeys),
    }));
  }

  async get(kind: StoredKindName, name: string): Promise<StoredResource | undefined> {
    return this.#read(`reading ${kind}/${name}`, () => this.#lookup(kind, name));
  }

  async list(kind: StoredKindName): Promise<StoredResource[]> {
    return this.#read(`listing ${kind}`, () =>
      this.#sql.resourcesOfKind
        .all(kind)
        .map(toResource)
        .sort((a, b) => compareNames(a.name, b.name)),
    );
  }

  async commit(
    mutations: readonly Mutation[],
    options: { conditions?: CommitConditions; description?: string } = {},
  ): Promise<CommitResult> {
    const lookup = (kind: StoredKindName, name: string) => this.#lookup(kind, name);
    const result = this.#guard("committing", () =>
      this.#db
        .transaction((): { revision: number; record?: RevisionRecord } => {
          const current = this.#meta("revision");
          checkConditions(options.conditions, current, lookup);
          const revision = current + 1;
          const changes = planChanges(mutations, revision, lookup);
          if (changes.length === 0) return { revision: current };
          const record: RevisionRecord = Object.freeze({
            revision,
            time: this.#now().toISOString(),
            description: options.description ?? "",
            changes: Object.freeze(changes),
          });
          this.#write(record);
          return { revision, record };
        })
        .immediate(),
    );
    // Announced only now that COMMIT has returned, i.e. the revision is durable.
    if (result.record === undefined) return { revision: result.revision, changes: [] };
    this.#hub.publish(result.record);
    return { revision: result.revision, changes: result.record.changes };
  }

  watch(fromRevision: number, listener: (event: WatchEvent) => void): () => void {
    return this.#hub.watch(fromRevision, listener);
  }

  async history(options: { limit?: number; before?: number } = {}): Promise<RevisionRecord[]> {
    const { limit, before } = historyPage(options);
    return this.#read("reading history", () => {
      const revisions = this.#sql.revisionsBefore.all(before, limit);
      const newest = revisions[0];
      const oldest = revisions[revisions.length - 1];
      if (newest === undefined || oldest === undefined) return [];
      return toRecords(revisions, this.#sql.changesBetween.all(oldest.revision, newest.revision));
    });
  }

  async revisionRecord(revision: number): Promise<RevisionRecord | undefined> {
    return this.#read(`reading revision ${revision}`, () => {
      const row = this.#sql.revision.get(revision);
      return row === undefined ? undefined : toRecords([row], this.#sql.changesOf.all(revision))[0];
    });
  }

  async stateAt(revision: number): Promise<StoreState> {
    return this.#read(`reading the state at revision ${revision}`, () => {
      assertStateReachable(revision, this.#meta("revision"), this.#meta("oldest_revision"));
      const current = this.#sql.allResources.all().map(toResource);
      const newerChanges = this.#sql.changesNewestFirstAfter.all(revision).map(toChange);
      return { revision, resources: rewind(current, newerChanges) };
    });
  }

  async secret(key: string): Promise<string | undefined> {
    checkSecretKey(key);
    return this.#read("reading a secret", () => this.#sql.secret.get(key));
  }

  async createSecret(key: string, value: string): Promise<{ value: string; created: boolean }> {
    checkSecretKey(key);
    return this.#guard("writing a secret", () =>
      this.#db
        .transaction(() => {
          const created = this.#sql.insertSecret.run(key, value).changes === 1;
          return { value: created ? value : (this.#sql.secret.get(key) as string), created };
        })
        .immediate(),
    );
  }

  async putSecret(key: string, value: string): Promise<void> {
    checkSecretKey(key);
    this.#guard("writing a secret", () => this.#sql.putSecret.run(key, value));
  }

  async deleteSecret(key: string): Promise<boolean> {
    checkSecretKey(key);
    return this.#guard("removing a secret", () => this.#sql.deleteSecret.run(key).changes === 1);
  }

  async secrets(prefix: string): Promise<SecretEntry[]> {
    return this.#read("listing secrets", () => this.#sql.secretsWithPrefix.all({ prefix }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.close();
    this.#db.close();
  }

  #write(record: RevisionRecord): void {
    const sql = this.#sql;
    for (const { kind, name, op, before, after } of record.changes) {
      if (after === undefined) sql.deleteResource.run(kind, name);
      else sql.putResource.run(kind, name, after.json, after.version, after.modRevision);
      sql.insertChange.run(
        record.revision,
        kind,
        name,
        op,
        before?.json ?? null,
        before?.version ?? null,
        before?.modRevision ?? null,
        after?.json ?? null,
        after?.version ?? null,
      );
    }
    sql.insertRevision.run(record.revision, record.time, record.description);
    sql.setMeta.run(record.revision, "revision");
    this.#compact(record.revision);
  }

  /** Drops the records that fell out of the kept window; runs inside the caller's transaction. */
  #compact(revision: number): void {
    const oldest = this.#meta("oldest_revision");
    const next = oldestKept(revision, this.#historyLimit, oldest);
    if (next === oldest) return;
    this.#sql.deleteChangesBefore.run(next);
    this.#sql.deleteRevisionsBefore.run(next);
    this.#sql.setMeta.run(next, "oldest_revision");
  }

  #compactNow(): void {
    this.#db.transaction(() => this.#compact(this.#meta("revision"))).immediate();
  }

  #readAfter(revision: number): HistoryRead {
    const oldest = this.#meta("oldest_revision");
    if (!replayable(revision, oldest)) return { compactedTo: oldest };
    return { records: toRecords(this.#sql.revisionsAfter.all(revision), this.#sql.changesAfter.all(revision)) };
  }

  #lookup(kind: StoredKindName, name: string): StoredResource | undefined {
    const row = this.#sql.resource.get(kind, name);
    return row === undefined ? undefined : toResource(row);
  }

  #meta(key: "revision" | "oldest_revision"): number {
    const value = this.#sql.meta.get(key);
    if (value === undefined) throw new WeftError(ErrorCode.storeFailed, `the store's meta table lacks ${key}`);
    return value;
  }

  /** Runs `fn` in one read transaction, so every statement in it sees the same committed state. */
  #read<T>(what: string, fn: () => T): T {
    return this.#guard(what, () => this.#db.transaction(fn).deferred());
  }

  /** Every failure leaves as a WeftError: the store's own codes pass through, SQLite's become STORE_FAILED. */
  #guard<T>(what: string, fn: () => T): T {
    if (this.#closed) throw new WeftError(ErrorCode.storeFailed, "the store is closed");
    try {
      return fn();
    } catch (error) {
      throw storeFailure(`${what} failed`, error);
    }
  }
}
