// The upstream side of one forwarded request: attempts one after another, each to an endpoint the
// request has not tried when the cluster has another, until one response is kept. A route without
// a retry policy runs the same machine with NO_RETRIES (one attempt, nothing retriable), so every
// request takes one path whatever its route or upstream protocol.
// A response or failure is retried only while nothing has gone downstream (a retriable response is
// dropped before its headers are sent), retries remain (num_retries), the body can be replayed,
// the route timeout has time left and the cluster's circuit breaker grants a retries slot. Each
// retry waits a fully jittered exponential back-off first. The route timeout keeps bounding the
// whole request; per_try_timeout bounds each attempt within it.
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { RuntimeTls } from "../config/tls.js";
import { type RequestObserver, ResponseFlag } from "../observer/request-observer.js";
import {
  type AttemptFailure,
  type RetryPolicy,
  retriableFailure,
  retriableResponse,
  retryBackoffMs,
} from "../router/index.js";
import type { CircuitBreaker } from "../upstream/circuit-breaker.js";
import type { AttemptOutcome, BreakerTicket, PickContext } from "../upstream/resilience.js";
import { CONNECT_FAILURES, type Exchange, type UpstreamSide } from "./exchange.js";
import type { Http2Sessions } from "./h2-sessions.js";
import { forwardHttp2 } from "./h2-upstream.js";
import { firstValue, type HeaderList } from "./header-list.js";
import { overflowReply, takeAttemptSlots } from "./overflow-reply.js";
import { ReplayBody } from "./replay-body.js";
import { UpstreamAttempt } from "./upstream-attempt.js";

/** An endpoint as attempts use it (the handler's UpstreamEndpoint). */
interface AttemptEndpoint {
  readonly address: string;
  readonly pool: Pick<Dispatcher, "dispatch">;
  begin(): void;
  end(): void;
}

/** The clusters as attempts use them (the handler's UpstreamClusters). */
interface AttemptClusters {
  pick(cluster: string, context?: PickContext): AttemptEndpoint | undefined;
  attemptEnded?(cluster: string, address: string, outcome: AttemptOutcome): void;
}

/** What every forwarded request of one handler shares. */
export interface ForwardEnvironment {
  readonly clusters: AttemptClusters;
  readonly sessions: Http2Sessions;
  readonly observer: RequestObserver;
  /** Uniform in [0, 1), for the back-off. */
  readonly random: () => number;
  /** The stream idle timeout: HTTP/1.1 headers and body timeouts, unless the deadline is shorter. */
  readonly idleTimeoutMs: number;
}

/** The upstream request every attempt sends. */
export interface ForwardedRequest {
  readonly cluster: string;
  /** The route's retry policy; NO_RETRIES for a route without one. */
  readonly policy: RetryPolicy;
  readonly breaker: CircuitBreaker | undefined;
  readonly path: string;
  readonly authority: string;
  /** Upstream headers; for HTTP/1.1 they include host. */
  readonly headers: HeaderList;
  /** undefined for an HTTP/1.1 cluster. */
  readonly http2: { readonly connectTimeoutMs: number; readonly tls?: RuntimeTls | undefined } | undefined;
  /**
   * The request body: a ReplayBody when the route may retry, else the downstream request itself
   * (streamed straight through, no copy, its bytes counted as they are sent); undefined for none.
   */
  readonly body: ReplayBody | Readable | undefined;
  /** The request's hash under the route's hash_policy (ring hash); undefined for none. */
  readonly hash: bigint | undefined;
}

/** The policy of a route without retries: one attempt, no outcome retriable. */
export const NO_RETRIES: RetryPolicy = Object.freeze({
  retryOn: 0,
  numRetries: 0,
  perTryTimeoutMs: 0,
  baseIntervalMs: 0,
  maxIntervalMs: 0,
  retriableStatusCodes: new Set<number>(),
});

const NGHTTP2_REFUSED_STREAM = 7;

export class Forward implements UpstreamSide {
  readonly exchange: Exchange;
  readonly #env: ForwardEnvironment;
  readonly #request: ForwardedRequest;
  /** The replay copy when the route may retry; undefined otherwise (the attempt counts the body). */
  readonly #replay: ReplayBody | undefined;
  /** Addresses tried, for the load balancer to avoid; made on the first retry. */
  #tried: Set<string> | undefined = undefined;
  #attempt: UpstreamAttempt | undefined = undefined;
  #retries = 0;
  /** The per-try timeout or the back-off wait; never both. */
  #timer: NodeJS.Timeout | undefined = undefined;
  /** The retries slot of a retry waiting out its back-off. */
  #retryTicket: BreakerTicket | undefined = undefined;

  constructor(env: ForwardEnvironment, exchange: Exchange, request: ForwardedRequest) {
    this.#env = env;
    this.exchange = exchange;
    this.#request = request;
    const body = request.body;
    this.#replay = body instanceof ReplayBody ? body : undefined;
  }

  /** Sends the first attempt; the exchange then reports its deadline and downstream close here. */
  start(): void {
    this.exchange.dispatched(this);
    this.#launch(undefined);
  }

  get readsBody(): boolean {
    return this.#replay !== undefined || this.#attempt?.inFlight === true;
  }

  /** The route timeout passed (`timedOut`) or the downstream went away: no more attempts. */
  cancel(timedOut: boolean): void {
    this.#clearTimer();
    this.#retryTicket?.release();
    this.#retryTicket = undefined;
    const attempt = this.#attempt;
    if (attempt === undefined) return;
    if (attempt.active) this.#report(attempt, { kind: timedOut ? "timeout" : "cancelled" });
    attempt.giveUp(true);
  }

  #launch(retryTicket: BreakerTicket | undefined): void {
    const exchange = this.exchange;
    const request = this.#request;
    const { cluster, breaker, hash } = request;
    const env = this.#env;
    if (exchange.done) {
      retryTicket?.release();
      return;
    }
    const tried = this.#tried;
    const upstream = env.clusters.pick(
      cluster,
      tried !== undefined ? { hash, avoid: tried } : hash === undefined ? undefined : { hash },
    );
    if (upstream === undefined) {
      retryTicket?.release();
      exchange.localReply(503, "no healthy upstream", ResponseFlag.noHealthyUpstream);
      return;
    }
    const slots = takeAttemptSlots(breaker);
    if (typeof slots === "string") {
      retryTicket?.release();
      overflowReply(exchange, env.observer, cluster, slots);
      return;
    }
    const address = upstream.address;
    upstream.begin();
    exchange.upstreamAddress = address;
    const replay = this.#replay;
    const attempt = new UpstreamAttempt(this, upstream, slots, retryTicket, replay === undefined);
    this.#attempt = attempt;
    const perTryMs = request.policy.perTryTimeoutMs;
    if (perTryMs > 0) this.#timer = setTimeout(onPerTryTimeout, perTryMs, this, attempt).unref();
    const body = replay !== undefined ? replay.next() : (request.body as Readable | undefined);
    const http2 = request.http2;
    if (http2 !== undefined) {
      const target = { sessions: env.sessions, address, connectTimeoutMs: http2.connectTimeoutMs, tls: http2.tls };
      forwardHttp2(attempt, target, request.authority, request.path, request.headers, body);
      return;
    }
    // The stream idle timeout can fire first only when the request's deadline is longer than it
    // or absent; otherwise the deadline covers it and undici need not arm two timers per request
    // (measured: about 4% of the proxy's CPU at 20k req/s).
    const deadline = exchange.timeoutMs;
    const idleMs = deadline > 0 && deadline <= env.idleTimeoutMs ? 0 : env.idleTimeoutMs;
    upstream.pool.dispatch(
      {
        method: exchange.method as Dispatcher.HttpMethod,
        path: request.path,
        headers: request.headers,
        body: body ?? null,
        headersTimeout: idleMs,
        bodyTimeout: idleMs,
      },
      attempt,
    );
  }

  /** Response headers of the attempt in progress; true when it is given up for a retry. */
  attemptResponded(attempt: UpstreamAttempt, status: number, list: HeaderList): boolean {
    this.#clearTimer();
    this.#report(attempt, responseOutcome(status));
    const policy = this.#request.policy;
    if (policy.retryOn === 0) return false;
    const grpcStatus = this.exchange.grpc ? grpcStatusOf(firstValue(list, "grpc-status")) : undefined;
    if (!retriableResponse(policy, status, grpcStatus)) return false;
    // An HTTP/1.1 response is drained to keep its connection; an HTTP/2 stream is cancelled.
    return this.#retry(attempt, this.#request.http2 !== undefined);
  }

  /** The attempt in progress failed before a response was kept: retried, or the request fails. */
  attemptFailed(attempt: UpstreamAttempt, err: unknown): void {
    this.#clearTimer();
    const exchange = this.exchange;
    if (exchange.done) {
      this.#report(attempt, { kind: "cancelled" });
      return;
    }
    const failure = failureOf(err);
    this.#report(attempt, { kind: failure === "connectFailure" ? "connectFailure" : "reset" });
    if (retriableFailure(this.#request.policy, failure) && this.#retry(attempt, true)) return;
    exchange.upstreamFailed(err);
  }

  onPerTryTimeout(attempt: UpstreamAttempt): void {
    this.#timer = undefined;
    if (attempt !== this.#attempt || !attempt.active) return;
    this.#report(attempt, { kind: "timeout" });
    attempt.giveUp(true);
    if (retriableFailure(this.#request.policy, "perTryTimeout") && this.#retry(attempt, true)) return;
    this.exchange.upstreamTimedOut();
  }

  onBackoffEnd(): void {
    this.#timer = undefined;
    const ticket = this.#retryTicket;
    this.#retryTicket = undefined;
    this.#env.observer.retried?.(this.#request.cluster);
    this.#launch(ticket);
  }

  /** Schedules a retry when one is allowed; false leaves the attempt's outcome final. */
  #retry(attempt: UpstreamAttempt, cancel: boolean): boolean {
    const exchange = this.exchange;
    const { policy, cluster, breaker } = this.#request;
    const observer = this.#env.observer;
    if (this.#retries >= policy.numRetries) {
      exchange.flag(ResponseFlag.upstreamRetryLimitExceeded);
      observer.retriesExhausted?.(cluster);
      return false;
    }
    const replay = this.#replay;
    if (replay === undefined ? this.#request.body !== undefined : !replay.replayable) return false;
    if (exchange.remainingMs(exchange.timeoutMs, 1) <= 0) return false;
    let ticket: BreakerTicket | undefined;
    if (breaker !== undefined) {
      ticket = breaker.tryAcquire("retries");
      if (ticket === undefined) {
        observer.overflowed?.(cluster, "retries");
        return false;
      }
    }
    this.#retries++;
    if (this.#tried === undefined) this.#tried = new Set();
    this.#tried.add(attempt.address);
    attempt.giveUp(cancel);
    this.#retryTicket = ticket;
    const wait = retryBackoffMs(policy, this.#retries, this.#env.random);
    this.#timer = setTimeout(onBackoffEnd, wait, this).unref();
    return true;
  }

  #report(attempt: UpstreamAttempt, outcome: AttemptOutcome): void {
    this.#env.clusters.attemptEnded?.(this.#request.cluster, attempt.address, outcome);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

function onPerTryTimeout(forward: Forward, attempt: UpstreamAttempt): void {
  forward.onPerTryTimeout(attempt);
}

function onBackoffEnd(forward: Forward): void {
  forward.onBackoffEnd();
}

/**
 * The outcome of an attempt answered with `status`: one frozen object per status, made on first
 * use, so reporting a response allocates nothing per request.
 */
function responseOutcome(status: number): AttemptOutcome {
  let outcome = RESPONSE_OUTCOMES.get(status);
  if (outcome === undefined) {
    outcome = Object.freeze({ kind: "response", status });
    RESPONSE_OUTCOMES.set(status, outcome);
  }
  return outcome;
}

const RESPONSE_OUTCOMES = new Map<number, AttemptOutcome>();

function failureOf(err: unknown): AttemptFailure {
  if (typeof err !== "object" || err === null) return "reset";
  const { code, rstCode } = err as { code?: unknown; rstCode?: unknown };
  if (typeof code === "string" && CONNECT_FAILURES.has(code)) return "connectFailure";
  if (rstCode === NGHTTP2_REFUSED_STREAM) return "refusedStream";
  return "reset";
}

function grpcStatusOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}
