// The router's error codes. A route configuration reaching the router has already been validated
// by the control plane (and by the proxy's config layer), so these mark a broken promise upstream,
// never a request-time condition: a request that matches nothing is `undefined`, not an error.

export const RouterErrorCode = {
  /** A `safe_regex` pattern does not compile as a JavaScript "u" RegExp. */
  invalidRegex: "WEFT_ROUTER_INVALID_REGEX",
} as const;

export type RouterErrorCode = (typeof RouterErrorCode)[keyof typeof RouterErrorCode];

export class RouterError extends Error {
  override readonly name = "RouterError";
  readonly code: RouterErrorCode;

  constructor(code: RouterErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
