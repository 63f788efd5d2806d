// A request forwarded under a route's retry policy: attempts one after another, each to an
// endpoint the request has not tried when the cluster has another, until one response is kept.
// A response or failure is retried only while nothing has gone downstream (a retriable response is
// dropped before its headers are sent), retries remain (num_retries), the body can be replayed,
// the route timeout has time left and the cluster's circuit breaker grants a retries slot. Each
// retry waits a fully jittered exponential back-off first. The route timeout keeps bounding the
// whole request; per_try_timeout bounds each attempt within it.
import type { Dispatcher } from "undici";
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
import { HttpForwardErrorCode } from "./errors.js";
import { CONNECT_FAILURES, type Exchange, type HeldUpstream } from "./exchange.js";
import type { Http2Sessions } from "./h2-sessions.js";
import { forwardHttp2 } from "./h2-upstream.js";
import { firstValue, type HeaderList } from "./header-list.js";
import { overflowReply, takeAttemptSlots } from "./overflow-reply.js";
import type { ReplayBody } from "./replay-body.js";
import type { AttemptOwner } from "./upstream-attempt.js";
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

/** What every retrying request of one handler shares. */
export interface RetryEnvironment {
  readonly clusters: AttemptClusters;
  readonly sessions: Http2Sessions;
  readonly observer: RequestObserver;
  /** Uniform in [0, 1), for the back-off. */
  readonly random: () => number;
  /** HTTP/1.1 headers and body timeouts (the stream idle timeout). */
  readonly idleTimeoutMs: number;
}

/** The upstream request every attempt sends. */
export interface RetriedRequest {
  readonly cluster: string;
  readonly policy: RetryPolicy;
  readonly breaker: CircuitBreaker | undefined;
  readonly path: string;
  readonly authority: string;
  /** Upstream headers; for HTTP/1.1 they include host. */
  readonly headers: HeaderList;
  /** undefined for an HTTP/1.1 cluster. */
  readonly http2: { readonly connectTimeoutMs: number } | undefined;
  /** undefined when the request has no body. */
  readonly body: ReplayBody | undefined;
  /** The request's hash under the route's hash_policy (ring hash); undefined for none. */
  readonly hash?: bigint | undefined;
}

const NGHTTP2_REFUSED_STREAM = 7;

export class RetryingForward implements AttemptOwner, HeldUpstream {
  readonly exchange: Exchange;
  readonly #env: RetryEnvironment;
  readonly #request: RetriedRequest;
  /** Addresses tried, for the load balancer to avoid. */
  readonly #tried = new Set<string>();
  #attempt: UpstreamAttempt | undefined = undefined;
  #retries = 0;
  /** The per-try timeout or the back-off wait; never both. */
  #timer: NodeJS.Timeout | undefined = undefined;
  /** The retries slot of a retry waiting out its back-off. */
  #retryTicket: BreakerTicket | undefined = undefined;

  constructor(env: RetryEnvironment, exchange: Exchange, request: RetriedRequest) {
    this.#env = env;
    this.exchange = exchange;
    this.#request = request;
  }

  start(): void {
    const exchange = this.exchange;
    exchange.dispatched(this, "");
    exchange.upstreamAddress = undefined;
    exchange.setAbort((err) => this.#cancel(err));
    this.#launch(undefined);
  }

  /** The exchange is done with the request; each attempt releases what it holds as it ends. */
  end(): void {}

  #launch(retryTicket: BreakerTicket | undefined): void {
    const exchange = this.exchange;
    const { cluster, breaker } = this.#request;
    const env = this.#env;
    if (exchange.done) {
      retryTicket?.release();
      return;
    }
    const hash = this.#request.hash;
    const upstream = env.clusters.pick(
      cluster,
      this.#tried.size > 0 ? { hash, avoid: this.#tried } : hash === undefined ? undefined : { hash },
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
    this.#tried.add(address);
    exchange.upstreamAddress = address;
    const attempt = new UpstreamAttempt(this, upstream, address, {
      request: slots.request,
      pending: slots.pending,
      retry: retryTicket,
    });
    this.#attempt = attempt;
    const perTryMs = this.#request.policy.perTryTimeoutMs;
    if (perTryMs > 0) this.#timer = setTimeout(onPerTryTimeout, perTryMs, this, attempt).unref();
    const body = this.#request.body?.next();
    const { http2, path, authority, headers } = this.#request;
    if (http2 !== undefined) {
      forwardHttp2(
        attempt,
        { sessions: env.sessions, address, connectTimeoutMs: http2.connectTimeoutMs },
        authority,
        path,
        headers,
        body,
      );
      return;
    }
    upstream.pool.dispatch(
      {
        method: exchange.method as Dispatcher.HttpMethod,
        path,
        headers,
        body: body ?? null,
        headersTimeout: env.idleTimeoutMs,
        bodyTimeout: env.idleTimeoutMs,
      },
      attempt,
    );
  }

  attemptResponded(attempt: UpstreamAttempt, status: number, list: HeaderList): boolean {
    this.#clearTimer();
    this.#report(attempt, { kind: "response", status });
    const exchange = this.exchange;
    const grpcStatus = exchange.grpc ? grpcStatusOf(firstValue(list, "grpc-status")) : undefined;
    if (!retriableResponse(this.#request.policy, status, grpcStatus)) return false;
    // An HTTP/1.1 response is drained to keep its connection; an HTTP/2 stream is cancelled.
    return this.#retry(attempt, this.#request.http2 !== undefined);
  }

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
    const { policy, cluster, breaker, body } = this.#request;
    const observer = this.#env.observer;
    if (this.#retries >= policy.numRetries) {
      exchange.flag(ResponseFlag.upstreamRetryLimitExceeded);
      observer.retriesExhausted?.(cluster);
      return false;
    }
    if (body !== undefined && !body.replayable) return false;
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
    attempt.giveUp(cancel);
    this.#retryTicket = ticket;
    const wait = retryBackoffMs(policy, this.#retries, this.#env.random);
    this.#timer = setTimeout(onBackoffEnd, wait, this).unref();
    return true;
  }

  /** The route timeout passed or the downstream went away: no more attempts. */
  #cancel(err: Error): void {
    this.#clearTimer();
    this.#retryTicket?.release();
    this.#retryTicket = undefined;
    const attempt = this.#attempt;
    if (attempt === undefined) return;
    if (attempt.active) {
      const timedOut = (err as { code?: string }).code === HttpForwardErrorCode.upstreamTimeout;
      this.#report(attempt, { kind: timedOut ? "timeout" : "cancelled" });
    }
    attempt.giveUp(true);
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

function onPerTryTimeout(forward: RetryingForward, attempt: UpstreamAttempt): void {
  forward.onPerTryTimeout(attempt);
}

function onBackoffEnd(forward: RetryingForward): void {
  forward.onBackoffEnd();
}

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
