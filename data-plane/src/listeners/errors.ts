// The listener manager's error codes. A ListenerError names the listener at fault, so the caller
// can NACK just that listener and keep the rest of the config.

export const ListenerErrorCode = {
  /** The listener's address could not be bound (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
  bind: "WEFT_PROXY_LISTENER_BIND",
} as const;

export type ListenerErrorCode = (typeof ListenerErrorCode)[keyof typeof ListenerErrorCode];

export class ListenerError extends Error {
  override readonly name = "ListenerError";
  readonly code: ListenerErrorCode;
  /** The listener's name. */
  readonly listener: string;
  /** The system error code underneath (e.g. "EADDRINUSE"), when there is one. */
  readonly syscallCode: string | undefined;

  constructor(code: ListenerErrorCode, listener: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.listener = listener;
    const cause = options?.cause;
    this.syscallCode =
      typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
        ? cause.code
        : undefined;
  }
}
