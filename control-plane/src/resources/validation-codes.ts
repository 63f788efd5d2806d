// The one table of codes a semantic validation detail carries (ErrorDetail.code), shared by the
// four resource kinds. A detail's code says which rule refused the field; its path says where.
// Tests assert these codes, never message text.

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
