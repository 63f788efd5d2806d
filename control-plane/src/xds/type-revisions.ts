// Per type on one stream, which store revision the client runs and which it cannot run because it
// rejected a response, for GET /v1/proxies (and `weft apply --wait`, which waits for a revision).
// A snapshot's view is what one revision selects for this client (its node, its subscription), so
// a client whose type state is settled against a view runs that revision's config for the type,
// whether or not a response was needed to get there.
import type { SnapshotView } from "../snapshot/snapshot.js";
import type { SyncState } from "../status/proxy-status.js";

/** What the tracker reads of a type state (SotW or delta). */
export interface RevisionSubject {
  readonly typeUrl: string;
  readonly awaitingAck: boolean;
  readonly state: SyncState;
  /** The client runs what `view` holds for this type, with nothing in flight. */
  settled(view: SnapshotView): boolean;
  /** `view` selects, for this client, a version it rejected (which is never sent again). */
  selectsRejected(view: SnapshotView): boolean;
}

export class TypeRevisions {
  readonly #running = new Map<string, number>();
  readonly #rejected = new Map<string, number>();

  /**
   * Looks at `state` once everything it needed for `view` has been sent. Revisions only grow: a
   * client that changes its subscription still runs the last revision it settled on until it
   * settles again.
   */
  observe(state: RevisionSubject, view: SnapshotView): void {
    const running = this.#running.get(state.typeUrl);
    if (running !== undefined && running >= view.revision) return;
    if (state.settled(view) && !state.selectsRejected(view)) {
      this.#running.set(state.typeUrl, view.revision);
    } else if (!state.awaitingAck && (state.state === "NACKED" || state.selectsRejected(view))) {
      // Nothing is on its way that could change this: the client does not run this revision
      // because of what it rejected, until a later revision brings something else.
      this.#rejected.set(state.typeUrl, view.revision);
    }
  }

  /** The latest revision whose config for `typeUrl` the client runs; null if none yet. */
  running(typeUrl: string): number | null {
    return this.#running.get(typeUrl) ?? null;
  }

  /** The latest revision the client does not run because of a rejection; null if none. */
  rejected(typeUrl: string): number | null {
    return this.#rejected.get(typeUrl) ?? null;
  }
}
