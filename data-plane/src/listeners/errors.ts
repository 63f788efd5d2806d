// The listener manager's error codes, from the proxy's registry (../errors.ts). A ListenerError
// names the listener at fault, so the caller can NACK just that listener and keep the rest of the
// config.
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const ListenerErrorCode = {
  bind: ProxyErrorCode.listenerBind,
} as const;

export type ListenerErrorCode = (typeof ListenerErrorCode)[keyof typeof ListenerErrorCode];

export class ListenerError extends ProxyError<ListenerErrorCode> {
  override readonly name = "ListenerError";
  /** The listener's name. */
  readonly listener: string;
  /** The system error code underneath (e.g. "EADDRINUSE"), when there is one. */
  readonly syscallCode: string | undefined;

  constructor(code: ListenerErrorCode, listener: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.listener = listener;
    const cause = options?.cause;
    this.syscallCode =
      typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
        ? cause.code
        : undefined;
  }
}
