// The proxy's access log.
export { type AccessLog, type AccessLogOptions, createAccessLog, NO_ACCESS_LOG } from "./access-log.js";
export { AccessLogError, AccessLogErrorCode } from "./errors.js";
export { formatResponseFlags } from "./response-flags.js";
