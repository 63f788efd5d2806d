// The contract between the control plane and wherever its configuration lives. Everything above
// this interface (API, snapshot builder) must work unchanged on an embedded SQLite file, in memory,
// or on a store shared by several control-plane processes (etcd, later): so nothing may assume the
// store lives in this process, and the snapshot builder learns of changes only through watch().
import type { StoredKindName } from "../mesh/index.js";

/** One resource as stored: its canonical JSON (the proto JSON codec's output) and content version. */
export interface StoredResource {
  readonly kind: StoredKindName;
  readonly name: string;
  /** Canonical JSON text (proto field names, stable order); re-decoding it gives the same message. */
  readonly json: string;
  /** Content hash of `json`: the resource's xDS version. Equal content, equal version, across restarts. */
  readonly version: string;
  /** The store revision that last created or replaced this resource. */
  readonly modRevision: number;
}

export type Mutation =
  | {
      readonly op: "put";
      readonly kind: StoredKindName;
      readonly name: string;
      readonly json: string;
      readonly version: string;
    }
  | { readonly op: "delete"; readonly kind: StoredKindName; readonly name: string };

/** Preconditions checked inside the commit's transaction; any failing one fails the whole commit. */
export interface CommitConditions {
  /** The store's current revision must equal this (nothing committed since the caller looked). */
  readonly storeRevision?: number;
  /**
   * Each named resource's modRevision must equal the given one; 0 means "must not exist".
   * This is what `If-Match` on a single resource means.
   */
  readonly modRevisions?: readonly {
    readonly kind: StoredKindName;
    readonly name: string;
    readonly modRevision: number;
  }[];
}

/** One resource's change within a revision. `before`/`after` are undefined where it did not / no longer exists. */
export interface ResourceChange {
  readonly kind: StoredKindName;
  readonly name: string;
  readonly op: "put" | "delete";
  readonly before: StoredResource | undefined;
  readonly after: StoredResource | undefined;
}

export interface RevisionRecord {
  readonly revision: number;
  /** When it was committed, RFC 3339. */
  readonly time: string;
  /** Free text the writer attached (e.g. "rollback to 12"), or "". */
  readonly description: string;
  /** One per changed resource, ordered by kind (as STORED_KIND_NAMES lists them: Envoy kinds, then mesh kinds), then name. */
  readonly changes: readonly ResourceChange[];
}

/** What commit() returns: the new revision, or the unchanged current one when every mutation was a no-op. */
export interface CommitResult {
  readonly revision: number;
  /** Only the mutations that changed something (a put of identical content is not a change). */
  readonly changes: readonly ResourceChange[];
}

export interface StoreState {
  readonly revision: number;
  readonly resources: readonly StoredResource[];
}

export type WatchEvent =
  | { readonly type: "revision"; readonly record: RevisionRecord }
  /** The watcher fell behind the kept history; it must reload with current() and watch again. */
  | {
      readonly type: "compacted";
      /** The oldest revision whose record is still kept. */
      readonly oldestRevision: number;
    };

export interface ConfigStore {
  /**
   * Every resource and the revision they are consistent at, read in one transaction; ordered by
   * kind (as STORED_KIND_NAMES lists them: Envoy kinds, then mesh kinds), then name.
   */
  current(): Promise<StoreState>;
  get(kind: StoredKindName, name: string): Promise<StoredResource | undefined>;
  /** One kind's resources, sorted by name. */
  list(kind: StoredKindName): Promise<StoredResource[]>;
  /**
   * Applies all mutations atomically as one new revision, after checking `conditions` in the same
   * transaction; throws WeftError WEFT_CONFLICT if a condition fails (one detail per failed
   * condition, `path` = "storeRevision" or "KIND/NAME"), and then nothing changes. Once the promise
   * resolves the revision is durable (survives a crash of this process). Mutations apply in order: a
   * resource named twice ends as the last one left it and counts as one change.
   */
  commit(
    mutations: readonly Mutation[],
    options?: { conditions?: CommitConditions; description?: string },
  ): Promise<CommitResult>;
  /**
   * Calls `listener` with every revision after `fromRevision`, in order, each exactly once: first
   * those already committed (from history), then new ones as they commit. Returns a function that
   * stops the watch. If `fromRevision` is older than the kept history, the first event is "compacted"
   * and the watch ends there. Listeners are never called synchronously from watch() or commit().
   */
  watch(fromRevision: number, listener: (event: WatchEvent) => void): () => void;
  /** Newest first, at most `limit` (default 100), only revisions below `before` when given. */
  history(options?: { limit?: number; before?: number }): Promise<RevisionRecord[]>;
  /** One revision with its changes, or undefined if it never existed or was compacted away. */
  revisionRecord(revision: number): Promise<RevisionRecord | undefined>;
  /**
   * Every resource as it was right after `revision` (ordered as current()); throws WeftError
   * WEFT_REVISION_COMPACTED if history no longer reaches it, WEFT_REVISION_NOT_FOUND if it is not committed yet.
   */
  stateAt(revision: number): Promise<StoreState>;
  close(): Promise<void>;
}
