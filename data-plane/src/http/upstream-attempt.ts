// One upstream attempt of a forwarded request: the undici dispatch handler (HTTP/1.1) or HTTP/2
// stream sink for that attempt alone. Until it keeps a response it reports to its Forward, which
// decides whether to retry; a kept response is passed on to the exchange. An attempt given up
// goes on quietly until its upstream request ends (an HTTP/1.1 response being drained, or a
// cancelled HTTP/2 stream closing), and only then releases its endpoint and its circuit-breaker
// slots, so the counts follow what is really open upstream.
// The object is undici's handler itself (the callback interface undici calls internally), so no
// adapter or parsed-header object is made per request and an attempt allocates no closures.

import type { BreakerTicket } from "../upstream/resilience.js";
import { HttpForwardError, HttpForwardErrorCode } from "./errors.js";
import type { Exchange } from "./exchange.js";
import type { UpstreamSink } from "./h2-upstream.js";
import type { HeaderList } from "./header-list.js";
import type { AttemptSlots } from "./overflow-reply.js";
import { fromRawHeaders } from "./response-headers.js";

/** What decides an attempt's fate (Forward). */
export interface AttemptOwner {
  readonly exchange: Exchange;
  /** Response headers of an attempt not yet given up; true when the owner gives it up to retry. */
  attemptResponded(attempt: UpstreamAttempt, status: number, list: HeaderList): boolean;
  /** The attempt failed before keeping a response (connect failure, reset, stream error). */
  attemptFailed(attempt: UpstreamAttempt, err: unknown): void;
}

/** The endpoint an attempt holds, ended once when its upstream request has ended. */
export interface AttemptHold {
  readonly address: string;
  end(): void;
}

enum State {
  /** Sent; no response headers yet. */
  active,
  /** Its response is the one going downstream. */
  kept,
  /** Given up (retry, per-try timeout, cancel): its events are ignored until it ends. */
  givenUp,
  /** Ended; everything released. */
  ended,
}

export class UpstreamAttempt implements UpstreamSink {
  readonly #owner: AttemptOwner;
  readonly #exchange: Exchange;
  readonly #endpoint: AttemptHold;
  /** Whether body bytes sent upstream are the downstream's own (no replay copy counts them). */
  readonly #countsBody: boolean;
  #state = State.active;
  #abort: ((err: Error) => void) | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #request: BreakerTicket | undefined;
  #pending: BreakerTicket | undefined;
  #retry: BreakerTicket | undefined;

  /**
   * Holds `endpoint` (begun by the caller) and the breaker `slots` and `retry` ticket until the
   * attempt ends; `countsBody` adds the request body bytes it sends to the exchange's count.
   */
  constructor(
    owner: AttemptOwner,
    endpoint: AttemptHold,
    slots: AttemptSlots,
    retry: BreakerTicket | undefined,
    countsBody: boolean,
  ) {
    this.#owner = owner;
    const exchange = owner.exchange;
    this.#exchange = exchange;
    this.#endpoint = endpoint;
    this.#request = slots.request;
    this.#pending = slots.pending;
    this.#retry = retry;
    this.#countsBody = countsBody;
  }

  /** The endpoint's `host:port`. */
  get address(): string {
    return this.#endpoint.address;
  }

  /** The downstream request's method, which the upstream request keeps. */
  get method(): string {
    return this.#exchange.method;
  }

  get done(): boolean {
    return this.#state === State.ended;
  }

  /** Not yet answered, failed or given up. */
  get active(): boolean {
    return this.#state === State.active;
  }

  /** The upstream request is open and may still read the request body. */
  get inFlight(): boolean {
    return this.#abort !== undefined;
  }

  /**
   * Gives the attempt up. `cancel` ends its upstream request now (undici's abort, RST_STREAM);
   * otherwise an HTTP/1.1 response is read to its end and dropped, keeping the connection.
   */
  giveUp(cancel: boolean): void {
    if (this.#state === State.ended || this.#state === State.givenUp) return;
    this.#state = State.givenUp;
    if (!cancel) return;
    const abort = this.#abort;
    this.#abort = undefined;
    abort?.(new HttpForwardError(HttpForwardErrorCode.downstreamGone, "upstream attempt given up"));
  }

  connected(): void {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      pending.release();
    }
  }

  setAbort(abort: (err: Error) => void): void {
    if (this.#state === State.givenUp) {
      abort(new HttpForwardError(HttpForwardErrorCode.downstreamGone, "upstream attempt given up"));
      return;
    }
    this.#abort = abort;
  }

  setResume(resume: () => void): void {
    this.#resume = resume;
    if (this.#state === State.kept) this.#exchange.setResume(resume);
  }

  requestBodySent(bytes: number): void {
    if (this.#countsBody && this.#state <= State.kept) this.#exchange.bytesReceived += bytes;
  }

  respond(status: number, list: HeaderList, endStream: boolean): void {
    this.connected();
    if (this.#state !== State.active) return;
    if (this.#owner.attemptResponded(this, status, list)) return;
    this.#state = State.kept;
    const exchange = this.#exchange;
    const resume = this.#resume;
    if (resume !== undefined) exchange.setResume(resume);
    exchange.respond(status, list, endStream);
  }

  responseData(chunk: Buffer): boolean {
    return this.#state === State.kept ? this.#exchange.responseData(chunk) : true;
  }

  responseEnd(trailers: HeaderList | undefined): void {
    const kept = this.#state === State.kept;
    this.#end();
    if (kept) this.#exchange.responseEnd(trailers);
  }

  upstreamFailed(err: unknown): void {
    const state = this.#state;
    if (state === State.ended) return;
    this.#end();
    if (state === State.kept) this.#exchange.upstreamFailed(err);
    else if (state === State.active) this.#owner.attemptFailed(this, err);
  }

  #end(): void {
    this.#state = State.ended;
    this.#abort = undefined;
    this.connected();
    this.#request?.release();
    this.#request = undefined;
    this.#retry?.release();
    this.#retry = undefined;
    this.#endpoint.end();
  }

  // --- undici's dispatch handler (HTTP/1.1 upstreams) -----------------------------------------

  onConnect(abort: (err?: Error) => void): void {
    this.connected();
    this.setAbort(abort);
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx: node answered 100-continue downstream itself
    this.#resume = resume;
    this.respond(status, fromRawHeaders(raw), false);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.responseData(chunk);
  }

  onComplete(trailers: readonly (Buffer | string)[] | null): void {
    this.responseEnd(trailers === null || trailers.length === 0 ? undefined : fromRawHeaders(trailers));
  }

  onError(err: Error): void {
    this.upstreamFailed(err);
  }

  /** undici passes the chunk itself (its typings say a size). */
  onBodySent(chunk: Buffer | number): void {
    this.requestBodySent(typeof chunk === "number" ? chunk : chunk.length);
  }
}
