// The xDS client's one table of error codes. Every error it raises carries one of these; tests
// assert codes, never message text. gRPC status codes are chosen only where a NACK is sent.

export const XdsClientErrorCode = {
  /** An Any in a response does not hold the response's type (docs/xds-protocol.md #15). */
  typeMismatch: "WEFT_XDS_TYPE_MISMATCH",
  /** An Any in a response does not decode. */
  malformedResource: "WEFT_XDS_MALFORMED_RESOURCE",
  /** One response names the same resource twice (docs/xds-protocol.md #14). */
  duplicateResource: "WEFT_XDS_DUPLICATE_RESOURCE",
  /** A resource has no name. */
  unnamedResource: "WEFT_XDS_UNNAMED_RESOURCE",
  /** A handler refused a resource. */
  rejected: "WEFT_XDS_REJECTED",
  /** The options given to the client are unusable (no servers, unknown type URL). */
  invalidOptions: "WEFT_XDS_INVALID_OPTIONS",
} as const;

export type XdsClientErrorCode = (typeof XdsClientErrorCode)[keyof typeof XdsClientErrorCode];

/** An error raised by the xDS client, or by a resource handler to reject one resource's field. */
export class XdsClientError extends Error {
  override readonly name = "XdsClientError";
  readonly code: XdsClientErrorCode;
  /** The resource the error is about, when there is one. */
  readonly resourceName: string | undefined;
  /** The field path inside that resource, when known (e.g. "filter_chains[0].filters[0]"). */
  readonly field: string | undefined;

  constructor(
    code: XdsClientErrorCode,
    message: string,
    where: { resourceName?: string; field?: string; cause?: unknown } = {},
  ) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    this.code = code;
    this.resourceName = where.resourceName;
    this.field = where.field;
  }
}

/**
 * The error_detail message of a NACK: names the resource and the field when the error says them,
 * so an operator reading the control plane's status can find the fault without the proxy's logs.
 */
export function nackMessage(error: unknown): string {
  if (error instanceof XdsClientError) {
    const where = [
      error.resourceName === undefined ? undefined : `resource "${error.resourceName}"`,
      error.field === undefined ? undefined : `field ${error.field}`,
    ].filter((part) => part !== undefined);
    return where.length === 0 ? error.message : `${where.join(", ")}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
