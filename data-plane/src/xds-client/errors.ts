// The xDS client's error codes, from the proxy's registry (../errors.ts). Every error it raises
// carries one of these; tests assert codes, never message text. gRPC status codes are chosen only
// where a NACK is sent.
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const XdsClientErrorCode = {
  typeMismatch: ProxyErrorCode.xdsTypeMismatch,
  malformedResource: ProxyErrorCode.xdsMalformedResource,
  duplicateResource: ProxyErrorCode.xdsDuplicateResource,
  unnamedResource: ProxyErrorCode.xdsUnnamedResource,
  rejected: ProxyErrorCode.xdsRejected,
  invalidOptions: ProxyErrorCode.xdsInvalidOptions,
} as const;

export type XdsClientErrorCode = (typeof XdsClientErrorCode)[keyof typeof XdsClientErrorCode];

/** An error raised by the xDS client, or by a resource handler to reject one resource's field. */
export class XdsClientError extends ProxyError<XdsClientErrorCode> {
  override readonly name = "XdsClientError";
  /** The resource the error is about, when there is one. */
  readonly resourceName: string | undefined;
  /** The field path inside that resource, when known (e.g. "filter_chains[0].filters[0]"). */
  readonly field: string | undefined;

  constructor(
    code: XdsClientErrorCode,
    message: string,
    where: { resourceName?: string; field?: string; cause?: unknown } = {},
  ) {
    super(code, message, where.cause === undefined ? undefined : { cause: where.cause });
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
