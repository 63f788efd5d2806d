// What the listener manager takes: a generic request handler per listener, no routing of its own.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

export type ListenerRequest = IncomingMessage | Http2ServerRequest;
export type ListenerResponse = ServerResponse | Http2ServerResponse;

/** Called once per request, HTTP/1.1 or HTTP/2 alike. */
export type ListenerHandler = (req: ListenerRequest, res: ListenerResponse) => void;

export interface ListenerSpec {
  /** An IP literal to bind, e.g. "127.0.0.1" or "::". */
  readonly host: string;
  /** 0 binds an ephemeral port; address() reports it. */
  readonly port: number;
  readonly handler: ListenerHandler;
  /** How long a removed listener waits for in-flight requests before force-closing them. */
  readonly drainTimeoutMs: number;
}
