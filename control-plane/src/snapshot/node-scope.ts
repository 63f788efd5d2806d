// Listeners meant for some proxies only. By default every proxy receives every resource
// (CONTRACT.md); a listener can say otherwise in its metadata:
//
//   metadata: { filter_metadata: { weft: { node_clusters: ["front"], node_ids: ["edge-1"] } } }
//
// It is then served only to nodes whose cluster is listed (when node_clusters is given) and whose
// id is listed (when node_ids is given). A front proxy and its sidecars can share one control
// plane without each binding the others' ports. Clusters, routes and endpoints are not scoped: a
// proxy subscribes to the routes its listeners name, and an unused cluster costs it little.
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { TypeUrl } from "../../../proto/index.js";
import {
  type Selection,
  type Snapshot,
  type SnapshotResource,
  type SnapshotView,
  type Subscription,
  selectFrom,
} from "./snapshot.js";

/** The filter_metadata key holding a listener's scope. */
export const SCOPE_METADATA_KEY = "weft";

export interface NodeScope {
  /** Node clusters the listener is for; undefined: any. */
  readonly nodeClusters: ReadonlySet<string> | undefined;
  /** Node ids the listener is for; undefined: any. */
  readonly nodeIds: ReadonlySet<string> | undefined;
}

/** Who a view is for. */
export interface ScopedNode {
  readonly id: string;
  readonly cluster: string;
}

/**
 * A listener's scope, or undefined for a listener every proxy receives. Reads only well-formed
 * lists of strings (the listener validation refuses anything else before it is stored).
 */
export function listenerScope(listener: Listener): NodeScope | undefined {
  const weft = listener.metadata?.filterMetadata[SCOPE_METADATA_KEY];
  if (weft === undefined) return undefined;
  const set = (value: unknown): ReadonlySet<string> | undefined =>
    Array.isArray(value) ? new Set(value.filter((v): v is string => typeof v === "string")) : undefined;
  const nodeClusters = set(weft.node_clusters);
  const nodeIds = set(weft.node_ids);
  if (nodeClusters === undefined && nodeIds === undefined) return undefined;
  return { nodeClusters, nodeIds };
}

export function inScope(scope: NodeScope, node: ScopedNode): boolean {
  return (
    (scope.nodeClusters === undefined || scope.nodeClusters.has(node.cluster)) &&
    (scope.nodeIds === undefined || scope.nodeIds.has(node.id))
  );
}

interface ScopeIndex {
  /** Scoped listeners by name; empty when no listener is scoped (every node sees the snapshot). */
  readonly scoped: ReadonlyMap<string, NodeScope>;
  /** Views by the names of the scoped listeners they hide, shared by every node hiding the same. */
  readonly views: Map<string, ScopedView>;
}

/**
 * The xDS context's `view` function: the snapshot itself while no listener is scoped, otherwise a
 * view without the listeners not meant for the node. Nodes that see the same listeners share one
 * view per snapshot, and with it the memoized selections and encoded responses.
 */
export function nodeScopedViews(): (node: ScopedNode, snapshot: Snapshot) => SnapshotView {
  const indexes = new WeakMap<Snapshot, ScopeIndex>();
  return (node, snapshot) => {
    let index = indexes.get(snapshot);
    if (index === undefined) {
      const scoped = new Map<string, NodeScope>();
      for (const [name, resource] of snapshot.resources(TypeUrl.listener)) {
        const scope = listenerScope(resource.message as Listener);
        if (scope !== undefined) scoped.set(name, scope);
      }
      index = { scoped, views: new Map() };
      indexes.set(snapshot, index);
    }
    if (index.scoped.size === 0) return snapshot;
    const hidden: string[] = [];
    for (const [name, scope] of index.scoped) if (!inScope(scope, node)) hidden.push(name);
    if (hidden.length === 0) return snapshot;
    const key = hidden.join("\n");
    let view = index.views.get(key);
    if (view === undefined) {
      view = new ScopedView(snapshot, new Set(hidden));
      index.views.set(key, view);
    }
    return view;
  };
}

/** A snapshot without some listeners. */
class ScopedView implements SnapshotView {
  readonly #snapshot: Snapshot;
  readonly #listeners: ReadonlyMap<string, SnapshotResource>;
  readonly #selections = new Map<Subscription, Selection>();

  constructor(snapshot: Snapshot, hidden: ReadonlySet<string>) {
    this.#snapshot = snapshot;
    this.#listeners = new Map([...snapshot.resources(TypeUrl.listener)].filter(([name]) => !hidden.has(name)));
  }

  get revision(): number {
    return this.#snapshot.revision;
  }

  resources(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    return typeUrl === TypeUrl.listener ? this.#listeners : this.#snapshot.resources(typeUrl);
  }

  select(typeUrl: string, subscription: Subscription): Selection {
    if (typeUrl !== TypeUrl.listener) return this.#snapshot.select(typeUrl, subscription);
    let selection = this.#selections.get(subscription);
    if (selection === undefined) {
      selection = selectFrom(this.#listeners, subscription);
      this.#selections.set(subscription, selection);
    }
    return selection;
  }

  /** Memo keys name their content (versions, resources), so the snapshot's memo is safe to share. */
  memo<T>(key: string, make: () => T): T {
    return this.#snapshot.memo(key, make);
  }
}
