// The router's error codes, from the proxy's registry (../errors.ts). A route configuration
// reaching the router has already been validated by the control plane (and by the proxy's config
// layer), so these mark a broken promise upstream, never a request-time condition: a request that
// matches nothing is `undefined`, not an error.
import { ProxyError, ProxyErrorCode } from "../errors.js";

export const RouterErrorCode = {
  invalidRegex: ProxyErrorCode.routerInvalidRegex,
} as const;

export type RouterErrorCode = (typeof RouterErrorCode)[keyof typeof RouterErrorCode];

export class RouterError extends ProxyError<RouterErrorCode> {
  override readonly name = "RouterError";
}
