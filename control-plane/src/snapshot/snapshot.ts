// An immutable, versioned view of every resource the control plane serves at one store revision.
// Each resource version is encoded once, when it first appears, and its bytes are shared by every
// stream and every later snapshot that still holds it.
import { createHash } from "node:crypto";

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

const EMPTY: ReadonlyMap<string, SnapshotResource> = new Map();

/**
 * What one client may see of a snapshot. Streams read resources only through this interface, so
 * a per-proxy selection (by node id, cluster or metadata) is a function from node and snapshot to
 * a view, plugged into the xDS context, with no change to the stream logic. The default view is
 * the snapshot itself: every proxy receives every resource.
 */
export interface SnapshotView {
  readonly revision: number;
  resources(typeUrl: string): ReadonlyMap<string, SnapshotResource>;
  /** version_info of the named resources (all of the type when `names` is undefined). */
  versionOf(typeUrl: string, names?: ReadonlySet<string>): string;
}

export class Snapshot implements SnapshotView {
  /** The store revision this snapshot reflects. */
  readonly revision: number;
  /** When that revision was committed (the store's clock), for convergence times. */
  readonly committedAt: Date;
  readonly issues: readonly ConsistencyIssue[];
  readonly #byType: ReadonlyMap<string, ReadonlyMap<string, SnapshotResource>>;
  readonly #versions = new Map<string, string>();

  constructor(
    revision: number,
    byType: ReadonlyMap<string, ReadonlyMap<string, SnapshotResource>>,
    issues: readonly ConsistencyIssue[] = [],
    committedAt: Date = new Date(),
  ) {
    this.revision = revision;
    this.committedAt = committedAt;
    this.#byType = byType;
    this.issues = issues;
  }

  /** Every resource of a type, by name; empty for a type the snapshot does not hold. */
  resources(typeUrl: string): ReadonlyMap<string, SnapshotResource> {
    return this.#byType.get(typeUrl) ?? EMPTY;
  }

  /**
   * The SotW version_info for a set of resources of one type: a hash of their names and content
   * versions, so it changes whenever any of them does, survives restarts, and never names two
   * different contents. `names` undefined means the whole type (a wildcard subscription).
   * Names that do not exist count as absent. Memoized per snapshot: streams share the answer.
   */
  versionOf(typeUrl: string, names?: ReadonlySet<string>): string {
    const key = names === undefined ? `${typeUrl}\n*` : `${typeUrl}\n${[...names].sort().join("\n")}`;
    let version = this.#versions.get(key);
    if (version === undefined) {
      const resources = this.resources(typeUrl);
      const hash = createHash("sha256");
      const selected = names === undefined ? [...resources.keys()] : [...names].filter((n) => resources.has(n));
      for (const name of selected.sort()) hash.update(`${name}\0${resources.get(name)?.version}\n`);
      version = hash.digest("hex").slice(0, 24);
      this.#versions.set(key, version);
    }
    return version;
  }
}
