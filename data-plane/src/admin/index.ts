// The proxy's admin server.

export { type AdminOptions, type RunningAdmin, startAdmin } from "./admin-server.js";
export type { AdminSource, MetricsSource, Readiness } from "./admin-source.js";
export { AdminError, AdminErrorCode } from "./errors.js";
