// Snapshots built by hand for unit tests of the type states: resources are names and versions with
// placeholder bytes, so a test states exactly what changed between two snapshots.
import { Snapshot, type SnapshotResource } from "../../../control-plane/src/snapshot/snapshot.js";

const EMPTY = new Uint8Array();

export function fakeResource(typeUrl: string, name: string, version: string): SnapshotResource {
  return {
    typeUrl,
    name,
    version,
    message: {},
    anyBytes: EMPTY,
    sotwEntry: EMPTY,
    deltaEntry: EMPTY,
    synthetic: false,
  };
}

/** A snapshot at `revision` holding, for `typeUrl`, one resource per `name: version` entry. */
export function fakeSnapshot(revision: number, typeUrl: string, resources: Record<string, string>): Snapshot {
  const byName = new Map(
    Object.entries(resources).map(([name, version]) => [name, fakeResource(typeUrl, name, version)]),
  );
  return new Snapshot(revision, new Map([[typeUrl, byName]]));
}
