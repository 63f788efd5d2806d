// Per-node views of a snapshot: the listeners a node is not meant to receive (node-scope-rules.ts)
// are left out of its view. A front proxy and its sidecars can then share one control plane without
// each binding the others' ports. Clusters, routes and endpoints are not scoped: a proxy subscribes
// to the routes its listeners name, and an unused cluster costs it little.
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { TypeUrl } from "../../../proto/index.js";
import { inScope, listenerScope, type NodeScope, type ScopedNode } from "./node-scope-rules.js";
import {
  type Selection,
  type Snapshot,
  type SnapshotResource,
  type SnapshotView,
  type Subscription,
  selectFrom,
} from "./snapshot.js";

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
