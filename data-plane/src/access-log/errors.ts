// The access log's error codes.

export const AccessLogErrorCode = {
  /** The access log file (or its folder) could not be created or opened for appending. */
  open: "WEFT_PROXY_ACCESS_LOG_OPEN",
} as const;

export type AccessLogErrorCode = (typeof AccessLogErrorCode)[keyof typeof AccessLogErrorCode];

export class AccessLogError extends Error {
  override readonly name = "AccessLogError";
  readonly code: AccessLogErrorCode;
  /** The file the log was to be written to. */
  readonly path: string;

  constructor(code: AccessLogErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.path = path;
  }
}
