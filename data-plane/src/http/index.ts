// The proxy's HTTP forwarding path: a listener handler that routes each request and forwards it.
export { HttpForwardError, HttpForwardErrorCode } from "./errors.js";
export { Http2Sessions, type Http2SessionsOptions } from "./h2-sessions.js";
export {
  createHttpHandler,
  type HttpHandlerOptions,
  type UpstreamClusters,
  type UpstreamEndpoint,
  WARMING_WAIT_MS,
} from "./handler.js";
