// The admin server's error codes, from the proxy's registry (../errors.ts): the one it throws
// (bind) and the ones its error replies carry, as {"error":{"code":"WEFT_ADMIN_...","message":"..."}}
// with the registry's status.
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const AdminErrorCode = {
  bind: ProxyErrorCode.adminBind,
  notFound: ProxyErrorCode.adminNotFound,
  methodNotAllowed: ProxyErrorCode.adminMethodNotAllowed,
  badRequest: ProxyErrorCode.adminBadRequest,
  internal: ProxyErrorCode.adminInternal,
} as const;

export type AdminErrorCode = (typeof AdminErrorCode)[keyof typeof AdminErrorCode];

/** The admin server's one thrown error; for bind, `cause` is the system error (EADDRINUSE...). */
export class AdminError extends ProxyError<AdminErrorCode> {
  override readonly name = "AdminError";
}
