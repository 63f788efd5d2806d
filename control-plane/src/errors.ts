// The control plane's one registry of error codes. Every error it throws carries an ErrorCode; the
// REST API maps it to an HTTP status at its edge (api/error-status.ts), and tests assert codes,
// never message text. The finer codes a reply's `details` carry are here too (DetailCode,
// ValidationCode), beside the proto codec's WEFT_JSON_* field codes (proto/errors.ts): a detail
// rides on the reply of the error that holds it (400 for WEFT_INVALID_RESOURCE, _JSON, _YAML, _NAME;
// 409 for WEFT_REFERENCED), or, for WEFT_MISSING_REFERENCE, in a successful write's `warnings`.
import type { FieldErrorCode } from "../../proto/index.js";

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
  /** A sidecar's registration body (PUT /v1/registrations/NODE) that is not a valid instance. */
  invalidRegistration: "WEFT_INVALID_REGISTRATION",
  // State.
  notFound: "WEFT_NOT_FOUND",
  conflict: "WEFT_CONFLICT",
  referenced: "WEFT_REFERENCED",
  /** A plain write of, or over, a WorkloadEntry the control plane wrote for a registered sidecar. */
  registeredWorkload: "WEFT_REGISTERED_WORKLOAD",
  compacted: "WEFT_REVISION_COMPACTED",
  revisionNotFound: "WEFT_REVISION_NOT_FOUND",
  // Access.
  /** No bearer token: no Authorization header, or another scheme. */
  unauthorized: "WEFT_UNAUTHORIZED",
  /** A bearer token that is not the API's. */
  tokenInvalid: "WEFT_TOKEN_INVALID",
  /** A valid API token whose role does not allow the request (read writing, write managing tokens). */
  forbidden: "WEFT_FORBIDDEN",
  rateLimited: "WEFT_RATE_LIMITED",
  // Requests the REST API has no route for.
  routeNotFound: "WEFT_ROUTE_NOT_FOUND",
  methodNotAllowed: "WEFT_METHOD_NOT_ALLOWED",
  // The mesh certificate authority (ca/).
  /** A trust domain, service name or SPIFFE ID that is not one (the detail's path names which). */
  invalidIdentity: "WEFT_INVALID_IDENTITY",
  /** A certificate signing request that is not PKCS#10 PEM, or whose signature does not verify. */
  invalidCsr: "WEFT_INVALID_CSR",
  /** A CSR whose public key is neither ECDSA P-256 nor RSA of at least 2048 bits. */
  csrKeyUnsupported: "WEFT_CSR_KEY_UNSUPPORTED",
  /** CA material (a stored root, an operator's --ca-cert/--ca-key) that cannot sign: see the details. */
  caInvalid: "WEFT_CA_INVALID",
  // The TLS xDS port (xds/node-identity.ts).
  /** A call on the TLS xDS port that needs a client certificate from the mesh CA and came without one. */
  certificateRequired: "WEFT_CERTIFICATE_REQUIRED",
  /** A client certificate whose identity does not match the node (or registration) the client claims. */
  identityMismatch: "WEFT_IDENTITY_MISMATCH",
  // Start-up and internals.
  /** The API beyond loopback without a token, or the plaintext xDS port beyond loopback without --xds-plaintext. */
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
  readonly code?: AnyDetailCode;
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

/**
 * The codes of semantic validation (resources/): which rule refused the field; the detail's path
 * says where. Shared by every resource kind.
 */
export const ValidationCode = {
  /** A field Envoy or a gRPC client needs is missing or empty (a name, an address, a match). */
  required: "WEFT_VALIDATION_REQUIRED",
  /** A list that must hold at least one entry holds none (domains, http_filters, endpoints). */
  empty: "WEFT_VALIDATION_EMPTY",
  /** A number or duration outside what the field accepts (port 0, negative timeout, weights summing to 0). */
  outOfRange: "WEFT_VALIDATION_OUT_OF_RANGE",
  /** A regular expression that does not compile, or uses what RE2 refuses (lookaround, backreferences). */
  badRegex: "WEFT_VALIDATION_BAD_REGEX",
  /** A value that must be unique appears twice (domain, virtual host name, endpoint address, priority). */
  duplicate: "WEFT_VALIDATION_DUPLICATE",
  /** Fields that may not be set together, or a field that does not apply to the rest of the resource. */
  conflict: "WEFT_VALIDATION_CONFLICT",
  /** Valid Envoy configuration that Weft cannot serve or run (a pipe address, MAGLEV, a TLS transport socket). */
  unsupported: "WEFT_VALIDATION_UNSUPPORTED",
  /** An Any holding another message than the field requires (an api_listener that is not an HttpConnectionManager). */
  wrongType: "WEFT_VALIDATION_WRONG_TYPE",
  /** An Any whose bytes do not decode as the message its type URL names. */
  malformed: "WEFT_VALIDATION_MALFORMED",
  /** An address that is not an IP literal (where one is needed), or not a host name, or a bad CIDR prefix. */
  badAddress: "WEFT_VALIDATION_BAD_ADDRESS",
  /** A virtual host domain or server name with a misplaced `*` or characters a Host header cannot carry. */
  badDomain: "WEFT_VALIDATION_BAD_DOMAIN",
  /** A path that does not start with `/`, or a path_separated_prefix ending in `/` or holding `?`/`#`. */
  badPath: "WEFT_VALIDATION_BAD_PATH",
  /** A header name outside the RFC 9110 token syntax, a value with CR/LF/NUL, or a header that may not be changed. */
  badHeader: "WEFT_VALIDATION_BAD_HEADER",
  /** A string outside its field's vocabulary (a retry_on token, a hex payload, an unknown enum value). */
  badValue: "WEFT_VALIDATION_BAD_VALUE",
  /** An element in the wrong place of an ordered list (the router filter not last). */
  misplaced: "WEFT_VALIDATION_MISPLACED",
  /** Endpoint priorities that skip a level (priority 2 without priority 1). */
  notContiguous: "WEFT_VALIDATION_NOT_CONTIGUOUS",
} as const;

export type ValidationCode = (typeof ValidationCode)[keyof typeof ValidationCode];

/**
 * Every code a detail may carry: the codes above, the codec's field codes, and WEFT_UNKNOWN_KIND
 * for an apply item whose kind is not one of the four.
 */
export type AnyDetailCode = DetailCode | ValidationCode | FieldErrorCode | typeof ErrorCode.unknownKind;

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
