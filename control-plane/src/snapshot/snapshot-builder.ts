// Keeps the newest Snapshot of the store. It learns of changes only through ConfigStore.watch()
// (so it works the same on a store shared by several processes), turns a burst of revisions into
// one snapshot (debounced), and hands each new snapshot to its subscribers.
import type { Logger } from "pino";
import { type Cluster, Cluster_DiscoveryType } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { canonicalJson, decodeJson } from "../../../proto/index.js";
import { type Clock, systemClock, type Timer } from "../../../time/index.js";
import { KINDS, RESOURCE_KINDS, type ResourceKind, referencesOfMessage, resourceVersion } from "../resources/index.js";
import type { ConfigStore, StoredResource, WatchEvent } from "../store/config-store.js";
import { encodeResource } from "./encode.js";
import { type ConsistencyIssue, Snapshot, type SnapshotResource } from "./snapshot.js";

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
  /** ...but never later than this after the first change of a burst. Default 100 ms. */
  readonly maxDelayMs?: number;
  /** The debounce timer and the commit time of a state read whole; the system clock by default. */
  readonly clock?: Clock;
}

export class SnapshotBuilder implements SnapshotSource {
  readonly #store: ConfigStore;
  readonly #logger: Logger;
  readonly #debounceMs: number;
  readonly #maxDelayMs: number;
  readonly #clock: Clock;
  readonly #listeners = new Set<(snapshot: Snapshot) => void>();
  readonly #stored = new Map<ResourceKind, Map<string, StoredResource>>(RESOURCE_KINDS.map((k) => [k, new Map()]));
  /** Encoded resources by type URL, name and version; carried from one snapshot to the next. */
  #encoded = new Map<string, SnapshotResource>();
  #revision = 0;
  #committedAt: Date;
  #snapshot: Snapshot | undefined;
  #unwatch: (() => void) | undefined;
  #timer: Timer | undefined;
  #firstPendingAt: number | undefined;
  #stopped = false;

  constructor(options: SnapshotBuilderOptions) {
    this.#store = options.store;
    this.#logger = options.logger.child({ component: "snapshot" });
    this.#debounceMs = options.debounceMs ?? 10;
    this.#maxDelayMs = options.maxDelayMs ?? 100;
    this.#clock = options.clock ?? systemClock;
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
    for (const resource of state.resources) this.#stored.get(resource.kind)?.set(resource.name, resource);
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
      const map = this.#stored.get(change.kind);
      if (change.after) map?.set(change.name, change.after);
      else map?.delete(change.name);
    }
    this.#revision = event.record.revision;
    this.#committedAt = new Date(event.record.time);
    this.#schedule();
  }

  #schedule(): void {
    const now = this.#clock.now();
    this.#firstPendingAt ??= now;
    this.#clock.clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.#debounceMs, this.#firstPendingAt + this.#maxDelayMs - now));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#firstPendingAt = undefined;
      this.#build();
    }, delay);
  }

  #build(): Snapshot {
    const started = performance.now();
    const encoded = new Map<string, SnapshotResource>();
    const byType = new Map<string, Map<string, SnapshotResource>>();
    const issues: ConsistencyIssue[] = [];
    const messages = new Map<ResourceKind, Map<string, unknown>>();
    for (const kind of RESOURCE_KINDS) {
      const info = KINDS[kind];
      const resources = new Map<string, SnapshotResource>();
      const kindMessages = new Map<string, unknown>();
      const stored = [...(this.#stored.get(kind)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const item of stored) {
        const key = `${info.typeUrl}\n${item.name}\n${item.version}`;
        let resource = this.#encoded.get(key) ?? encoded.get(key);
        if (!resource) {
          try {
            const message = decodeJson(info.typeName, JSON.parse(item.json));
            resource = encodeResource({ ...info, name: item.name, version: item.version, message });
          } catch (error) {
            issues.push({
              typeUrl: info.typeUrl,
              name: item.name,
              message: `stored resource does not decode: ${String(error)}`,
            });
            continue;
          }
        }
        encoded.set(key, resource);
        resources.set(item.name, resource);
        kindMessages.set(item.name, resource.message);
      }
      byType.set(info.typeUrl, resources);
      messages.set(kind, kindMessages);
    }
    this.#addEmptyAssignments(byType, messages, encoded);
    issues.push(...checkConsistency(byType, messages));
    this.#encoded = encoded;
    const snapshot = new Snapshot(this.#revision, byType, issues, this.#committedAt);
    this.#snapshot = snapshot;
    const log = issues.length > 0 ? this.#logger.warn.bind(this.#logger) : this.#logger.debug.bind(this.#logger);
    log(
      { revision: snapshot.revision, issues: issues.slice(0, 10), ms: Math.round(performance.now() - started) },
      "snapshot published",
    );
    for (const listener of this.#listeners) listener(snapshot);
    return snapshot;
  }

  /**
   * Every EDS cluster is served a ClusterLoadAssignment, an empty one if none is stored: a client
   * waiting for endpoints that never come blocks its calls (docs/xds-protocol.md, "Proxyless gRPC clients").
   */
  #addEmptyAssignments(
    byType: Map<string, Map<string, SnapshotResource>>,
    messages: Map<ResourceKind, Map<string, unknown>>,
    encoded: Map<string, SnapshotResource>,
  ): void {
    const endpoints = byType.get(KINDS.endpoints.typeUrl);
    if (!endpoints) return;
    for (const message of messages.get("clusters")?.values() ?? []) {
      const cluster = message as Cluster;
      if (cluster.type !== Cluster_DiscoveryType.EDS) continue;
      const name = cluster.edsClusterConfig?.serviceName || cluster.name;
      if (endpoints.has(name)) continue;
      const assignment = { clusterName: name, endpoints: [] };
      const version = resourceVersion(canonicalJson(KINDS.endpoints.typeName, assignment));
      const key = `${KINDS.endpoints.typeUrl}\n${name}\n${version}`;
      const resource =
        this.#encoded.get(key) ??
        encodeResource({ ...KINDS.endpoints, name, version, message: assignment, synthetic: true });
      encoded.set(key, resource);
      endpoints.set(name, resource);
    }
  }
}

/** Every route configuration a listener names over RDS, and every cluster a route names, should exist. */
function checkConsistency(
  byType: ReadonlyMap<string, ReadonlyMap<string, SnapshotResource>>,
  messages: ReadonlyMap<ResourceKind, ReadonlyMap<string, unknown>>,
): ConsistencyIssue[] {
  const issues: ConsistencyIssue[] = [];
  for (const kind of ["listeners", "routes", "clusters"] as const) {
    for (const [name, message] of messages.get(kind) ?? []) {
      for (const ref of referencesOfMessage(kind, message)) {
        if (!byType.get(KINDS[ref.kind].typeUrl)?.has(ref.name)) {
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
