// Turning user input into a mesh document the store can hold: the kind's schema (structure, the
// honoured subset only), its semantic checks, then canonical JSON and content version. The
// counterpart of resources/parseResource for Kubernetes-shaped documents.
import { versionOfCanonicalJson } from "../../../proto/index.js";
import { ErrorCode, type ErrorDetail, WeftError } from "../errors.js";
import { canonicalDocumentJson } from "./canonical-document.js";
import { MESH_KINDS, type MeshDocument, type MeshKindName, type MeshRef, meshKindOfDocument } from "./kinds/index.js";

/** A document that passed every check, ready to store. */
export interface ParsedMeshDocument<N extends MeshKindName = MeshKindName> {
  readonly kind: N;
  readonly name: string;
  readonly document: MeshDocument;
  /** Canonical JSON text (sorted keys), what the store keeps. */
  readonly json: string;
  /** Content version of `json`, computed as for Envoy resources. */
  readonly version: string;
  readonly references: readonly MeshRef[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const prefixed = (prefix: string, path: string) => (prefix === "" ? path : path === "" ? prefix : `${prefix}.${path}`);

/**
 * Parses `json` as a document of `kind`. When `name` is given (the name in the URL),
 * `metadata.name`, if any, must equal it; without one, `name` is filled in. Throws WeftError
 * INVALID_RESOURCE listing every problem (paths prefixed with `options.path`), NAME_MISMATCH, or
 * KIND_MISMATCH for a document of another mesh kind.
 */
export function parseMeshDocument<N extends MeshKindName>(
  kind: N,
  json: unknown,
  options: { name?: string; path?: string } = {},
): ParsedMeshDocument<N> {
  const info = MESH_KINDS[kind];
  const prefix = options.path ?? "";
  const at = (path: string) => prefixed(prefix, path);
  let body = json;
  if (isRecord(body)) {
    const other =
      typeof body.apiVersion === "string" && typeof body.kind === "string"
        ? meshKindOfDocument(body.apiVersion, body.kind)
        : undefined;
    if (other !== undefined && other.plural !== kind) {
      throw new WeftError(ErrorCode.kindMismatch, `the document is a ${other.kind}, not a ${info.kind}`, {
        details: [{ path: at("kind"), message: `must be ${info.kind} (apiVersion ${info.apiVersion})` }],
      });
    }
    if (options.name !== undefined) body = withName(body, options.name, at);
  }
  const structural = info.check(body);
  const details: ErrorDetail[] = structural.length > 0 ? structural : info.validate(body as MeshDocument);
  if (details.length > 0) {
    const all = details.map((detail) => ({ ...detail, path: at(detail.path) }));
    const [first] = all;
    throw new WeftError(
      ErrorCode.invalidResource,
      `invalid ${info.kind}: ${first?.path}: ${first?.message}${all.length > 1 ? ` (and ${all.length - 1} more)` : ""}`,
      { details: all },
    );
  }
  const document = body as MeshDocument;
  const text = canonicalDocumentJson(document);
  return {
    kind,
    name: info.nameOf(document),
    document,
    json: text,
    version: versionOfCanonicalJson(text),
    references: info.references(document),
  };
}

/** `body` with metadata.name filled in from the URL, or a NAME_MISMATCH if it names another. */
function withName(body: Record<string, unknown>, name: string, at: (path: string) => string): Record<string, unknown> {
  const metadata = body.metadata === undefined ? {} : body.metadata;
  if (!isRecord(metadata)) return body;
  if (metadata.name === undefined) return { ...body, metadata: { ...metadata, name } };
  if (metadata.name !== name) {
    throw new WeftError(
      ErrorCode.nameMismatch,
      `metadata.name in the body ("${String(metadata.name)}") differs from the name in the URL ("${name}")`,
      { details: [{ path: at("metadata.name"), message: `must equal "${name}"` }] },
    );
  }
  return body;
}

/** The references of an already stored (hence valid) document, from its canonical JSON. */
export function meshReferencesOf(kind: MeshKindName, json: string): MeshRef[] {
  return MESH_KINDS[kind].references(JSON.parse(json) as MeshDocument);
}
