// From request to resources the store can hold: path parameters, the body of a PUT, the documents
// of an apply. Every refusal is a WeftError with field paths; nothing here touches the store.
import type { FastifyBaseLogger } from "fastify";
import { FieldErrorCode, type KindName } from "../../../proto/index.js";
import { DetailCode, ErrorCode, type ErrorDetail, ValidationCode, WeftError } from "../errors.js";
import { isReservedName, RESERVED_NAME_PREFIXES } from "../mesh/compiler/index.js";
import {
  isMeshKindName,
  isStoredKindName,
  MESH_KINDS,
  meshKindOfDocument,
  meshKindOfName,
  parseMeshDocument,
  STORED_KIND_NAMES,
  type StoredKindName,
  type StoredRef,
} from "../mesh/index.js";
import { checkResourceName, KINDS, kindOfName, kindOfTypeUrl, parseResource } from "../resources/index.js";
import { ParsedBody } from "./body/parsed-body.js";

/** How the codec spells the path of a top-level "@type". */
const TOP_LEVEL_TYPE: ReadonlySet<string> = new Set(['["@type"]', "@type"]);

/**
 * A resource that passed every check, Envoy-shaped (resources/parseResource) or a mesh document
 * (mesh/parseMeshDocument): what the store keeps and what it references.
 */
export interface AcceptedResource {
  readonly kind: StoredKindName;
  readonly name: string;
  /** Canonical JSON text. */
  readonly json: string;
  readonly version: string;
  readonly references: readonly StoredRef[];
}

export function kindParam(kind: string): StoredKindName {
  if (isStoredKindName(kind)) return kind;
  const expected = STORED_KIND_NAMES.join(", ");
  throw new WeftError(ErrorCode.unknownKind, `unknown kind "${kind}"; expected one of ${expected}`, {
    details: [{ path: "kind", message: `expected one of ${expected}` }],
  });
}

/** How a kind is named in messages: Envoy's message name (`Cluster`) or the document kind (`HTTPRoute`). */
function kindTitle(kind: StoredKindName): string {
  return isMeshKindName(kind) ? MESH_KINDS[kind].kind : KINDS[kind].messageName;
}

export function nameParam(name: string): string {
  const problem = checkResourceName(name, "name");
  if (problem)
    throw new WeftError(ErrorCode.invalidName, `invalid resource name ${JSON.stringify(name)}`, { details: [problem] });
  return name;
}

/** The one document of a PUT body (a YAML stream's empty documents aside). */
export function singleDocument(body: unknown): unknown {
  if (!(body instanceof ParsedBody)) {
    throw new WeftError(ErrorCode.badRequest, "this request needs a body (application/json or application/yaml)");
  }
  if (body.format === "json") return body.documents[0];
  const documents = body.documents.filter((document) => document !== null);
  if (documents.length > 1) {
    throw new WeftError(ErrorCode.invalidYaml, "the body must hold one YAML document, not several", {
      details: [{ path: "", message: `found ${documents.length} documents`, code: DetailCode.syntax }],
    });
  }
  return documents[0] ?? null;
}

/**
 * parseResource, made safe for the edge: a validator that throws something other than a WeftError
 * has a bug, but the input caused it, so the client gets a 400 (and the bug is logged) instead of a 500.
 */
function parseAtEdge(
  kind: StoredKindName,
  json: unknown,
  options: { name?: string; path?: string },
  log: FastifyBaseLogger,
): AcceptedResource {
  try {
    if (isMeshKindName(kind)) return parseMeshDocument(kind, json, options);
    const parsed = parseResource(kind, json, options);
    refuseReservedName(kind, parsed.name, options.path);
    return parsed;
  } catch (error) {
    if (error instanceof WeftError) throw error;
    log.error({ err: error, kind }, "resource validation threw; refusing the resource");
    throw new WeftError(ErrorCode.invalidResource, `the ${kindTitle(kind)} could not be validated`, {
      details: [{ path: options.path ?? "", message: error instanceof Error ? error.message : String(error) }],
      cause: error,
    });
  }
}

/**
 * Names the mesh compiler gives the Envoy resources it generates (`outbound|...`, `inbound|...`)
 * are not for written resources: a proxy's view holds both, and one name must mean one resource.
 */
function refuseReservedName(kind: KindName, name: string, prefix: string | undefined): void {
  if (!isReservedName(name)) return;
  const field = KINDS[kind].nameField;
  throw new WeftError(ErrorCode.invalidResource, `the ${KINDS[kind].messageName} name "${name}" is reserved`, {
    details: [
      {
        path: prefix === undefined || prefix === "" ? field : `${prefix}.${field}`,
        code: ValidationCode.badValue,
        message: `names starting with ${RESERVED_NAME_PREFIXES.join(" or ")} are reserved for the resources the mesh compiler generates`,
      },
    ],
  });
}

/** The resource of PUT /v1/resources/KIND/NAME. */
export function resourceFromPut(
  kind: StoredKindName,
  name: string,
  body: unknown,
  log: FastifyBaseLogger,
): AcceptedResource {
  const json = singleDocument(body);
  try {
    return parseAtEdge(kind, json, { name }, log);
  } catch (error) {
    // A top-level "@type" of another kind is the client naming the wrong kind, not a bad field.
    if (
      error instanceof WeftError &&
      error.details.some((d) => d.code === FieldErrorCode.typeMismatch && TOP_LEVEL_TYPE.has(d.path))
    ) {
      throw new WeftError(ErrorCode.kindMismatch, `the body's "@type" is not a ${kindTitle(kind)}`, {
        details: error.details,
        cause: error,
      });
    }
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface ApplyItem {
  /** Where the item is in the body, e.g. `resources[2]` or `documents[0]`. */
  readonly path: string;
  readonly kind: unknown;
  readonly resource: unknown;
  readonly resourcePath: string;
  /** A Kubernetes-shaped document (it has `apiVersion`): its kind is its apiVersion and kind. */
  readonly apiVersion?: unknown;
}

/**
 * The items of an apply body. JSON (or one YAML document): {"resources":[{kind, resource}]}. YAML
 * streams: one item per document, each either {kind, resource} or the resource's own fields plus
 * `kind`. Items in the list may use either form too. Problems are added to `details`.
 */
function applyItems(body: ParsedBody, details: ErrorDetail[]): ApplyItem[] {
  const documents = body.documents.filter((document) => document !== null);
  const [first] = documents;
  if (documents.length === 1 && isObject(first) && !("kind" in first) && !("@type" in first)) {
    const unknown = Object.keys(first).filter((key) => key !== "resources");
    for (const key of unknown) details.push({ path: key, message: "unknown field", code: FieldErrorCode.unknownField });
    if (!Array.isArray(first.resources)) {
      details.push({ path: "resources", message: "expected a list of {kind, resource}" });
      return [];
    }
    return first.resources
      .map((item, i) => applyItem(item, `resources[${i}]`, details))
      .filter((item) => item !== undefined);
  }
  if (body.format === "json") {
    details.push({ path: "", message: 'expected {"resources":[{"kind":KIND,"resource":{...}}]}' });
    return [];
  }
  const items: ApplyItem[] = [];
  body.documents.forEach((document, i) => {
    if (document === null) return;
    const item = applyItem(document, `documents[${i}]`, details);
    if (item) items.push(item);
  });
  return items;
}

function applyItem(item: unknown, path: string, details: ErrorDetail[]): ApplyItem | undefined {
  if (!isObject(item)) {
    details.push({ path, message: "expected an object with kind and resource" });
    return undefined;
  }
  if ("resource" in item) {
    for (const key of Object.keys(item)) {
      if (key !== "kind" && key !== "resource") {
        details.push({ path: `${path}.${key}`, message: "unknown field", code: FieldErrorCode.unknownField });
      }
    }
    return { path, kind: item.kind, resource: item.resource, resourcePath: `${path}.resource` };
  }
  // A mesh document is whole as written: apiVersion and kind are part of what is stored.
  if ("apiVersion" in item)
    return { path, kind: item.kind, apiVersion: item.apiVersion, resource: item, resourcePath: path };
  const { kind, ...resource } = item;
  return { path, kind, resource, resourcePath: path };
}

function kindOfItem(item: ApplyItem, details: ErrorDetail[]): StoredKindName | undefined {
  if (item.apiVersion !== undefined) {
    const kind =
      typeof item.apiVersion === "string" && typeof item.kind === "string"
        ? meshKindOfDocument(item.apiVersion, item.kind)?.plural
        : undefined;
    if (kind === undefined) {
      details.push({
        path: `${item.path}.kind`,
        code: ErrorCode.unknownKind,
        message: `no mesh kind is ${JSON.stringify(item.kind)} of apiVersion ${JSON.stringify(item.apiVersion)}; expected ${Object.values(
          MESH_KINDS,
        )
          .map((k) => `${k.kind} (${k.apiVersion})`)
          .join(", ")}`,
      });
    }
    return kind;
  }
  if (item.kind === undefined && isObject(item.resource) && typeof item.resource["@type"] === "string") {
    const kind = kindOfTypeUrl(item.resource["@type"])?.kind;
    if (kind !== undefined) return kind;
  }
  const kind = typeof item.kind === "string" ? (kindOfName(item.kind) ?? meshKindOfName(item.kind)) : undefined;
  if (kind === undefined) {
    details.push({
      path: `${item.path}.kind`,
      code: ErrorCode.unknownKind,
      message:
        item.kind === undefined
          ? "missing kind"
          : `unknown kind ${JSON.stringify(item.kind)}; expected one of ${STORED_KIND_NAMES.join(", ")} (or the Envoy message names)`,
    });
  }
  return kind;
}

/** A resource of an apply body and where it was (`resources[2].resource`, `documents[0]`). */
export interface ApplyResource {
  readonly resource: AcceptedResource;
  readonly path: string;
}

/** Every resource of an apply body, validated; one WEFT_INVALID_RESOURCE lists every problem. */
export function resourcesFromApply(body: unknown, log: FastifyBaseLogger): ApplyResource[] {
  if (!(body instanceof ParsedBody)) {
    throw new WeftError(ErrorCode.badRequest, "apply needs a body (application/json or application/yaml)");
  }
  const details: ErrorDetail[] = [];
  const resources: ApplyResource[] = [];
  const seen = new Map<string, string>();
  for (const item of applyItems(body, details)) {
    const kind = kindOfItem(item, details);
    if (kind === undefined) continue;
    let parsed: AcceptedResource;
    try {
      parsed = parseAtEdge(kind, item.resource, { path: item.resourcePath }, log);
    } catch (error) {
      if (!(error instanceof WeftError)) throw error;
      details.push(
        ...(error.details.length > 0 ? error.details : [{ path: item.resourcePath, message: error.message }]),
      );
      continue;
    }
    const key = `${parsed.kind}/${parsed.name}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      details.push({
        path: item.path,
        code: DetailCode.duplicateResource,
        message: `${key} is also given at ${earlier}; one apply names each resource once`,
      });
      continue;
    }
    seen.set(key, item.path);
    resources.push({ resource: parsed, path: item.resourcePath });
  }
  if (details.length > 0) {
    const [first] = details;
    throw new WeftError(
      ErrorCode.invalidResource,
      `nothing applied: ${first?.path ? `${first.path}: ` : ""}${first?.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ""}`,
      { details },
    );
  }
  return resources;
}
