// Test helpers: mesh documents into a MeshState (through the kinds' own parsing), and the check
// that a compiled resource is one both planes accept: the control plane's validation of stored
// resources, and the proxy's config builder (which NACKs what it does not run).
import assert from "node:assert/strict";
import type { CompiledResource } from "../../../../control-plane/src/mesh/compiler/index.js";
import { type MeshState, meshStateOf } from "../../../../control-plane/src/mesh/compiler/index.js";
import { meshKindOfDocument, parseMeshDocument } from "../../../../control-plane/src/mesh/index.js";
import { parseResource } from "../../../../control-plane/src/resources/index.js";
import { buildConfigSet } from "../../../../data-plane/src/config/index.js";
import { canonicalJson, KINDS, type KindName } from "../../../../proto/index.js";
import type { Doc } from "../mesh-documents.js";

/** The state of a store holding `docs` (each parsed as the API would, so a bad one throws). */
export function stateOf(...docs: Doc[]): MeshState {
  return meshStateOf(
    docs.map((doc) => {
      const kind = meshKindOfDocument(String(doc.apiVersion), String(doc.kind));
      assert.ok(kind, `no mesh kind for ${String(doc.kind)}`);
      return { kind: kind.plural, document: parseMeshDocument(kind.plural, doc).document };
    }),
  );
}

/** The resource as Envoy JSON (proto field names), as `weft get -o json` would print it. */
export function envoyJson(resource: CompiledResource): Record<string, unknown> {
  return JSON.parse(canonicalJson(KINDS[resource.kind].typeName, resource.message)) as Record<string, unknown>;
}

/**
 * Asserts the control plane would store `resource` under its name and the proxy would build it;
 * returns what the proxy built.
 */
export function assertBothPlanesAccept<N extends KindName>(resource: CompiledResource<N>): unknown {
  const parsed = parseResource(resource.kind, envoyJson(resource), { name: resource.name });
  assert.equal(parsed.name, resource.name);
  const built = buildConfigSet(KINDS[resource.kind].typeUrl, [
    { name: resource.name, resource: resource.message as never },
  ]);
  if (!built.ok) assert.fail(`the proxy refuses ${resource.kind}/${resource.name}: ${built.error.message}`);
  return built.set.resources[0];
}
