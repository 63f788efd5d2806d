// Turning user input into a resource the store can hold: decode (structural checks by the proto
// JSON codec), check semantics per kind, and compute the canonical text and content version.
import {
  canonicalJson,
  KINDS,
  type KindName,
  type MessageOfName,
  ProtoError,
  type ResourceRef,
  versionOfCanonicalJson,
} from "../../../proto/index.js";
import { ErrorCode, type ErrorDetail, WeftError } from "../errors.js";
import { clusterType } from "./cluster.js";
import { endpointType } from "./endpoint.js";
import { listenerType } from "./listener.js";
import type { ResourceType } from "./resource-type.js";
import { routeType } from "./route.js";
import { ValidationCode } from "./validation-codes.js";

export {
  isKindName,
  KIND_NAMES,
  KINDS,
  type KindName,
  kindOfName,
  kindOfTypeUrl,
  type ResourceRef,
} from "../../../proto/index.js";
/** For the mesh kinds' checks (mesh/), which share the problem list and the RE2 rule. */
export { Problems } from "./problems.js";
export { regexProblem } from "./re2-regex.js";

/** Each kind's semantic checks, typed by its message. */
const TYPES: { readonly [N in KindName]: ResourceType<MessageOfName<N>> } = {
  listeners: listenerType,
  routes: routeType,
  clusters: clusterType,
  endpoints: endpointType,
};

/** A resource that passed every check, ready to store. */
export interface ParsedResource<N extends KindName = KindName> {
  readonly kind: N;
  readonly name: string;
  /** The generated (ts-proto) message. */
  readonly message: MessageOfName<N>;
  /** Canonical JSON text, what the store keeps. */
  readonly json: string;
  /** Content version: equal for equal content, in any process, at any time. */
  readonly version: string;
  readonly references: readonly ResourceRef[];
}

/** 1 to 253 printable ASCII characters, no `/` and no space (README, "REST API reference"). */
const NAME = /^[\x21-\x2e\x30-\x7e]{1,253}$/;

export function checkResourceName(name: string, path = "name"): ErrorDetail | undefined {
  // "." and ".." are path segments, not names: clients and proxies rewrite URLs holding them.
  // Refused as Kubernetes refuses them, however they are spelled in the URL (%2E, %2E%2E).
  if (name === "." || name === "..") {
    return { path, code: ValidationCode.badValue, message: `a name may not be "${name}"` };
  }
  return NAME.test(name)
    ? undefined
    : {
        path,
        code: name === "" ? ValidationCode.required : ValidationCode.badValue,
        message: "a name is 1 to 253 printable ASCII characters, without '/', spaces or control characters",
      };
}

/**
 * Parses `json` as a resource of `kind`. When `name` is given (the name in the URL), the name in
 * the body, if any, must equal it; without a name in the body, `name` is filled in. Throws
 * WeftError INVALID_RESOURCE listing every problem (paths prefixed with `options.path`).
 */
export function parseResource<N extends KindName>(
  kind: N,
  json: unknown,
  options: { name?: string; path?: string } = {},
): ParsedResource<N> {
  const info = KINDS[kind];
  const prefix = options.path ?? "";
  const at = (path: string) => (prefix === "" ? path : path === "" ? prefix : `${prefix}.${path}`);
  let body = json;
  if (options.name !== undefined && body !== null && typeof body === "object" && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    const given = record[info.nameField] ?? record[info.nameProperty];
    if (given === undefined) body = { ...record, [info.nameField]: options.name };
    else if (given !== options.name) {
      throw new WeftError(
        ErrorCode.nameMismatch,
        `the ${info.nameField} in the body ("${String(given)}") differs from the name in the URL ("${options.name}")`,
        {
          details: [{ path: at(info.nameField), message: `must equal "${options.name}"` }],
        },
      );
    }
  }
  let message: MessageOfName<N>;
  try {
    message = info.fromJson(body, { path: prefix });
  } catch (error) {
    if (error instanceof ProtoError && error.fieldErrors.length > 0) {
      throw new WeftError(
        ErrorCode.invalidResource,
        `invalid ${info.messageName}: ${error.message.replace(/^invalid \w+: /, "")}`,
        {
          details: error.fieldErrors.map(({ path, message, code, suggestion }) =>
            suggestion === undefined ? { path, message, code } : { path, message, code, suggestion },
          ),
          cause: error,
        },
      );
    }
    throw error;
  }
  const name = info.nameOf(message);
  const details: ErrorDetail[] = [];
  // An empty name is reported by the kind's own validate() as required.
  const badName = name === "" ? undefined : checkResourceName(name, at(info.nameField));
  if (badName) details.push(badName);
  for (const detail of TYPES[kind].validate(message)) details.push({ ...detail, path: at(detail.path) });
  if (details.length > 0) {
    const [first] = details;
    throw new WeftError(
      ErrorCode.invalidResource,
      `invalid ${info.messageName}: ${first?.path}: ${first?.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ""}`,
      { details },
    );
  }
  const text = canonicalJson(info.typeName, message);
  return {
    kind,
    name,
    message,
    json: text,
    version: versionOfCanonicalJson(text),
    references: info.references(message),
  };
}

/** The references of an already stored (hence valid) resource, from its canonical JSON. */
export function referencesOf<N extends KindName>(kind: N, json: string): ResourceRef[] {
  const info = KINDS[kind];
  return info.references(info.fromJson(JSON.parse(json)));
}
