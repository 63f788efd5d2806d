// The forwarding path's error codes. These errors never reach a client as such: they say why the
// proxy ended an upstream exchange, and the edge (local-reply.ts) turns them into a status.

export const HttpForwardErrorCode = {
  /** The route timeout or the gRPC deadline passed; the upstream request was abandoned. */
  upstreamTimeout: "WEFT_PROXY_UPSTREAM_TIMEOUT",
  /** The downstream client went away; the upstream request was abandoned. */
  downstreamGone: "WEFT_PROXY_DOWNSTREAM_GONE",
  /** An HTTP/2 upstream connection did not complete within the cluster's connect_timeout. */
  connectTimeout: "WEFT_PROXY_CONNECT_TIMEOUT",
  /** The HTTP/2 session pool was closed. */
  sessionsClosed: "WEFT_PROXY_SESSIONS_CLOSED",
} as const;

export type HttpForwardErrorCode = (typeof HttpForwardErrorCode)[keyof typeof HttpForwardErrorCode];

export class HttpForwardError extends Error {
  override readonly name = "HttpForwardError";
  readonly code: HttpForwardErrorCode;

  constructor(code: HttpForwardErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
