// Content versions: what Weft's control plane gives each resource (the REST API's `version`,
// delta xDS's Resource.version) and each set of resources (a state-of-the-world response's
// version_info). Both are computable by anyone holding the content, so a proxy fed by
// state-of-the-world xDS (whose resources carry no version) names a resource the same way.
import { createHash } from "node:crypto";
import { canonicalJson } from "./json-encode.js";

/** The content version of canonical JSON text: 96 bits of its SHA-256, in hex. */
export function versionOfCanonicalJson(json: string): string {
  return createHash("sha256").update(json).digest("hex").slice(0, 24);
}

/** The content version of `message`, a generated object of type `typeName`: equal content, equal version. */
export function contentVersion(typeName: string, message: unknown): string {
  return versionOfCanonicalJson(canonicalJson(typeName, message));
}

/**
 * The version of a set of resources, each given by name and content version (a SotW response's
 * version_info): 96 bits of a SHA-256 over the names and versions in name order, so it changes
 * whenever any member does, does not depend on the order given, survives restarts, and never
 * names two different sets.
 */
export function versionOfSet(resources: Iterable<{ readonly name: string; readonly version: string }>): string {
  const hash = createHash("sha256");
  const sorted = [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const r of sorted) hash.update(`${r.name}\0${r.version}\n`);
  return hash.digest("hex").slice(0, 24);
}
