// An immutable, versioned view of every resource the control plane serves at one store revision.
// Each resource version is encoded once, when it first appears, and its bytes are shared by every
// stream and every later snapshot that still holds it.
import { versionOfSet } from "../../../proto/index.js";
import type { CompileIssue } from "../mesh/compiler/index.js";
import type { SidecarNode } from "./sidecar-node.js";

/** One resource, ready to send. */
export interface SnapshotResource {
  readonly typeUrl: string;
  readonly name: string;
  /** Content version (hash of the canonical JSON); what delta's Resource.version carries. */
  readonly version: string;
  /** The decoded message (ts-proto form), for CSDS and the admin views. */
  readonly message: unknown;
  /** Encoded google.protobuf.Any holding the resource. */
  readonly anyBytes: Uint8Array;
  /** The resource as one `resources` entry of a DiscoveryResponse (field 2: tag, length, Any). */
  readonly sotwEntry: Uint8Array;
  /** The resource as one `resources` entry of a DeltaDiscoveryResponse (field 2: tag, length, Resource). */
  readonly deltaEntry: Uint8Array;
  /** Made by Weft rather than stored: the empty ClusterLoadAssignment of an EDS cluster without endpoints. */
  readonly synthetic: boolean;
}

/** A problem the consistency check found; the snapshot is published anyway. */
export interface ConsistencyIssue {
  readonly typeUrl: string;
  readonly name: string;
  readonly message: string;
}

/** Compiled resources by type URL and name. */
export type CompiledByType = ReadonlyMap<string, ReadonlyMap<string, SnapshotResource>>;

/** What the mesh documents of a snapshot's revision compile to, per view (mesh-compilation.ts). */
export interface CompiledMesh {
  /** The routes, clusters and endpoints of the Services in `depends` (sorted, unique; undefined: every Service). */
  outbound(depends: readonly string[] | undefined, mtls?: boolean): CompiledByType;
  /** The sidecar's own listeners and app cluster. */
  sidecar(node: SidecarNode): CompiledByType;
  /** What the sidecar's own description asks for that names nothing in the mesh (left out of `sidecar`). */
  sidecarIssues(node: SidecarNode): readonly CompileIssue[];
  /**
   * What gRPC proxyless clients and servers ask for by name (API listeners `NAME`, `NAME:PORT`,
   * their clusters and endpoints, and servers' listeners `inbound|grpc-server|HOST:PORT`): served
   * to nodes that are not sidecars, and only to a subscription naming them. With `mtls` (the node
   * declared Weft's certificate provider), clusters to Services taking mTLS carry TLS settings.
   */
  proxyless(mtls?: boolean): CompiledByType;
}

const EMPTY: ReadonlyMap<string, SnapshotResource> = new Map();

/**
 * What a client subscribes to for one type. Interned (see subscription()): clients with the same
 * subscription share one object, and its `key` identifies it in per-snapshot memos.
 */
export interface Subscription {
  readonly key: string;
  readonly wildcard: boolean;
  /** Explicit names, besides the wildcard if there is one. */
  readonly names: ReadonlySet<string>;
}

/** The resources a subscription selects in one snapshot, with their SotW version_info. */
export interface Selection {
  readonly version: string;
  /** Sorted by name. */
  readonly resources: readonly SnapshotResource[];
  readonly byName: ReadonlyMap<string, SnapshotResource>;
}

/**
 * What one client may see of a snapshot. Streams read resources only through this interface, so
 * a per-proxy selection (by node id, cluster or metadata) is a function from node and snapshot to
 * a view, plugged into the xDS context, with no change to the stream logic. The default view is
 * the snapshot itself: every proxy receives every resource.
 */
export interface SnapshotView {
  readonly revision: number;
  resources(typeUrl: string): ReadonlyMap<string, SnapshotResource>;
  /** What `subscription` selects; a view should memoize it, since every stream asks. */
  select(typeUrl: string, subscription: Subscription): Selection;
  /**
   * Resources served only to a subscription naming them, never to a wildcard one, by name (absent:
   * none). They are not among `resources()`, and replace a resource of the same name there for
   * a subscription naming it.
   */
  namedOnly?(typeUrl: string): ReadonlyMap<string, SnapshotResource>;
  /** A value computed once per view and key (encoded responses shared by streams). */
  memo<T>(key: string, make: () => T): T;
}

const interned = new Map<string, Subscription>();

/** The shared Subscription for a wildcard flag and names (order and duplicates do not matter). */
export function subscription(wildcard: boolean, names: Iterable<string>): Subscription {
  const sorted = [...new Set(names)].sort();
  const key = `${wildcard ? "*" : ""}\n${sorted.join("\n")}`;
  let found = interned.get(key);
  if (!found) {
    // Distinct subscriptions are few (clients of one service ask alike); the bound is a backstop.
    if (interned.size >= 100_000) interned.clear();
    found = { key, wildcard, names: new Set(sorted) };
    interned.set(key, found);
  }
  return found;
}

/**
 * What `sub` selects from `all` and, for the names it lists, from `namedOnly` first; unmemoized:
 * for views to build on.
 */
export function selectFrom(
  all: ReadonlyMap<string, SnapshotResource>,
  sub: Subscription,
  namedOnly: ReadonlyMap<string, SnapshotResource> = EMPTY,
): Selection {
  const chosen = new Map<string, SnapshotResource>();
  if (sub.wildcard) for (const [name, resource] of all) chosen.set(name, resource);
  for (const name of sub.names) {
    const resource = namedOnly.get(name) ?? all.get(name);
    if (resource) chosen.set(name, resource);
  }
  const resources = [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version: versionOfSet(resources), resources, byName: new Map(resources.map((r) => [r.name, r])) };
}

/**
 * What a client subscribed by `wildcard` and `names` may be sent of one type (its interest still
 * to be applied): the view's resources, with the named-only ones it names laid over them.
 */
export function subscribedResources(
  view: SnapshotView,
  typeUrl: string,
  wildcard: boolean,
  names: ReadonlySet<string>,
): ReadonlyMap<string, SnapshotResource> {
  const all = view.resources(typeUrl);
  const namedOnly = view.namedOnly?.(typeUrl);
  if (namedOnly === undefined || namedOnly.size === 0) return all;
  const visible = new Map<string, SnapshotResource>(wildcard ? all : []);
  for (const name of names) {
    const resource = namedOnly.get(name) ?? all.get(name);
    if (resource !== undefined) visible.set(name, resource);
  }
  return visible;
}

export class Snapshot implements SnapshotView {
  /** The store revision this snapshot reflects. */
  readonly revision: number;
  /** When that revision was committed (the store's clock), for convergence times. */
  readonly committedAt: Date;
  readonly issues: readonly ConsistencyIssue[];
  /** The mesh documents of this revision and what they compile to, per view (see node-scope.ts). */
  readonly mesh: CompiledMesh | undefined;
  readonly #byType: ReadonlyMap<string, ReadonlyMap<string, SnapshotResource>>;
  /** Resources served only to a subscription naming them (the SDS secrets the control plane makes). */
  readonly #namedOnly: CompiledByType;
  readonly #memo = new Map<string, unknown>();
  /** Selections by type URL and (interned) subscription object: no key strings on the hot path. */
  readonly #selections = new Map<string, Map<Subscription, Selection>>();

  constructor(
    revision: number,
    byType: ReadonlyMap<string, ReadonlyMap<string, SnapshotResource>>,
    issues: readonly ConsistencyIssue[] = [],
    committedAt: Date = new Date(),
    mesh?: CompiledMesh,
    namedOnly: CompiledByType = new Map(),
  ) {
    this.revision = revision;
    this.mesh = mesh;
    this.committedAt = committedAt;
    this.#byType = byType;
    this.#namedOnly = namedOnly;
    this.issues = issues;
  }

  /** Every resource of a type, by name; empty for a type the snapshot does not hold. */
  resources(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    return this.#byType.get(typeUrl) ?? EMPTY;
  }

  /**
   * The resources of a type served only to a subscription naming them: SDS secrets, which Envoy
   * asks for by name only (docs/xds-protocol.md #52), so a wildcard subscription never brings one.
   */
  namedOnly(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    return this.#namedOnly.get(typeUrl) ?? EMPTY;
  }

  select(typeUrl: string, sub: Subscription): Selection {
    let byType = this.#selections.get(typeUrl);
    if (!byType) {
      byType = new Map();
      this.#selections.set(typeUrl, byType);
    }
    let selection = byType.get(sub);
    if (!selection) {
      selection = selectFrom(this.resources(typeUrl), sub, this.namedOnly(typeUrl));
      byType.set(sub, selection);
    }
    return selection;
  }

  memo<T>(key: string, make: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = make();
    this.#memo.set(key, value);
    return value;
  }

  /** version_info of the named resources of a type, or of all of them when `names` is undefined. */
  versionOf(typeUrl: string, names?: ReadonlySet<string>): string {
    return this.select(typeUrl, subscription(names === undefined, names ?? [])).version;
  }
}
