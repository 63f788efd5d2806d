// Keeps the newest Snapshot of the store. It learns of changes only through ConfigStore.watch()
// (so it works the same on a store shared by several processes), turns a burst of revisions into
// one snapshot (debounced), and hands each new snapshot to its subscribers.

import type { Logger } from "pino";
import { contentVersion, type ResourceRef } from "../../../proto/index.js";
import { type Clock, systemClock, type Timer } from "../../../time/index.js";
import type { MeshSecurity } from "../mesh/compiler/index.js";
import { type CompileIssue, meshStateOf, type StoredMeshDocument } from "../mesh/compiler/index.js";
import { isMeshKindName, type MeshDocument, type MeshKindName } from "../mesh/index.js";
import { isKindName, KIND_NAMES, KINDS, type KindName } from "../resources/index.js";
import type { ConfigStore, StoredResource, WatchEvent } from "../store/config-store.js";
import { encodeResource } from "./encode.js";
import { MeshCompilation } from "./mesh-compilation.js";
import { type SecretSources, servedSecrets } from "./served-secrets.js";
import { type CompiledByType, type ConsistencyIssue, Snapshot, type SnapshotResource } from "./snapshot.js";

/** A resource encoded for the wire, with the references read from its message when it was decoded. */
interface Encoded {
  readonly resource: SnapshotResource;
  readonly references: readonly ResourceRef[];
}

/** The resources of one kind in a snapshot being built, by name, in name order. */
type Built = Map<string, Encoded>;

/** Where streams get snapshots from. */
export interface SnapshotSource {
  /** The newest snapshot, or undefined before the first one is built. */
  current(): Snapshot | undefined;
  /** Calls `listener` with every snapshot published after this call. Returns the unsubscribe function. */
  subscribe(listener: (snapshot: Snapshot) => void): () => void;
}

export interface SnapshotBuilderOptions {
  readonly store: ConfigStore;
  readonly logger: Logger;
  /** Build this long after the last change of a burst. Default 10 ms. */
  readonly debounceMs?: number;
  /**
   * ...but never later than this after the first change of a burst. Default 100 ms. Either waits
   * longer when the last build and its hand-out to the streams took longer (pacing).
   */
  readonly maxDelayMs?: number;
  /** The debounce timer and the commit time of a state read whole; the system clock by default. */
  readonly clock?: Clock;
  /** The trust domain and mTLS mode sidecars are compiled for; plaintext sidecars when absent. */
  readonly security?: MeshSecurity;
  /**
   * What the SDS secrets the control plane serves are made of (served-secrets.ts); none are
   * served when absent.
   */
  readonly secrets?: SecretSources;
}

export class SnapshotBuilder implements SnapshotSource {
  readonly #store: ConfigStore;
  readonly #logger: Logger;
  readonly #debounceMs: number;
  readonly #maxDelayMs: number;
  readonly #clock: Clock;
  readonly #listeners = new Set<(snapshot: Snapshot) => void>();
  readonly #stored = new Map<KindName, Map<string, StoredResource>>(KIND_NAMES.map((k) => [k, new Map()]));
  /** Mesh documents by kind and name, parsed once per change; the compiler's input. */
  readonly #mesh = new Map<string, StoredMeshDocument>();
  /** The compilation of the current mesh documents; rebuilt only when one changed. */
  #compilation: MeshCompilation | undefined;
  /** The last compilation built, whose encodings the next one reuses. */
  #previousCompilation: MeshCompilation | undefined;
  /** Encoded resources by type URL, name and version; carried from one snapshot to the next. */
  #encoded = new Map<string, Encoded>();
  #revision = 0;
  #committedAt: Date;
  #snapshot: Snapshot | undefined;
  #unwatch: (() => void) | undefined;
  #timer: Timer | undefined;
  #firstPendingAt: number | undefined;
  /** The compile issues of the last compilation, as issueKey() names them. */
  #loggedIssues = new Set<string>();
  /** No build before this: the last build and its hand-out to the streams took as long again. */
  #pacedUntil = 0;
  #stopped = false;

  readonly #security: MeshSecurity | undefined;
  /** The secrets served by name (the trust bundle), made once: they change only with the CA, at a restart. */
  readonly #secrets: CompiledByType;

  constructor(options: SnapshotBuilderOptions) {
    this.#store = options.store;
    this.#logger = options.logger.child({ component: "snapshot" });
    this.#debounceMs = options.debounceMs ?? 10;
    this.#maxDelayMs = options.maxDelayMs ?? 100;
    this.#clock = options.clock ?? systemClock;
    this.#security = options.security;
    this.#secrets = options.secrets === undefined ? new Map() : servedSecrets(options.secrets);
    this.#committedAt = new Date(this.#clock.now());
  }

  /** Loads the store, publishes the first snapshot and starts watching. */
  async start(): Promise<Snapshot> {
    await this.#reload();
    return this.#build();
  }

  stop(): void {
    this.#stopped = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#clock.clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  current(): Snapshot | undefined {
    return this.#snapshot;
  }

  subscribe(listener: (snapshot: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #reload(): Promise<void> {
    this.#unwatch?.();
    const state = await this.#store.current();
    for (const map of this.#stored.values()) map.clear();
    this.#mesh.clear();
    this.#compilation = undefined;
    for (const resource of state.resources) {
      if (isKindName(resource.kind)) this.#stored.get(resource.kind)?.set(resource.name, resource);
      else if (isMeshKindName(resource.kind)) this.#putMesh(resource.kind, resource.name, resource);
    }
    this.#revision = state.revision;
    // The commit time of a state read whole is unknown; now is the honest lower bound for convergence.
    this.#committedAt = new Date(this.#clock.now());
    if (!this.#stopped) this.#unwatch = this.#store.watch(state.revision, (event) => this.#onEvent(event));
  }

  #onEvent(event: WatchEvent): void {
    if (this.#stopped) return;
    if (event.type === "compacted") {
      this.#logger.warn({ oldestRevision: event.oldestRevision }, "fell behind the store's history; reloading");
      this.#reload().then(
        () => this.#schedule(),
        (error: unknown) => this.#logger.error({ err: error }, "reloading the store failed"),
      );
      return;
    }
    for (const change of event.record.changes) {
      // Mesh documents (services, routes, ...) reach proxies only as what they compile to, per view.
      if (isMeshKindName(change.kind)) {
        this.#putMesh(change.kind, change.name, change.after);
        continue;
      }
      if (!isKindName(change.kind)) continue;
      const map = this.#stored.get(change.kind);
      if (change.after) map?.set(change.name, change.after);
      else map?.delete(change.name);
    }
    this.#revision = event.record.revision;
    this.#committedAt = new Date(event.record.time);
    this.#schedule();
  }

  #putMesh(kind: MeshKindName, name: string, stored: StoredResource | undefined): void {
    const key = `${kind}\n${name}`;
    this.#compilation = undefined;
    this.#mesh.delete(key);
    if (stored === undefined) return;
    try {
      this.#mesh.set(key, { kind, document: JSON.parse(stored.json) as MeshDocument });
    } catch (error) {
      this.#logger.warn({ err: error, kind, name }, "stored mesh document does not parse; left out");
    }
  }

  /**
   * The compilation of the current mesh documents, the previous one while none changed. Compile
   * issues are logged when they appear and never fail the build.
   */
  #compile(): MeshCompilation | undefined {
    if (this.#compilation !== undefined) return this.#compilation;
    let compilation: MeshCompilation;
    try {
      compilation = new MeshCompilation(meshStateOf(this.#mesh.values()), this.#previousCompilation, this.#security);
    } catch (error) {
      // Stored documents passed their checks, so this is a compiler bug: serve the raw resources.
      this.#logger.error({ err: error, revision: this.#revision }, "compiling the mesh documents failed");
      return undefined;
    }
    // Each issue is logged when it first appears, not again with every registration after it.
    const keys = new Set(compilation.issues.map(issueKey));
    const fresh = compilation.issues.filter((issue) => !this.#loggedIssues.has(issueKey(issue)));
    this.#loggedIssues = keys;
    if (fresh.length > 0) {
      this.#logger.warn(
        { revision: this.#revision, issues: fresh.slice(0, 10), count: fresh.length, total: keys.size },
        "mesh documents compiled with issues",
      );
    }
    this.#compilation = compilation;
    this.#previousCompilation = compilation;
    return compilation;
  }

  #schedule(): void {
    const now = this.#clock.now();
    this.#firstPendingAt ??= now;
    this.#clock.clearTimeout(this.#timer);
    const debounced = Math.min(this.#debounceMs, this.#firstPendingAt + this.#maxDelayMs - now);
    const delay = Math.max(0, debounced, this.#pacedUntil - now);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#firstPendingAt = undefined;
      this.#build();
    }, delay);
  }

  #build(): Snapshot {
    const started = performance.now();
    const began = this.#clock.now();
    const encoded = new Map<string, Encoded>();
    const issues: ConsistencyIssue[] = [];
    const built = new Map<KindName, Built>();
    for (const kind of KIND_NAMES) built.set(kind, this.#buildKind(kind, encoded, issues));
    this.#addEmptyAssignments(built, encoded);
    issues.push(...checkConsistency(built));
    this.#encoded = encoded;
    // A type whose resources are all as before keeps the previous snapshot's map, so views can
    // tell by identity that what they selected from it still holds (node-scope.ts).
    const previous = this.#snapshot;
    const byType = new Map(
      [...built].map(([kind, entries]) => {
        const { typeUrl } = KINDS[kind];
        const resources = new Map([...entries].map(([name, entry]) => [name, entry.resource]));
        const before = previous?.resources(typeUrl);
        return [typeUrl, before !== undefined && sameResources(before, resources) ? before : resources];
      }),
    );
    const snapshot = new Snapshot(this.#revision, byType, issues, this.#committedAt, this.#compile(), this.#secrets);
    this.#snapshot = snapshot;
    const log = issues.length > 0 ? this.#logger.warn.bind(this.#logger) : this.#logger.debug.bind(this.#logger);
    log(
      { revision: snapshot.revision, issues: issues.slice(0, 10), ms: Math.round(performance.now() - started) },
      "snapshot published",
    );
    for (const listener of this.#listeners) listener(snapshot);
    // Pacing: while changes keep coming (thousands of sidecars registering at once), at most half
    // of the time goes to building snapshots and answering streams, the rest to the changes
    // themselves and to the streams' own requests. A quiet control plane builds at once.
    const finished = this.#clock.now();
    this.#pacedUntil = finished + (finished - began);
    return snapshot;
  }

  /** The stored resources of `kind`, decoded as its message type and encoded once per version. */
  #buildKind<N extends KindName>(kind: N, encoded: Map<string, Encoded>, issues: ConsistencyIssue[]): Built {
    const info = KINDS[kind];
    const entries: Built = new Map();
    const stored = [...(this.#stored.get(kind)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const item of stored) {
      const key = `${info.typeUrl}\n${item.name}\n${item.version}`;
      let entry = this.#encoded.get(key) ?? encoded.get(key);
      if (!entry) {
        try {
          const message = info.fromJson(JSON.parse(item.json));
          const { typeUrl, typeName } = info;
          const resource = encodeResource({ typeUrl, typeName, name: item.name, version: item.version, message });
          entry = { resource, references: info.references(message) };
        } catch (error) {
          issues.push({
            typeUrl: info.typeUrl,
            name: item.name,
            message: `stored resource does not decode: ${String(error)}`,
          });
          continue;
        }
      }
      encoded.set(key, entry);
      entries.set(item.name, entry);
    }
    return entries;
  }

  /**
   * Every EDS cluster is served a ClusterLoadAssignment, an empty one if none is stored: a client
   * waiting for endpoints that never come blocks its calls (docs/xds-protocol.md, "Proxyless gRPC clients").
   */
  #addEmptyAssignments(built: ReadonlyMap<KindName, Built>, encoded: Map<string, Encoded>): void {
    const endpoints = built.get("endpoints");
    if (!endpoints) return;
    const { typeUrl, typeName } = KINDS.endpoints;
    for (const cluster of built.get("clusters")?.values() ?? []) {
      // An EDS cluster's one reference to an assignment: its EDS service name, or its own name.
      for (const ref of cluster.references) {
        if (ref.kind !== "endpoints" || endpoints.has(ref.name)) continue;
        const name = ref.name;
        const assignment = { clusterName: name, endpoints: [] };
        const version = contentVersion(typeName, assignment);
        const key = `${typeUrl}\n${name}\n${version}`;
        const entry = this.#encoded.get(key) ?? {
          resource: encodeResource({ typeUrl, typeName, name, version, message: assignment, synthetic: true }),
          references: [],
        };
        encoded.set(key, entry);
        endpoints.set(name, entry);
      }
    }
  }
}

function issueKey(issue: CompileIssue): string {
  return `${issue.kind}\n${issue.name}\n${issue.path}\n${issue.message}`;
}

function sameResources(a: ReadonlyMap<string, SnapshotResource>, b: ReadonlyMap<string, SnapshotResource>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, resource] of a) if (b.get(name) !== resource) return false;
  return true;
}

/** Every resource one resource names (a listener's route configurations, a route's clusters...) should exist. */
function checkConsistency(built: ReadonlyMap<KindName, Built>): ConsistencyIssue[] {
  const issues: ConsistencyIssue[] = [];
  for (const [kind, entries] of built) {
    for (const [name, entry] of entries) {
      for (const ref of entry.references) {
        if (!built.get(ref.kind)?.has(ref.name)) {
          issues.push({
            typeUrl: KINDS[kind].typeUrl,
            name,
            message: `${ref.path} names ${KINDS[ref.kind].messageName} "${ref.name}", which does not exist`,
          });
        }
      }
    }
  }
  return issues;
}
