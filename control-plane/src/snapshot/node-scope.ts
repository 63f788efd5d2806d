// Per-node views of a snapshot: the listeners a node is not meant to receive (node-scope-rules.ts)
// are left out of its view. A front proxy and its sidecars can then share one control plane without
// each binding the others' ports. Clusters, routes and endpoints are not scoped: a proxy subscribes
// to the routes its listeners name, and an unused cluster costs it little.
//
// A sidecar (node metadata, sidecar-node.ts) also receives what the mesh compiles for it
// (docs/mesh.md, "One engine"): the outbound side of its dependency set, in a view shared by every
// sidecar with the same set and scope, and its own listeners and app cluster on top.
import type { Logger } from "pino";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { TypeUrl } from "../../../proto/index.js";
import { inScope, listenerScope, type NodeScope, type ScopedNode } from "./node-scope-rules.js";
import { proxylessMtlsOf } from "./proxyless-node.js";
import { type SidecarNode, sidecarOf } from "./sidecar-node.js";
import {
  type CompiledByType,
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
  /** Views with compiled resources, by scope key and what was compiled for the node. */
  readonly compiled: Map<string, SnapshotView>;
}

/**
 * The xDS context's `view` function: the snapshot itself while no listener is scoped, otherwise a
 * view without the listeners not meant for the node. Nodes that see the same listeners share one
 * view per snapshot, and with it the memoized selections and encoded responses.
 */
export function nodeScopedViews(
  options: { readonly logger?: Logger | undefined } = {},
): (node: ScopedNode, snapshot: Snapshot) => SnapshotView {
  const indexes = new WeakMap<Snapshot, ScopeIndex>();
  // The compiled views of the newest three snapshots indexed, whose selections a new view may carry
  // (CompiledView checks that they still hold). Kept here, not in an index: an index reaching back
  // would keep every snapshot alive through the views' bases.
  let recent: readonly ReadonlyMap<string, SnapshotView>[] = [];
  // A stream keeps its node object: its sidecar description is read once.
  const sidecars = new WeakMap<ScopedNode, SidecarNode | undefined>();
  const sidecarOfNode = (node: ScopedNode): SidecarNode | undefined => {
    if (!sidecars.has(node)) sidecars.set(node, sidecarOf(node.metadata));
    return sidecars.get(node);
  };
  const dependsKeys = new WeakMap<SidecarNode, string>();
  const dependsKeyOf = (sidecar: SidecarNode): string => {
    let key = dependsKeys.get(sidecar);
    if (key === undefined) {
      key = `${sidecar.depends === undefined ? "*" : `=${sidecar.depends.join(",")}`}${sidecar.mtls ? "\0mtls" : ""}`;
      dependsKeys.set(sidecar, key);
    }
    return key;
  };
  // A sidecar's own part is carried between compilations while unchanged: identity names it.
  const ids = new WeakMap<CompiledByType, number>();
  let nextId = 0;
  const idOf = (part: CompiledByType): number => {
    let id = ids.get(part);
    if (id === undefined) {
      id = nextId++;
      ids.set(part, id);
    }
    return id;
  };
  // What was skipped of each sidecar's description, logged once per node and whenever it changes.
  const warned = new Map<string, string>();
  const warn = (node: ScopedNode, warnings: readonly string[]): void => {
    const key = warnings.join("\n");
    if ((warned.get(node.id) ?? "") === key) return;
    if (key === "") warned.delete(node.id);
    else warned.set(node.id, key);
    if (key !== "") options.logger?.warn({ nodeId: node.id, warnings }, "sidecar metadata skipped in part");
  };
  const scopedView = (node: ScopedNode, snapshot: Snapshot): { key: string; view: SnapshotView } => {
    let index = indexes.get(snapshot);
    if (index === undefined) {
      const scoped = new Map<string, NodeScope>();
      for (const [name, resource] of snapshot.resources(TypeUrl.listener)) {
        const scope = listenerScope(resource.message as Listener);
        if (scope !== undefined) scoped.set(name, scope);
      }
      index = { scoped, views: new Map(), compiled: new Map() };
      indexes.set(snapshot, index);
      recent = [index.compiled, ...recent.slice(0, 2)];
    }
    if (index.scoped.size === 0) return { key: "", view: snapshot };
    const hidden: string[] = [];
    for (const [name, scope] of index.scoped) if (!inScope(scope, node)) hidden.push(name);
    if (hidden.length === 0) return { key: "", view: snapshot };
    const key = hidden.join("\n");
    let view = index.views.get(key);
    if (view === undefined) {
      view = new ScopedView(snapshot, new Set(hidden));
      index.views.set(key, view);
    }
    return { key, view };
  };
  const compiledView = (
    key: string,
    snapshot: Snapshot,
    make: (before?: SnapshotView) => SnapshotView,
  ): SnapshotView => {
    const index = indexes.get(snapshot) as ScopeIndex;
    let view = index.compiled.get(key);
    if (view === undefined) {
      let before: SnapshotView | undefined;
      for (const views of recent) {
        before = views.get(key);
        if (before !== undefined) break;
      }
      view = make(before);
      index.compiled.set(key, view);
    }
    return view;
  };
  return (node, snapshot) => {
    const scoped = scopedView(node, snapshot);
    const mesh = snapshot.mesh;
    const sidecar = mesh === undefined ? undefined : sidecarOfNode(node);
    if (mesh === undefined) return scoped.view;
    if (sidecar === undefined) {
      // Any other node may name what gRPC proxyless clients and servers ask for; a wildcard never
      // brings it. A client saying it holds Weft's certificate provider gets clusters with TLS.
      const mtls = proxylessMtlsOf(node.metadata);
      const proxyless = mesh.proxyless(mtls);
      if (proxyless.size === 0) return scoped.view;
      const key = `${scoped.key}\0proxyless${mtls ? "\0mtls" : ""}`;
      return compiledView(key, snapshot, () => new NamedOnlyView(scoped.view, proxyless));
    }
    warn(node, [
      ...sidecar.warnings,
      ...mesh.sidecarIssues(sidecar).map((issue) => `upstreams: ${issue.message}; skipped`),
    ]);
    // A view made for the next snapshot under the same key carries the selections that still hold.
    const added = mesh.outbound(sidecar.depends, sidecar.mtls);
    const outboundKey = `${scoped.key}\0${dependsKeyOf(sidecar)}`;
    const outbound = compiledView(outboundKey, snapshot, (before) => new CompiledView(scoped.view, added, before));
    const own = mesh.sidecar(sidecar);
    // Sidecars with the same scope, dependencies and addresses (rare but free) share the view.
    const ownKey = `${outboundKey}\0${idOf(own)}`;
    return compiledView(ownKey, snapshot, (before) => new CompiledView(outbound, own, before));
  };
}

/**
 * A view's selections by type URL and subscription, each made once: a view is built per snapshot and
 * never changes, so a selection made for it stays right for its lifetime.
 */
class SelectionCache {
  readonly #byType = new Map<string, Map<Subscription, Selection>>();

  /** Shares `from`'s selections of `typeUrl`: the caller knows they select from the same resources. */
  share(from: SelectionCache, typeUrl: string): void {
    let byType = from.#byType.get(typeUrl);
    if (byType === undefined) {
      byType = new Map();
      from.#byType.set(typeUrl, byType);
    }
    this.#byType.set(typeUrl, byType);
  }

  get(typeUrl: string, subscription: Subscription, make: () => Selection): Selection {
    let byType = this.#byType.get(typeUrl);
    if (byType === undefined) {
      byType = new Map();
      this.#byType.set(typeUrl, byType);
    }
    let selection = byType.get(subscription);
    if (selection === undefined) {
      selection = make();
      byType.set(subscription, selection);
    }
    return selection;
  }
}

/**
 * A view with compiled resources added. Compiled names are reserved (the API refuses them for
 * written resources), so nothing is shadowed; a compiled resource would win if one were.
 */
class CompiledView implements SnapshotView {
  readonly #base: SnapshotView;
  readonly #added: CompiledByType;
  readonly #merged = new Map<string, ReadonlyMap<string, SnapshotResource>>();
  readonly #selections = new SelectionCache();

  /**
   * `before` is this view's predecessor for an earlier snapshot, if any: for each compiled type
   * whose base resources and compiled resources are the very same maps there, the merged
   * resources and selections made there hold here too and are shared.
   */
  constructor(base: SnapshotView, added: CompiledByType, before?: SnapshotView) {
    this.#base = base;
    this.#added = added;
    if (!(before instanceof CompiledView)) return;
    for (const [typeUrl, resources] of added) {
      if (before.#added.get(typeUrl) !== resources) continue;
      if (base.resources(typeUrl) !== before.#base.resources(typeUrl)) continue;
      const merged = before.#merged.get(typeUrl);
      if (merged !== undefined) this.#merged.set(typeUrl, merged);
      this.#selections.share(before.#selections, typeUrl);
    }
  }

  get revision(): number {
    return this.#base.revision;
  }

  resources(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    const added = this.#added.get(typeUrl);
    if (added === undefined) return this.#base.resources(typeUrl);
    let merged = this.#merged.get(typeUrl);
    if (merged === undefined) {
      merged = new Map([...this.#base.resources(typeUrl), ...added]);
      this.#merged.set(typeUrl, merged);
    }
    return merged;
  }

  /** The base's: nothing compiled is served by name only (the SDS secrets come from the snapshot). */
  namedOnly(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    return this.#base.namedOnly?.(typeUrl) ?? NONE;
  }

  select(typeUrl: string, subscription: Subscription): Selection {
    if (!this.#added.has(typeUrl)) return this.#base.select(typeUrl, subscription);
    return this.#selections.get(typeUrl, subscription, () => selectFrom(this.resources(typeUrl), subscription));
  }

  /** Memo keys name their content (versions, resources), so the snapshot's memo is safe to share. */
  memo<T>(key: string, make: () => T): T {
    return this.#base.memo(key, make);
  }
}

/**
 * A view whose compiled resources are served only to subscriptions naming them (namedOnly), never
 * to a wildcard one. A compiled resource named like a written one wins: the written one is hidden
 * from this view, for wildcard and named subscriptions alike (docs/mesh.md, "gRPC proxyless
 * clients (built)").
 */
class NamedOnlyView implements SnapshotView {
  readonly #base: SnapshotView;
  readonly #named: CompiledByType;
  readonly #unshadowed = new Map<string, ReadonlyMap<string, SnapshotResource>>();
  readonly #selections = new SelectionCache();

  constructor(base: SnapshotView, named: CompiledByType) {
    this.#base = base;
    this.#named = named;
  }

  get revision(): number {
    return this.#base.revision;
  }

  resources(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    let unshadowed = this.#unshadowed.get(typeUrl);
    if (unshadowed === undefined) {
      const named = this.#named.get(typeUrl);
      const all = this.#base.resources(typeUrl);
      const shadowed = named !== undefined && [...named.keys()].some((name) => all.has(name));
      unshadowed = shadowed ? new Map([...all].filter(([name]) => !named.has(name))) : all;
      this.#unshadowed.set(typeUrl, unshadowed);
    }
    return unshadowed;
  }

  /** The proxyless resources of their types; the base's (the SDS secrets) of the others. */
  namedOnly(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    return this.#named.get(typeUrl) ?? this.#base.namedOnly?.(typeUrl) ?? NONE;
  }

  select(typeUrl: string, subscription: Subscription): Selection {
    const named = this.#named.get(typeUrl);
    if (named === undefined) return this.#base.select(typeUrl, subscription);
    return this.#selections.get(typeUrl, subscription, () => selectFrom(this.resources(typeUrl), subscription, named));
  }

  /** Memo keys name their content (versions, resources), so the snapshot's memo is safe to share. */
  memo<T>(key: string, make: () => T): T {
    return this.#base.memo(key, make);
  }
}

const NONE: ReadonlyMap<string, SnapshotResource> = new Map();

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

  namedOnly(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    return this.#snapshot.namedOnly(typeUrl);
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
