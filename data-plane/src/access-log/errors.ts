// The access log's error codes, from the proxy's registry (../errors.ts).
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const AccessLogErrorCode = {
  open: ProxyErrorCode.accessLogOpen,
} as const;

export type AccessLogErrorCode = (typeof AccessLogErrorCode)[keyof typeof AccessLogErrorCode];

export class AccessLogError extends ProxyError<AccessLogErrorCode> {
  override readonly name = "AccessLogError";
  /** The file the log was to be written to. */
  readonly path: string;

  constructor(code: AccessLogErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.path = path;
  }
}
