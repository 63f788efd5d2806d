// The REST API's public surface: the factory main.ts listens on, and the start-up guard.
export type { ApiApp } from "./api-context.js";
export { type ApiOptions, buildApi, DEFAULT_BODY_LIMIT } from "./app.js";
export { assertSafeListen, isLoopbackHost } from "./listen-guard.js";
export { DEFAULT_WRITE_RATE_LIMIT, type WriteRateLimit } from "./rate-limit.js";
