// A resource's content version: what Weft's control plane gives each resource (the REST API's
// `version`, delta xDS's Resource.version), computable by anyone holding the content, so a proxy
// fed by state-of-the-world xDS (whose resources carry no version) names it the same way.
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
