// Rebuilding an earlier state from the current one: the store keeps, for every change, the
// resource as it was before, so undoing the changes newer than a revision gives the state right
// after it. Needs no snapshot of old states, only the change history the store keeps anyway.
import type { ResourceChange, StoredResource } from "./config-store.js";
import { compareResourceKeys, resourceKey } from "./resource-order.js";

/**
 * `current` with `newerChanges` undone. `newerChanges` must hold every change committed after the
 * target revision, newest revision first, so that the oldest change's `before` is what remains.
 */
export function rewind(current: Iterable<StoredResource>, newerChanges: Iterable<ResourceChange>): StoredResource[] {
  const state = new Map<string, StoredResource>();
  for (const resource of current) state.set(resourceKey(resource.kind, resource.name), resource);
  for (const change of newerChanges) {
    const key = resourceKey(change.kind, change.name);
    if (change.before === undefined) state.delete(key);
    else state.set(key, change.before);
  }
  return [...state.values()].sort(compareResourceKeys);
}
