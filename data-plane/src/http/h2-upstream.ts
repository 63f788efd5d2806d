// Forwarding one request to an HTTP/2 upstream over node:http2 (see h2-sessions.ts for why not
// undici): full duplex, so a bidi gRPC stream's responses flow while its requests still arrive,
// with backpressure both ways and the response trailers passed on.
import { type ClientHttp2Session, type ClientHttp2Stream, constants, type OutgoingHttpHeaders } from "node:http2";
import type { Readable } from "node:stream";
import type { RuntimeTls } from "../config/tls.js";
import type { Http2Sessions } from "./h2-sessions.js";
import type { HeaderList } from "./header-list.js";
import { fromHttp2Headers, toHeaderObject } from "./response-headers.js";

/**
 * Where an HTTP/2 upstream stream's events go: one attempt of a forwarded request (which passes
 * them on to the exchange once it keeps the response).
 */
export interface UpstreamSink {
  /** True once nothing more is wanted from the upstream (no stream is opened then). */
  readonly done: boolean;
  readonly method: string;
  /** `bytes` of request body were sent upstream. */
  requestBodySent(bytes: number): void;
  /** The session is up: the request stops counting as pending. */
  connected(): void;
  setAbort(abort: (err: Error) => void): void;
  setResume(resume: () => void): void;
  respond(status: number, list: HeaderList, endStream: boolean): void;
  responseData(chunk: Buffer): boolean;
  responseEnd(trailers: HeaderList | undefined): void;
  upstreamFailed(err: unknown): void;
}

export interface Http2Target {
  readonly sessions: Http2Sessions;
  readonly address: string;
  readonly connectTimeoutMs: number;
  /** The cluster's TLS; undefined: cleartext (h2c). */
  readonly tls?: RuntimeTls | undefined;
}

/** Sends the request; outcomes arrive on `exchange` (respond, responseData, responseEnd, upstreamFailed). */
export function forwardHttp2(
  exchange: UpstreamSink,
  target: Http2Target,
  authority: string,
  path: string,
  list: HeaderList,
  body: Readable | undefined,
): void {
  const headers: OutgoingHttpHeaders = toHeaderObject(list, {
    ":method": exchange.method,
    ":scheme": target.tls === undefined ? "http" : "https",
    ":authority": authority,
    ":path": path,
  });
  const session = target.sessions.session(target.address, target.connectTimeoutMs, target.tls);
  if (session instanceof Promise) {
    session.then(
      (ready) => open(exchange, target, ready, headers, body),
      (err: unknown) => exchange.upstreamFailed(err),
    );
  } else {
    open(exchange, target, session, headers, body);
  }
}

function open(
  exchange: UpstreamSink,
  target: Http2Target,
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body: Readable | undefined,
): void {
  exchange.connected();
  if (exchange.done) return;
  let stream: ClientHttp2Stream;
  try {
    stream = session.request(headers, { endStream: body === undefined });
  } catch (err) {
    exchange.upstreamFailed(err);
    return;
  }
  target.sessions.track(target.address, session, stream);
  Http2UpstreamStream.attach(exchange, stream, body);
}

class Http2UpstreamStream {
  readonly #exchange: UpstreamSink;
  readonly #stream: ClientHttp2Stream;
  #trailers: HeaderList | undefined;
  #responded = false;

  static attach(exchange: UpstreamSink, stream: ClientHttp2Stream, body: Readable | undefined): Http2UpstreamStream {
    return new Http2UpstreamStream(exchange, stream, body);
  }

  private constructor(exchange: UpstreamSink, stream: ClientHttp2Stream, body: Readable | undefined) {
    this.#exchange = exchange;
    this.#stream = stream;
    exchange.setAbort(() => {
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    });
    exchange.setResume(() => stream.resume());
    stream.on("response", (headers, flags) => {
      const status = Number(headers[":status"]);
      if (status < 200) return;
      this.#responded = true;
      const endStream = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      exchange.respond(status, fromHttp2Headers(headers, true), endStream);
    });
    stream.on("data", (chunk: Buffer) => {
      if (!exchange.responseData(chunk)) stream.pause();
    });
    stream.on("trailers", (trailers) => {
      this.#trailers = fromHttp2Headers(trailers, false);
    });
    stream.on("end", () => exchange.responseEnd(this.#trailers));
    stream.on("error", (err) => exchange.upstreamFailed(err));
    stream.on("close", () => this.#closed());
    if (body !== undefined) this.#pipeRequest(body);
  }

  /** Request body to the upstream, pausing the downstream while the upstream stream is full. */
  #pipeRequest(req: Readable): void {
    const stream = this.#stream;
    req.on("data", (chunk: Buffer) => {
      this.#exchange.requestBodySent(chunk.length);
      if (!stream.write(chunk)) req.pause();
    });
    stream.on("drain", () => req.resume());
    req.once("end", () => {
      if (!stream.closed) stream.end();
    });
  }

  /** A stream closed without 'end' (RST_STREAM, GOAWAY, session loss) failed. */
  #closed(): void {
    const exchange = this.#exchange;
    if (exchange.done) return;
    const code = this.#stream.rstCode;
    exchange.upstreamFailed(
      Object.assign(
        new Error(`upstream stream closed (${this.#responded ? "after" : "before"} headers), code ${code}`),
        {
          code: "ERR_HTTP2_STREAM_ERROR",
          rstCode: code,
        },
      ),
    );
  }
}
