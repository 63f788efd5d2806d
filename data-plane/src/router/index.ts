// The router's public surface: compile a RouteConfiguration once, match requests against it.
export { compileHashPolicy, type HashPolicy, type HashRequest } from "./hash-policy.js";
export type { HeaderMutation, HeaderMutations } from "./header-mutations.js";
export type { HeaderLookup, HeaderValue, RouteRequest } from "./request.js";
export {
  type AttemptFailure,
  compileRetryPolicy,
  DEFAULT_RETRY_BASE_INTERVAL_MS,
  RetryOn,
  type RetryPolicy,
  retriableFailure,
  retriableResponse,
  retryBackoffMs,
} from "./retry-policy.js";
export {
  DEFAULT_ROUTE_TIMEOUT_MS,
  type DirectResponseDecision,
  type ForwardDecision,
  type NonForwardingDecision,
  type RedirectDecision,
  type RouteDecisionAction,
} from "./route-action.js";
export { compileRouteTable, type RouteDecision, type RouteTable, type RouteTableOptions } from "./route-table.js";
export { RouterError, RouterErrorCode } from "./router-error.js";
export { pickWeighted } from "./weighted.js";
