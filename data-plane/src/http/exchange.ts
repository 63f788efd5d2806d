// One request from the downstream client through the proxy and back: the state a request keeps
// from its first byte to its record, and the steps every upstream protocol shares (response
// headers out, body chunks with backpressure, trailers, local replies, the deadline, resets).
//
// The upstream side (Forward and its attempts) is separate: the exchange tells it when the
// deadline passes or the downstream goes away, and a kept attempt passes its response on here.
// Its event listeners are module functions that find it through a symbol on the request or
// response, so a request allocates no closures on the HTTP/1.1 path.

import { type Http2ServerRequest, type Http2ServerResponse, constants as h2constants } from "node:http2";
import type { Socket } from "node:net";
import type { RuntimeHttp } from "../config/listener.js";
import type { ListenerRequest, ListenerResponse } from "../listeners/index.js";
import type { HttpRequestRecord, RequestObserver } from "../observer/request-observer.js";
import { ResponseFlag } from "../observer/request-observer.js";
import type { HeaderMutation } from "../router/index.js";
import { type DownstreamPeer, peerOf } from "../tls/peer.js";
import type { DownstreamHeaders } from "./downstream-headers.js";
import { HttpForwardErrorCode } from "./errors.js";
import { GrpcStatus, grpcStatusForHttp, isGrpcContentType } from "./grpc.js";
import { applyMutations, firstValue, type HeaderList, overwrite, removeAll } from "./header-list.js";
import { rewriteLocalReply } from "./local-reply.js";
import { toHeaderObject } from "./response-headers.js";

/** What every request of one handler shares. */
export interface ExchangeContext {
  readonly listener: string;
  readonly http: RuntimeHttp;
  readonly observer: RequestObserver;
  readonly now: () => number;
  /** The `server` response header. */
  readonly serverName: string;
}

/** The upstream side of a forwarded request (Forward), as the exchange drives it. */
export interface UpstreamSide {
  /** Whether it still reads the downstream request body (and counts it). */
  readonly readsBody: boolean;
  /**
   * No more attempts: the deadline passed (`timedOut`) or the downstream went away. The attempt
   * in progress is cancelled and releases what it holds once its upstream request has ended.
   */
  cancel(timedOut: boolean): void;
}

/**
 * What ServerResponse and Http2ServerResponse both do, as the exchange uses them (node's types
 * give Http2ServerResponse.writeHead no flat-array form, though it takes one).
 */
interface ResponseSink {
  readonly headersSent: boolean;
  statusCode: number;
  writeHead(status: number, headers: readonly string[]): unknown;
  setHeader(name: string, value: string | readonly string[]): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: string | Uint8Array, encoding?: BufferEncoding): unknown;
}

const EXCHANGE = Symbol("weft.http.exchange");

type Tagged = { [EXCHANGE]?: Exchange };

enum Phase {
  /** Routing, waiting for a warming cluster, or connecting. */
  pending,
  /** The request is with the upstream; no response headers yet. */
  upstream,
  /** Response headers went downstream; body and trailers are flowing. */
  responding,
  /** Ended, answered locally, reset, or abandoned: nothing more is sent either way. */
  done,
}

/** undici error codes (and socket errors) that mean the connection was never made. */
export const CONNECT_FAILURES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  HttpForwardErrorCode.connectTimeout,
]);

const IDLE_TIMEOUTS: ReadonlySet<string> = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

const NO_FLAGS: readonly ResponseFlag[] = Object.freeze([]);

/**
 * A whole HTTP/1.1 response body up to this size goes downstream as a latin1 string (the same
 * bytes): node then prepends the head to it, so the socket gets one string chunk (plus the empty
 * one `end()` always adds) where a Buffer body makes three chunks of mixed kinds; measurably
 * cheaper per request (BENCHMARKS.md, Data plane).
 */
const SMALL_BODY = 4096;

export class Exchange {
  readonly ctx: ExchangeContext;
  readonly req: ListenerRequest;
  readonly res: ListenerResponse;
  readonly #sink: ResponseSink;
  readonly h2: boolean;
  readonly start: number;
  readonly headers: DownstreamHeaders;
  readonly method: string;
  /** `:path`, or the request-target; origin-form once the handler has read an absolute-form target. */
  path: string;
  readonly grpc: boolean;
  /** The downstream peer (read at the start: node detaches the socket once a response is done). */
  readonly peerHost: string;
  readonly #peerPort: number;
  /** The verified client certificate of an mTLS connection, read at the start as the peer address is. */
  readonly peer: DownstreamPeer | undefined;
  requestId: string | undefined = undefined;
  cluster: string | undefined = undefined;
  upstreamAddress: string | undefined = undefined;
  /** The matched route's response mutations; applied to proxied and local replies alike. */
  responseMutations: readonly HeaderMutation[] | undefined = undefined;
  bytesReceived = 0;
  bytesSent = 0;
  #phase = Phase.pending;
  #flags: ResponseFlag[] | undefined = undefined;
  #grpcStatus: number | undefined = undefined;
  #upstreamHeadersAt: number | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  /** The upstream side, once the request is forwarded. */
  #forward: UpstreamSide | undefined = undefined;
  /** Resumes the upstream response body after downstream backpressure. */
  #resume: (() => void) | undefined = undefined;
  #responseEnded = false;
  /** Response headers not yet written (see respond), their status and the first body chunk. */
  #head: HeaderList | undefined = undefined;
  #headStatus = 0;
  #headChunk: Buffer | undefined = undefined;
  #resetByProxy = false;
  #recorded = false;
  /** The route timeout (or gRPC deadline) in milliseconds, 0 for none, once setDeadline ran. */
  timeoutMs = 0;

  constructor(ctx: ExchangeContext, req: ListenerRequest, res: ListenerResponse, headers: DownstreamHeaders) {
    this.ctx = ctx;
    this.req = req;
    this.res = res;
    this.#sink = res as unknown as ResponseSink;
    this.h2 = req.httpVersionMajor === 2;
    this.start = ctx.now();
    this.headers = headers;
    this.method = req.method ?? "GET";
    this.path = req.url ?? "/";
    this.grpc = isGrpcContentType(headers.contentType);
    const socket = req.socket;
    this.peerHost = socket.remoteAddress ?? "";
    this.#peerPort = socket.remotePort ?? 0;
    this.peer = peerOf(socket);
    (res as Tagged)[EXCHANGE] = this;
    // "close" comes once; `on` spares the wrapper `once` would allocate.
    res.on("close", onResponseClose);
  }

  get done(): boolean {
    return this.#phase === Phase.done;
  }

  flag(flag: ResponseFlag): void {
    if (this.#flags === undefined) this.#flags = [flag];
    else if (!this.#flags.includes(flag)) this.#flags.push(flag);
  }

  /** Starts the deadline (route timeout or gRPC deadline), counted from the request's start. */
  setDeadline(timeoutMs: number): void {
    this.timeoutMs = timeoutMs;
    if (timeoutMs > 0) this.#timer = setTimeout(onDeadline, this.remainingMs(timeoutMs, 0), this);
  }

  /** Milliseconds left before the deadline; `fallbackMs` when there is none. */
  remainingMs(timeoutMs: number, fallbackMs: number): number {
    if (timeoutMs <= 0) return fallbackMs;
    return Math.max(0, timeoutMs - (this.ctx.now() - this.start));
  }

  /** The request is with `forward` from now on; it learns of the deadline and the downstream's close. */
  dispatched(forward: UpstreamSide): void {
    this.#phase = Phase.upstream;
    this.#forward = forward;
  }

  /** A per-try timeout ended the last attempt: answered as the route timeout is (504 UT). */
  upstreamTimedOut(): void {
    this.#clearDeadline();
    this.onDeadlinePassed();
  }

  /** Resumes the upstream response body after downstream backpressure (undici's or a stream's). */
  setResume(resume: () => void): void {
    this.#resume = resume;
  }

  /** Counts request body bytes as they are read (for paths where undici does not count them). */
  countRequestBody(): void {
    (this.req as Tagged)[EXCHANGE] = this;
    this.req.on("data", onRequestData);
  }

  // --- responses -------------------------------------------------------------------------------

  /**
   * Upstream response headers arrived. `endStream` marks a response that ended with its headers
   * (gRPC's trailers-only form): it is sent the same way, headers with END_STREAM.
   */
  respond(status: number, list: HeaderList, endStream: boolean): void {
    if (this.#phase === Phase.done) return;
    this.#phase = Phase.responding;
    this.#upstreamHeadersAt = this.ctx.now();
    this.#finishResponseHeaders(list);
    if (this.grpc && endStream) this.#grpcStatus = grpcStatusOf(firstValue(list, "grpc-status"));
    if (endStream) {
      this.#phase = Phase.done;
      this.#clearDeadline();
      this.#endWithHeaders(status, list);
    } else {
      // Held until this tick's parsing is over: a small response's body and end usually arrive
      // in the same read, and then headers and body leave in one write (see flushHead).
      this.#headStatus = status;
      this.#head = list;
      process.nextTick(flushHead, this);
    }
  }

  /** A response body chunk; false asks the upstream to pause until the downstream drains. */
  responseData(chunk: Buffer): boolean {
    if (this.#phase !== Phase.responding) return true;
    this.bytesSent += chunk.length;
    if (this.#head !== undefined) {
      if (this.#headChunk === undefined) {
        this.#headChunk = chunk;
        return true;
      }
      this.flushHead();
    }
    if (this.#sink.write(chunk)) return true;
    this.res.once("drain", onResponseDrain);
    return false;
  }

  /** The upstream response is complete; `trailers` (possibly empty) go downstream over HTTP/2. */
  responseEnd(trailers: HeaderList | undefined): void {
    if (this.#phase !== Phase.responding) return;
    this.#phase = Phase.done;
    this.#clearDeadline();
    const res = this.res;
    if (trailers !== undefined && trailers.length > 0) {
      if (this.grpc) this.#grpcStatus = grpcStatusOf(firstValue(trailers, "grpc-status"));
      // HTTP/1.1 clients get no trailers: they would need chunked coding and `TE: trailers`.
      if (this.h2) (res as Http2ServerResponse).addTrailers(toHeaderObject(trailers));
    }
    this.#responseEnded = true;
    const head = this.#head;
    if (head === undefined) {
      res.end();
      return;
    }
    const chunk = this.#headChunk;
    this.#head = undefined;
    this.#headChunk = undefined;
    this.#sink.writeHead(this.#headStatus, head);
    if (chunk === undefined) this.#sink.end();
    else if (!this.h2 && chunk.length <= SMALL_BODY) this.#sink.end(chunk.toString("latin1"), "latin1");
    else this.#sink.end(chunk);
  }

  /** Sends response headers held by respond(), with the first body chunk if one came. */
  flushHead(): void {
    const head = this.#head;
    if (head === undefined || this.#phase !== Phase.responding) return;
    const chunk = this.#headChunk;
    this.#head = undefined;
    this.#headChunk = undefined;
    const sink = this.#sink;
    sink.writeHead(this.#headStatus, head);
    if (chunk !== undefined && !sink.write(chunk)) this.res.once("drain", onResponseDrain);
  }

  /**
   * The upstream request failed for good (its attempt already released what it held and reported
   * its outcome): a local reply before response headers, else a reset.
   */
  upstreamFailed(err: unknown): void {
    if (this.#phase === Phase.done) return;
    if (this.#downstreamGone()) {
      this.#phase = Phase.done;
      this.#clearDeadline();
      this.flag(ResponseFlag.downstreamConnectionTermination);
      return;
    }
    const code = errorCode(err);
    if (this.#phase === Phase.responding) {
      this.flag(IDLE_TIMEOUTS.has(code) ? ResponseFlag.streamIdleTimeout : ResponseFlag.upstreamRemoteReset);
      this.#resetDownstream();
      return;
    }
    if (IDLE_TIMEOUTS.has(code)) {
      this.localReply(408, "stream timeout", ResponseFlag.streamIdleTimeout);
    } else if (CONNECT_FAILURES.has(code)) {
      this.localReply(
        503,
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
        ResponseFlag.upstreamConnectionFailure,
      );
    } else {
      this.localReply(
        503,
        "upstream connect error or disconnect/reset before headers. reset reason: remote reset",
        ResponseFlag.upstreamRemoteReset,
      );
    }
  }

  /**
   * A reply made by the proxy. For gRPC it is HTTP 200 in the trailers-only form, its grpc-status
   * mapped from `status` (or `grpcStatus` when given) and `body` as grpc-message.
   */
  localReply(
    status: number,
    body: string | Uint8Array | undefined,
    flag: ResponseFlag | undefined,
    grpcStatus?: number,
    extra?: HeaderList,
  ): void {
    if (this.#phase === Phase.done || this.res.headersSent) return;
    this.#phase = Phase.done;
    this.#clearDeadline();
    if (flag !== undefined) this.flag(flag);
    const list: HeaderList = extra ?? [];
    const rewrite = this.ctx.http.localReply;
    if (rewrite !== undefined) {
      const reply = rewriteLocalReply(
        rewrite,
        { status, body, contentType: undefined },
        this.#flags ?? NO_FLAGS,
        (name) => this.#requestHeader(name),
      );
      status = reply.status;
      body = reply.body;
      if (reply.contentType !== undefined && !this.grpc) overwrite(list, "content-type", reply.contentType);
    }
    if (this.grpc) {
      const code = grpcStatus ?? grpcStatusForHttp(status);
      this.#grpcStatus = code;
      list.push("content-type", "application/grpc", "grpc-status", String(code));
      if (typeof body === "string" && body !== "") list.push("grpc-message", encodeURIComponent(body));
      this.#finishResponseHeaders(list);
      this.#endWithHeaders(200, list);
    } else {
      const length = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
      if (length > 0 && firstValue(list, "content-type") === undefined) list.push("content-type", "text/plain");
      list.push("content-length", String(length));
      this.#finishResponseHeaders(list);
      this.bytesSent += length;
      this.#responseEnded = true;
      const sink = this.#sink;
      sink.writeHead(status, list);
      if (body !== undefined && length > 0 && this.method !== "HEAD") sink.end(body);
      else sink.end();
    }
    this.#drainRequest();
  }

  // --- internals -------------------------------------------------------------------------------

  /** A request header for a local reply's format: pseudo-headers as the router sees them, else the first value. */
  #requestHeader(name: string): string | undefined {
    switch (name) {
      case ":authority":
      case "host":
        return this.headers.authority;
      case ":path":
        return this.path;
      case ":method":
        return this.method;
      default: {
        const value = this.req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      }
    }
  }

  #finishResponseHeaders(list: HeaderList): void {
    const http = this.ctx.http;
    if (http.via !== "") appendVia(list, http.via);
    if (http.alwaysSetRequestIdInResponse && this.requestId !== undefined) {
      overwrite(list, "x-request-id", this.requestId);
    }
    const mutations = this.responseMutations;
    if (mutations !== undefined && mutations.length > 0) {
      applyMutations(list, mutations);
      removeAll(list, "server");
    }
    list.push("server", this.ctx.serverName);
  }

  /** Headers with END_STREAM on HTTP/2 (node's compat layer sends them so only from end()). */
  #endWithHeaders(status: number, list: HeaderList): void {
    const res = this.#sink;
    res.statusCode = status;
    const headers = toHeaderObject(list);
    for (const name in headers) res.setHeader(name, headers[name] as string | string[]);
    this.#responseEnded = true;
    res.end();
  }

  /** Reads and counts what is left of a request body the proxy answered without forwarding. */
  #drainRequest(): void {
    if (this.req.readableEnded || this.#forward?.readsBody === true) return;
    if ((this.req as Tagged)[EXCHANGE] === undefined) this.countRequestBody();
  }

  #clearDeadline(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #downstreamGone(): boolean {
    if (this.h2) return (this.req as Http2ServerRequest).stream.closed;
    return (this.req.socket as Socket | null)?.destroyed ?? true;
  }

  /** Ends the downstream stream abruptly: RST_STREAM on HTTP/2, the connection on HTTP/1.1. */
  #resetDownstream(): void {
    this.#phase = Phase.done;
    this.#clearDeadline();
    this.#resetByProxy = true;
    if (this.h2) (this.req as Http2ServerRequest).stream.close(h2constants.NGHTTP2_INTERNAL_ERROR);
    else (this.req.socket as Socket | null)?.destroy();
  }

  onDeadlinePassed(): void {
    this.#timer = undefined;
    if (this.#phase === Phase.done) return;
    this.flag(ResponseFlag.upstreamRequestTimeout);
    // Cancelled first: the upstream stops reading the body, which a local reply then drains.
    this.#forward?.cancel(true);
    if (this.#phase === Phase.responding) {
      this.flag(ResponseFlag.localReset);
      this.#resetDownstream();
    } else {
      this.localReply(504, "upstream request timeout", undefined, GrpcStatus.deadlineExceeded);
    }
  }

  onResponseDrained(): void {
    this.#resume?.();
  }

  onDownstreamClosed(): void {
    if (this.#phase !== Phase.done) {
      this.#phase = Phase.done;
      this.#clearDeadline();
      this.#forward?.cancel(false);
    }
    if (!this.#responseEnded && !this.#resetByProxy) this.flag(ResponseFlag.downstreamConnectionTermination);
    this.#record();
  }

  #record(): void {
    if (this.#recorded) return;
    this.#recorded = true;
    const req = this.req;
    const res = this.res;
    const headersAt = this.#upstreamHeadersAt;
    const host = this.peerHost;
    const record: HttpRequestRecord = {
      kind: "http",
      listener: this.ctx.listener,
      statPrefix: this.ctx.http.statPrefix,
      protocol: this.h2 ? "HTTP/2" : `HTTP/${req.httpVersion}`,
      method: this.method,
      authority: this.headers.authority ?? "",
      path: this.path,
      status: res.headersSent ? res.statusCode : 0,
      grpcStatus: this.grpc ? this.#grpcStatus : undefined,
      durationMs: this.ctx.now() - this.start,
      upstreamDurationMs: headersAt === undefined ? undefined : headersAt - this.start,
      cluster: this.cluster,
      upstreamAddress: this.upstreamAddress,
      responseFlags: this.#flags ?? NO_FLAGS,
      requestId: this.requestId,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      downstreamAddress: host.includes(":") ? `[${host}]:${this.#peerPort}` : `${host}:${this.#peerPort}`,
      userAgent: this.headers.userAgent,
      ...(this.peer === undefined ? {} : { downstreamPeerUri: this.peer.sans.URI[0] ?? "" }),
    };
    this.ctx.observer.ended(record);
  }
}

function onResponseClose(this: ListenerResponse): void {
  (this as Tagged)[EXCHANGE]?.onDownstreamClosed();
}

function onResponseDrain(this: ListenerResponse): void {
  (this as Tagged)[EXCHANGE]?.onResponseDrained();
}

function onRequestData(this: ListenerRequest, chunk: Buffer): void {
  const exchange = (this as Tagged)[EXCHANGE];
  if (exchange !== undefined) exchange.bytesReceived += chunk.length;
}

function flushHead(exchange: Exchange): void {
  exchange.flushHead();
}

function onDeadline(exchange: Exchange): void {
  exchange.onDeadlinePassed();
}

function errorCode(err: unknown): string {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return "";
}

function grpcStatusOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

/** Via is appended to, as a list (RFC 9110 §7.6.3). */
export function appendVia(list: HeaderList, via: string): void {
  const existing = firstValue(list, "via");
  if (existing === undefined) list.push("via", via);
  else overwrite(list, "via", `${existing}, ${via}`);
}
