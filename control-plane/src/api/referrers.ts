// Who references whom, for referential integrity on DELETE. References are computed from the
// stored canonical JSON (referencesOf decodes it), and remembered per resource version, so a
// delete against a large store decodes only what changed since the last one.
import { isMeshKindName, meshReferencesOf, type StoredKindName, type StoredRef } from "../mesh/index.js";
import { referencesOf } from "../resources/index.js";
import type { StoredResource } from "../store/config-store.js";

export interface Referrer {
  readonly kind: StoredKindName;
  readonly name: string;
  /** Where in the referrer the reference is, e.g. `virtual_hosts[0].routes[1].route.cluster`. */
  readonly path: string;
}

export class ReferenceIndex {
  /** `kind/name` -> the references of its content at `version`. */
  readonly #cache = new Map<string, { version: string; refs: readonly StoredRef[] }>();

  /** The resources among `resources` that reference `kind`/`name` (itself excluded), in `resources` order. */
  referrersOf(resources: readonly StoredResource[], kind: StoredKindName, name: string): Referrer[] {
    const referrers: Referrer[] = [];
    const seen = new Set<string>();
    for (const resource of resources) {
      const key = `${resource.kind}/${resource.name}`;
      seen.add(key);
      if (resource.kind === kind && resource.name === name) continue;
      for (const ref of this.#referencesOf(key, resource)) {
        if (ref.kind === kind && ref.name === name) {
          referrers.push({ kind: resource.kind, name: resource.name, path: ref.path });
        }
      }
    }
    // Forget resources that no longer exist, so the cache never outgrows the store.
    if (this.#cache.size > seen.size) {
      for (const key of this.#cache.keys()) if (!seen.has(key)) this.#cache.delete(key);
    }
    return referrers;
  }

  #referencesOf(key: string, resource: StoredResource): readonly StoredRef[] {
    const cached = this.#cache.get(key);
    if (cached?.version === resource.version) return cached.refs;
    const refs = isMeshKindName(resource.kind)
      ? meshReferencesOf(resource.kind, resource.json)
      : referencesOf(resource.kind, resource.json);
    this.#cache.set(key, { version: resource.version, refs });
    return refs;
  }
}
