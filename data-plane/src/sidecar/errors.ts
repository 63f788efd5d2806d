// The sidecar's error codes, from the proxy's registry (../errors.ts). Tests assert codes, never
// message text.
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const SidecarErrorCode = {
  registrationRefused: ProxyErrorCode.sidecarRegistrationRefused,
  registrationCancelled: ProxyErrorCode.sidecarRegistrationCancelled,
} as const;

export type SidecarErrorCode = (typeof SidecarErrorCode)[keyof typeof SidecarErrorCode];

/** A registration or deregistration that did not happen, with the control plane's answer when there was one. */
export class SidecarError extends ProxyError<SidecarErrorCode> {
  override readonly name = "SidecarError";
  /** The gRPC status the control plane answered with, when it answered. */
  readonly grpcStatus: number | undefined;
  /** The control plane's WEFT_ code (trailing metadata `weft-error-code`), when it sent one. */
  readonly serverCode: string | undefined;

  constructor(
    code: SidecarErrorCode,
    message: string,
    answer: { grpcStatus?: number; serverCode?: string; cause?: unknown } = {},
  ) {
    super(code, message, answer.cause === undefined ? undefined : { cause: answer.cause });
    this.grpcStatus = answer.grpcStatus;
    this.serverCode = answer.serverCode;
  }
}
