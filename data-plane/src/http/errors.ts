// The forwarding path's error codes, from the proxy's registry (../errors.ts). These errors never
// reach a client as such: they say why the proxy ended an upstream exchange, and the exchange
// turns them into a local reply's status and response flag.
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const HttpForwardErrorCode = {
  downstreamGone: ProxyErrorCode.downstreamGone,
  connectTimeout: ProxyErrorCode.connectTimeout,
  sessionsClosed: ProxyErrorCode.sessionsClosed,
} as const;

export type HttpForwardErrorCode = (typeof HttpForwardErrorCode)[keyof typeof HttpForwardErrorCode];

export class HttpForwardError extends ProxyError<HttpForwardErrorCode> {
  override readonly name = "HttpForwardError";
}
