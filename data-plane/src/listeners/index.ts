export { ListenerError, ListenerErrorCode } from "./errors.js";
export type { BoundAddress } from "./listener.js";
export { type ApplyResult, ListenerManager } from "./manager.js";
export type { ListenerHandler, ListenerRequest, ListenerResponse, ListenerSpec } from "./types.js";
