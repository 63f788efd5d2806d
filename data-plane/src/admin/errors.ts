// The admin server's error codes: the one it throws (bind) and the ones its error replies carry,
// as {"error":{"code":"WEFT_ADMIN_...","message":"..."}}.

export const AdminErrorCode = {
  /** The admin address could not be bound (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
  bind: "WEFT_PROXY_ADMIN_BIND",
  /** No admin endpoint has the path (404). */
  notFound: "WEFT_ADMIN_NOT_FOUND",
  /** The endpoint takes only GET and HEAD (405). */
  methodNotAllowed: "WEFT_ADMIN_METHOD_NOT_ALLOWED",
  /** A query parameter has a value the endpoint does not know (400). */
  badRequest: "WEFT_ADMIN_BAD_REQUEST",
  /** Building the answer failed; the proxy's log has the error (500). */
  internal: "WEFT_ADMIN_INTERNAL",
} as const;

export type AdminErrorCode = (typeof AdminErrorCode)[keyof typeof AdminErrorCode];

/** The admin server's one thrown error; for bind, `cause` is the system error (EADDRINUSE...). */
export class AdminError extends Error {
  override readonly name = "AdminError";
  readonly code: AdminErrorCode;

  constructor(code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
