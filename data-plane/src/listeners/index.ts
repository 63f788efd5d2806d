export type { BoundAddress } from "./bind.js";
export { ListenerError, ListenerErrorCode } from "./errors.js";
export { type ApplyResult, ListenerManager, type ListenerManagerOptions } from "./manager.js";
export { PortHolds } from "./port-holds.js";
export type {
  DownstreamTransport,
  HttpCodec,
  HttpListenerSpec,
  ListenerHandler,
  ListenerRequest,
  ListenerResponse,
  ListenerSpec,
  TcpConnectionHandler,
  TcpListenerSpec,
  TransportRefusal,
} from "./types.js";
