// One upstream attempt of a request whose route has a retry policy: the undici dispatch handler
// (HTTP/1.1) or HTTP/2 stream sink for that attempt alone. Until it keeps a response it reports to
// its owner, which decides whether to retry; a kept response is passed on to the exchange. An
// attempt given up goes on quietly until its upstream request ends (an HTTP/1.1 response being
// drained, or a cancelled HTTP/2 stream closing), and only then releases its endpoint and its
// circuit-breaker slots, so the counts follow what is really open upstream.

import type { BreakerTicket } from "../upstream/resilience.js";
import { HttpForwardError, HttpForwardErrorCode } from "./errors.js";
import type { Exchange } from "./exchange.js";
import type { UpstreamSink } from "./h2-upstream.js";
import type { HeaderList } from "./header-list.js";
import { fromRawHeaders } from "./response-headers.js";

/** What decides an attempt's fate. */
export interface AttemptOwner {
  readonly exchange: Exchange;
  /** Response headers of an attempt not yet given up; true when the owner gives it up to retry. */
  attemptResponded(attempt: UpstreamAttempt, status: number, list: HeaderList): boolean;
  /** The attempt failed before keeping a response (connect failure, reset, stream error). */
  attemptFailed(attempt: UpstreamAttempt, err: unknown): void;
}

/** What an attempt holds, released once when its upstream request has ended. */
export interface AttemptHold {
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
  readonly #endpoint: AttemptHold;
  readonly address: string;
  readonly method: string;
  /** Unused: the retry path counts the downstream body once, as it arrives (ReplayBody). */
  bytesReceived = 0;
  #state = State.active;
  #abort: ((err: Error) => void) | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #request: BreakerTicket | undefined;
  #pending: BreakerTicket | undefined;
  #retry: BreakerTicket | undefined;

  constructor(
    owner: AttemptOwner,
    endpoint: AttemptHold,
    address: string,
    tickets: {
      readonly request: BreakerTicket | undefined;
      readonly pending: BreakerTicket | undefined;
      readonly retry: BreakerTicket | undefined;
    },
  ) {
    this.#owner = owner;
    this.#endpoint = endpoint;
    this.address = address;
    this.method = owner.exchange.method;
    this.#request = tickets.request;
    this.#pending = tickets.pending;
    this.#retry = tickets.retry;
  }

  get done(): boolean {
    return this.#state === State.ended;
  }

  /** Not yet answered, failed or given up. */
  get active(): boolean {
    return this.#state === State.active;
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
    if (this.#state === State.kept) this.#owner.exchange.setResume(resume);
  }

  respond(status: number, list: HeaderList, endStream: boolean): void {
    this.connected();
    if (this.#state !== State.active) return;
    const owner = this.#owner;
    if (owner.attemptResponded(this, status, list)) return;
    this.#state = State.kept;
    const exchange = owner.exchange;
    const resume = this.#resume;
    if (resume !== undefined) exchange.setResume(resume);
    exchange.respond(status, list, endStream);
  }

  responseData(chunk: Buffer): boolean {
    return this.#state === State.kept ? this.#owner.exchange.responseData(chunk) : true;
  }

  responseEnd(trailers: HeaderList | undefined): void {
    const kept = this.#state === State.kept;
    this.#end();
    if (kept) this.#owner.exchange.responseEnd(trailers);
  }

  upstreamFailed(err: unknown): void {
    const state = this.#state;
    if (state === State.ended) return;
    this.#end();
    if (state === State.kept) this.#owner.exchange.upstreamFailed(err);
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
    if (status < 200) return true;
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

  onBodySent(): void {}
}
