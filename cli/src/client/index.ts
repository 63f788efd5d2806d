// The CLI's clients: the REST API (WeftApi) and plain JSON over HTTP (HttpClient, for proxy admins).
export { ApiError, type ApiErrorDetail } from "./api-error.js";
export type * from "./api-types.js";
export { HttpClient, type HttpClientOptions } from "./http-client.js";
export { WeftApi } from "./weft-api.js";
