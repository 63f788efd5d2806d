// What the listener manager takes: per listener, a generic request handler (HTTP) or connection
// handler (TCP), no routing of its own.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type net from "node:net";

export type ListenerRequest = IncomingMessage | Http2ServerRequest;
export type ListenerResponse = ServerResponse | Http2ServerResponse;

/** Called once per request, HTTP/1.1 or HTTP/2 alike. */
export type ListenerHandler = (req: ListenerRequest, res: ListenerResponse) => void;

/**
 * Called once per accepted connection. The socket is half-open capable (allowHalfOpen): the
 * handler owns it from here and must end or destroy it. The listener already ignores its "error"
 * events (a "close" follows each), so a handler need not add its own to stay safe.
 */
export type TcpConnectionHandler = (socket: net.Socket) => void;

interface ListenerSpecBase {
  /** An IP literal to bind, e.g. "127.0.0.1" or "::". */
  readonly host: string;
  /** 0 binds an ephemeral port; address() reports it. */
  readonly port: number;
  /** How long a removed listener waits for in-flight requests or open connections before force-closing them. */
  readonly drainTimeoutMs: number;
}

/** HTTP/1.1 only, HTTP/2 (prior knowledge) only, or either, told apart by the HTTP/2 preface. */
export type HttpCodec = "auto" | "http1" | "http2";

export interface HttpListenerSpec extends ListenerSpecBase {
  readonly kind: "http";
  readonly handler: ListenerHandler;
  /** Default "auto". */
  readonly codec?: HttpCodec;
}

export interface TcpListenerSpec extends ListenerSpecBase {
  readonly kind: "tcp";
  readonly onConnection: TcpConnectionHandler;
}

/** A listener changing kind at the same address is replaced: the old one drains, the new one binds. */
export type ListenerSpec = HttpListenerSpec | TcpListenerSpec;
