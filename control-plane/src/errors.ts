// The control plane's one table of error codes. Every error it throws carries one of these; the
// REST API and the gRPC services map codes to HTTP and gRPC statuses at their edges, and tests
// assert codes, never message text.

export const ErrorCode = {
  // Input that is not a valid resource.
  invalidResource: "WEFT_INVALID_RESOURCE",
  invalidJson: "WEFT_INVALID_JSON",
  invalidYaml: "WEFT_INVALID_YAML",
  invalidName: "WEFT_INVALID_NAME",
  nameMismatch: "WEFT_NAME_MISMATCH",
  kindMismatch: "WEFT_KIND_MISMATCH",
  unknownKind: "WEFT_UNKNOWN_KIND",
  bodyTooLarge: "WEFT_BODY_TOO_LARGE",
  unsupportedMediaType: "WEFT_UNSUPPORTED_MEDIA_TYPE",
  badRequest: "WEFT_BAD_REQUEST",
  // State.
  notFound: "WEFT_NOT_FOUND",
  conflict: "WEFT_CONFLICT",
  referenced: "WEFT_REFERENCED",
  compacted: "WEFT_REVISION_COMPACTED",
  revisionNotFound: "WEFT_REVISION_NOT_FOUND",
  // Access.
  /** No bearer token: no Authorization header, or another scheme. */
  unauthorized: "WEFT_UNAUTHORIZED",
  /** A bearer token that is not the API's. */
  tokenInvalid: "WEFT_TOKEN_INVALID",
  rateLimited: "WEFT_RATE_LIMITED",
  // Requests the REST API has no route for.
  routeNotFound: "WEFT_ROUTE_NOT_FOUND",
  methodNotAllowed: "WEFT_METHOD_NOT_ALLOWED",
  // Start-up and internals.
  insecureListen: "WEFT_INSECURE_LISTEN",
  /** The xDS or API address could not be listened on (taken, not this machine's, not allowed). */
  listenFailed: "WEFT_LISTEN_FAILED",
  storeFailed: "WEFT_STORE_FAILED",
  internal: "WEFT_INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem with one field of the input, as the API's `details` list carries it. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
  /** A finer code for this detail (e.g. WEFT_JSON_UNKNOWN_FIELD), when there is one. */
  readonly code?: string;
  /** 1-based position in the request body, for syntax errors in JSON or YAML text. */
  readonly line?: number;
  readonly column?: number;
  /** For a misspelt field or enum name: the closest name Weft accepts there ("did you mean"). */
  readonly suggestion?: string;
}

/** Finer codes for `ErrorDetail.code`, beside the proto codec's WEFT_JSON_* field codes. */
export const DetailCode = {
  /** Text that is not JSON or YAML at all. */
  syntax: "WEFT_SYNTAX",
  /** The same key twice in one JSON object or YAML mapping. */
  duplicateKey: "WEFT_DUPLICATE_KEY",
  /** Objects and arrays nested deeper than the API accepts (64 levels). */
  tooDeep: "WEFT_TOO_DEEP",
  /** A YAML anchor, alias or tag the API refuses. */
  yamlAlias: "WEFT_YAML_ALIAS",
  yamlTag: "WEFT_YAML_TAG",
  /** One resource named twice in one apply. */
  duplicateResource: "WEFT_DUPLICATE_RESOURCE",
  /** A warning: a reference to a resource that does not exist (yet). */
  missingReference: "WEFT_MISSING_REFERENCE",
  /** A resource that still references the one being deleted. */
  referencedBy: "WEFT_REFERENCED_BY",
} as const;

export type DetailCode = (typeof DetailCode)[keyof typeof DetailCode];

export class WeftError extends Error {
  override readonly name = "WeftError";
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: { details?: readonly ErrorDetail[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
  }
}
