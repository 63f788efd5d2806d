// The proxy's HTTP request path: route a request with the route table it starts with, then
// answer it locally or forward it to an endpoint of the chosen cluster and stream the response
// back. One handler per HTTP listener; see exchange.ts for a request's downstream side and
// forward.ts for its upstream side (one path, with or without a retry policy).

import { randomUUID } from "node:crypto";
import type { Http2ServerRequest } from "node:http2";
import type { Dispatcher } from "undici";
import type { RuntimeHttp } from "../config/listener.js";
import { authorize, principalNameOf, type RbacRequest, type RuntimeRbac } from "../config/rbac.js";
import type { RuntimeTls } from "../config/tls.js";
import type { ListenerHandler, ListenerRequest, ListenerResponse } from "../listeners/index.js";
import { type RequestObserver, ResponseFlag } from "../observer/request-observer.js";
import type { ForwardDecision, HeaderMutation, HeaderValue, RouteDecision, RouteTable } from "../router/index.js";
import { RequestView } from "../router/request.js";
import type { CircuitBreaker } from "../upstream/circuit-breaker.js";
import type { AttemptOutcome, PickContext } from "../upstream/resilience.js";
import { openTunnel } from "./connect-tunnel.js";
import { DownstreamHeaders } from "./downstream-headers.js";
import { Exchange, type ExchangeContext } from "./exchange.js";
import { FaultFilter, type FaultTimers } from "./fault-filter.js";
import { Forward, type ForwardEnvironment, NO_RETRIES } from "./forward.js";
import { parseGrpcTimeout } from "./grpc.js";
import { Http2Sessions } from "./h2-sessions.js";
import { ReplayBody } from "./replay-body.js";
import { isOriginForm, isRefused, readRequestTarget } from "./request-target.js";
import { completeUpstreamHeaders, requestIdFor, schemeFor } from "./upstream-request.js";

/** One endpoint as the request path uses it (ClusterManager's Upstream satisfies it). */
export interface UpstreamEndpoint {
  /** `host:port`, an IPv6 host in brackets. */
  readonly address: string;
  /** The endpoint's HTTP/1.1 connection pool (undici). */
  readonly pool: Pick<Dispatcher, "dispatch">;
  begin(): void;
  end(): void;
}

/** The clusters as the request path uses them (ClusterManager satisfies it). */
export interface UpstreamClusters {
  has(cluster: string): boolean;
  cluster(
    cluster: string,
  ): { readonly http2: boolean; readonly connectTimeoutMs: number; readonly tls?: RuntimeTls | undefined } | undefined;
  warming(cluster: string): boolean;
  whenWarm(cluster: string, timeoutMs: number): Promise<boolean>;
  /** An endpoint; `context.avoid` lists the addresses a retry has tried. */
  pick(cluster: string, context?: PickContext): UpstreamEndpoint | undefined;
  /** The cluster's circuit breaker; none means no limits. */
  breaker?(cluster: string): CircuitBreaker | undefined;
  /** How each upstream attempt ended (for outlier detection); called once per attempt. */
  attemptEnded?(cluster: string, address: string, outcome: AttemptOutcome): void;
}

export interface HttpHandlerOptions {
  /** The listener's name, for records. */
  readonly listener: string;
  readonly http: RuntimeHttp;
  /**
   * The route table for new requests, read once when a request starts; the request keeps it to
   * its end. undefined (RDS not arrived yet) answers 404 NR, as Envoy's connection manager does
   * while it has no route configuration.
   */
  readonly routeTable: () => RouteTable | undefined;
  readonly clusters: UpstreamClusters;
  readonly observer: RequestObserver;
  /** Sessions to HTTP/2 upstreams; share one across listeners and close it at shutdown. Default: the handler's own. */
  readonly http2Sessions?: Http2Sessions;
  /** A monotonic clock in milliseconds (performance.now). */
  readonly now?: () => number;
  /** x-request-id generator; default crypto.randomUUID. */
  readonly generateRequestId?: () => string;
  /** Uniform in [0, 1), for retry back-off and fault injection's shares; default Math.random. */
  readonly random?: () => number;
  /** The timers fault injection's delays wait on; default the global setTimeout. */
  readonly timers?: FaultTimers;
}

/** How long a request waits for a warming cluster when its route sets no timeout. */
export const WARMING_WAIT_MS = 5000;

export function createHttpHandler(options: HttpHandlerOptions): ListenerHandler {
  const ctx: ExchangeContext = {
    listener: options.listener,
    http: options.http,
    observer: options.observer,
    now: options.now ?? (() => performance.now()),
    serverName: options.http.serverName === "" ? "weft" : options.http.serverName,
  };
  const upstream: ForwardEnvironment = {
    clusters: options.clusters,
    sessions: options.http2Sessions ?? new Http2Sessions(),
    observer: options.observer,
    random: options.random ?? Math.random,
    idleTimeoutMs: options.http.streamIdleTimeoutMs,
  };
  const fault = options.http.fault;
  const faults =
    fault === undefined
      ? undefined
      : new FaultFilter({
          name: fault.name,
          config: fault.config,
          random: options.random ?? Math.random,
          timers: options.timers ?? { setTimeout: (callback, ms) => setTimeout(callback, ms) },
        });
  const forwarder = new Forwarder(ctx, options.clusters, options.generateRequestId ?? randomUUID, upstream, faults);
  const routeTable = options.routeTable;
  return (req, res) => forwarder.handle(routeTable(), req, res);
}

class Forwarder {
  readonly #ctx: ExchangeContext;
  readonly #clusters: UpstreamClusters;
  readonly #generateRequestId: () => string;
  readonly #upstream: ForwardEnvironment;
  /** The listener's fault filter, when its http_filters list one. */
  readonly #faults: FaultFilter | undefined;
  /** Goes on with a request a fault delayed (made once: the request path allocates no closure). */
  readonly #resume = (exchange: Exchange, decision: RouteDecision): void => this.#act(exchange, decision);

  constructor(
    ctx: ExchangeContext,
    clusters: UpstreamClusters,
    generate: () => string,
    upstream: ForwardEnvironment,
    faults: FaultFilter | undefined,
  ) {
    this.#ctx = ctx;
    this.#faults = faults;
    this.#clusters = clusters;
    this.#generateRequestId = generate;
    this.#upstream = upstream;
  }

  handle(table: RouteTable | undefined, req: ListenerRequest, res: ListenerResponse): void {
    const http = this.#ctx.http;
    const headers = new DownstreamHeaders(req.rawHeaders);
    const exchange = new Exchange(this.#ctx, req, res, headers);
    exchange.requestId = requestIdFor(http, headers.requestId, this.#generateRequestId);
    if (exchange.method === "CONNECT" && http.connect === true && !exchange.h2) {
      openTunnel(exchange, headers, table, this.#clusters);
      return;
    }
    if (exchange.method === "CONNECT" || (!exchange.h2 && !isOriginForm(exchange.path))) {
      const target = readRequestTarget(exchange.method, exchange.path);
      if (isRefused(target)) {
        exchange.localReply(target.status, target.reason, undefined);
        return;
      }
      // The URL's authority replaces Host for routing, rewrites, the record and the upstream request.
      headers.authority = target.authority;
      exchange.path = target.path;
    }
    const authority = headers.authority;
    if (authority === undefined || authority === "") {
      exchange.localReply(400, "missing host header", undefined);
      return;
    }
    // The RBAC filters run before the router picks a route, as in Envoy's filter chain.
    const rbac = http.rbac;
    if (rbac !== undefined && !this.#authorized(exchange, authority, rbac)) {
      exchange.localReply(403, "RBAC: access denied", undefined);
      return;
    }
    const decision = table?.match({
      authority,
      path: exchange.path,
      headers: (name) => headerOf(exchange, name),
      scheme: schemeFor(http, headers),
    });
    if (decision === undefined) {
      exchange.localReply(404, undefined, ResponseFlag.noRoute);
      return;
    }
    exchange.responseMutations = decision.headers.response;
    const faults = this.#faults;
    if (faults !== undefined) {
      const fault = faults.configFor(table, decision);
      if (faults.apply(exchange, fault, this.#resume, exchange, decision)) return;
    }
    this.#act(exchange, decision);
  }

  /** Whether every RBAC filter lets the request through; each decision is reported. */
  #authorized(exchange: Exchange, authority: string, filters: readonly RuntimeRbac[]): boolean {
    const request: RbacRequest = {
      view: new RequestView({ authority, path: exchange.path, headers: (name) => headerOf(exchange, name) }),
      destinationPort: exchange.req.socket.localPort ?? 0,
      peer: exchange.peer,
      remoteIp: exchange.peerHost,
    };
    const observer = this.#ctx.observer;
    for (const filter of filters) {
      if (filter.action === undefined || filter.action === "LOG") continue;
      const { allowed, policy } = authorize(filter, request);
      observer.authorized?.(
        this.#ctx.listener,
        allowed ? "allowed" : "denied",
        policy,
        exchange.peer === undefined ? undefined : principalNameOf(exchange.peer),
      );
      if (!allowed) return false;
    }
    return true;
  }

  /** What the route decided: forward, redirect, or answer directly. */
  #act(exchange: Exchange, decision: RouteDecision): void {
    const action = decision.action;
    switch (action.type) {
      case "forward":
        this.#forward(exchange, action, decision.headers.request);
        return;
      case "redirect":
        exchange.localReply(action.status, undefined, ResponseFlag.directResponse, undefined, [
          "location",
          action.location,
        ]);
        return;
      case "directResponse":
        exchange.localReply(action.status, action.body, ResponseFlag.directResponse);
        return;
      case "nonForwarding":
        // No filter here answers a non-forwarding route, so the router has nothing to route to.
        exchange.localReply(404, undefined, ResponseFlag.noRoute);
        return;
    }
  }

  #forward(exchange: Exchange, action: ForwardDecision, mutations: readonly HeaderMutation[]): void {
    const cluster = action.cluster;
    exchange.cluster = cluster;
    if (cluster === undefined || !this.#clusters.has(cluster)) {
      exchange.localReply(action.clusterNotFoundStatus, undefined, ResponseFlag.noClusterFound);
      return;
    }
    const timeoutMs = deadlineMs(exchange, action.timeoutMs);
    if (this.#clusters.warming(cluster)) {
      // An EDS cluster whose endpoints are on their way: wait within the request's own deadline
      // (which keeps running), and answer 503 UH if they do not come in time.
      void this.#clusters.whenWarm(cluster, exchange.remainingMs(timeoutMs, WARMING_WAIT_MS)).then((ready) => {
        if (exchange.done) return;
        if (!ready) {
          exchange.localReply(503, "no healthy upstream", ResponseFlag.noHealthyUpstream);
          return;
        }
        exchange.setDeadline(timeoutMs);
        this.#dispatch(exchange, cluster, action, mutations);
      });
      return;
    }
    exchange.setDeadline(timeoutMs);
    this.#dispatch(exchange, cluster, action, mutations);
  }

  /**
   * Completes the upstream request and hands it to a Forward, the one upstream path: a route
   * without a retry policy runs it with NO_RETRIES. Only a route with a policy keeps a copy of
   * the body for replay (up to REPLAY_BUFFER_LIMIT); the others stream it straight through.
   */
  #dispatch(exchange: Exchange, cluster: string, action: ForwardDecision, mutations: readonly HeaderMutation[]): void {
    const headers = exchange.headers;
    const clusters = this.#clusters;
    const req = exchange.req;
    exchange.requestId = completeUpstreamHeaders(
      this.#ctx.http,
      headers,
      exchange.requestId,
      req.socket.remoteAddress,
      mutations,
      exchange.peer,
    );
    const authority = action.hostRewrite ?? (headers.authority as string);
    const runtime = clusters.cluster(cluster);
    const http2 = runtime?.http2 === true ? runtime : undefined;
    if (http2 === undefined) headers.list.push("host", authority);
    const policy = action.retryPolicy;
    const body = hasRequestBody(exchange) ? (policy === undefined ? req : new ReplayBody(req, exchange)) : undefined;
    const hashPolicy = action.hashPolicy;
    new Forward(this.#upstream, exchange, {
      cluster,
      policy: policy ?? NO_RETRIES,
      breaker: clusters.breaker?.(cluster),
      path: action.path,
      authority,
      headers: headers.list,
      http2,
      body,
      hash: hashPolicy === undefined ? undefined : requestHash(exchange, hashPolicy),
    }).start();
  }
}

/** The request's hash under the route's hash_policy, for ring hash; undefined when no policy applied. */
function requestHash(exchange: Exchange, policy: NonNullable<ForwardDecision["hashPolicy"]>): bigint | undefined {
  return policy({
    header: (name) => headerOf(exchange, name),
    path: exchange.path,
    remoteAddress: exchange.peerHost === "" ? undefined : exchange.peerHost,
  });
}

/** Whether the downstream request has a body to forward. */
function hasRequestBody(exchange: Exchange): boolean {
  const headers = exchange.headers;
  return exchange.h2
    ? !(exchange.req as Http2ServerRequest).stream.endAfterHeaders
    : headers.chunked || (headers.contentLength !== undefined && headers.contentLength !== "0");
}

/** The route timeout, shortened to the gRPC deadline when the request carries grpc-timeout. */
function deadlineMs(exchange: Exchange, routeTimeoutMs: number): number {
  const grpcTimeout = exchange.headers.grpcTimeout;
  if (!exchange.grpc || grpcTimeout === undefined) return routeTimeoutMs;
  const grpcMs = parseGrpcTimeout(grpcTimeout);
  if (grpcMs === undefined) return routeTimeoutMs;
  return routeTimeoutMs > 0 ? Math.min(routeTimeoutMs, grpcMs) : grpcMs;
}

/** A request header for route matching; pseudo-headers answer for HTTP/1.1 requests too. */
function headerOf(exchange: Exchange, name: string): HeaderValue {
  switch (name) {
    case ":method":
      return exchange.method;
    case ":path":
      return exchange.path;
    case ":authority":
    case "host":
      // One value for both, as in Envoy (whose HTTP/1.1 codec stores Host as :authority): an
      // absolute-form target's authority, not the Host header it replaced.
      return exchange.headers.authority;
    default:
      return exchange.req.headers[name];
  }
}
