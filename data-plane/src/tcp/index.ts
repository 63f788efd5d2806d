// The TCP proxy: a connection handler for TCP listeners, forwarding bytes to a cluster's endpoint.
export { createTcpHandler, type TcpHandlerOptions } from "./tcp-handler.js";
export type { TcpUpstream, TcpUpstreamSource } from "./upstream-source.js";
