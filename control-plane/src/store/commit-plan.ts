// What a commit does, decided the same way by every store: check the conditions against the state
// inside the transaction, then reduce the mutations to the changes that really alter something.
// Both functions only read, through `lookup`; the store applies the plan in its own transaction.

import { ErrorCode, type ErrorDetail, WeftError } from "../errors.js";
import type { StoredKindName } from "../mesh/index.js";
import type { CommitConditions, Mutation, ResourceChange, StoredResource } from "./config-store.js";
import { compareResourceKeys, resourceKey } from "./resource-order.js";

/** Reads one resource as it is inside the committing transaction. */
export type ResourceLookup = (kind: StoredKindName, name: string) => StoredResource | undefined;

/**
 * Throws CONFLICT listing every failed condition (one detail each: `path` names the condition,
 * `storeRevision` or `kind/name`) when any fails; returns quietly when all hold.
 */
export function checkConditions(
  conditions: CommitConditions | undefined,
  currentRevision: number,
  lookup: ResourceLookup,
): void {
  if (conditions === undefined) return;
  const failed: ErrorDetail[] = [];
  if (conditions.storeRevision !== undefined && conditions.storeRevision !== currentRevision) {
    failed.push({
      path: "storeRevision",
      message: `expected store revision ${conditions.storeRevision}, found ${currentRevision}`,
    });
  }
  for (const expected of conditions.modRevisions ?? []) {
    const found = lookup(expected.kind, expected.name)?.modRevision ?? 0;
    if (found !== expected.modRevision) {
      failed.push({
        path: resourceKey(expected.kind, expected.name),
        message:
          expected.modRevision === 0
            ? `expected ${expected.kind}/${expected.name} not to exist, found it at revision ${found}`
            : `expected ${expected.kind}/${expected.name} at revision ${expected.modRevision}, found ${found === 0 ? "none" : found}`,
      });
    }
  }
  if (failed.length > 0) {
    throw new WeftError(ErrorCode.conflict, `commit conditions failed: ${failed.map((d) => d.message).join("; ")}`, {
      details: failed,
    });
  }
}

/**
 * The changes `mutations` make when committed as `revision`, in resource order. Mutations apply in
 * sequence, so a resource named twice ends as the last one left it, and counts as one change from
 * its state before the commit. A put of the version already stored, or a delete of an absent
 * resource, changes nothing and is left out.
 */
export function planChanges(
  mutations: readonly Mutation[],
  revision: number,
  lookup: ResourceLookup,
): ResourceChange[] {
  const touched = new Map<
    string,
    { kind: StoredKindName; name: string; before: StoredResource | undefined; after: StoredResource | undefined }
  >();
  for (const mutation of mutations) {
    const key = resourceKey(mutation.kind, mutation.name);
    let entry = touched.get(key);
    if (entry === undefined) {
      const before = lookup(mutation.kind, mutation.name);
      entry = { kind: mutation.kind, name: mutation.name, before, after: before };
      touched.set(key, entry);
    }
    entry.after =
      mutation.op === "delete"
        ? undefined
        : Object.freeze({
            kind: mutation.kind,
            name: mutation.name,
            json: mutation.json,
            version: mutation.version,
            modRevision: revision,
          });
  }
  const changes: ResourceChange[] = [];
  for (const { kind, name, before, after } of touched.values()) {
    if (before === undefined && after === undefined) continue;
    if (before !== undefined && after !== undefined && before.version === after.version) continue;
    changes.push(Object.freeze({ kind, name, op: after === undefined ? "delete" : "put", before, after }));
  }
  return changes.sort(compareResourceKeys);
}
