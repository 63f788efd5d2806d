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
  // Access.
  unauthorized: "WEFT_UNAUTHORIZED",
  rateLimited: "WEFT_RATE_LIMITED",
  // Start-up and internals.
  insecureListen: "WEFT_INSECURE_LISTEN",
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
}

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
