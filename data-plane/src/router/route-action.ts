// A route's action (route, redirect, direct_response or non_forwarding_action), compiled once
// with its rewrites and header mutations, and resolved per request into a small decision: the
// cluster (weighted clusters drawn with the injected random source, cluster_header read from the
// request), the upstream path, the redirect Location, or the fixed response.
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import type { Route, RouteAction, VirtualHost } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";
import { compileHashPolicy, type HashPolicy } from "./hash-policy.js";
import { compileHeaderMutations, type HeaderMutations } from "./header-mutations.js";
import { type CompiledRedirect, compileRedirect } from "./redirect.js";
import type { RequestView } from "./request.js";
import { compileRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import { compilePathRewrite, type PathRewrite } from "./rewrite.js";
import { pickWeighted } from "./weighted.js";

/** Envoy's default upstream timeout when a route sets none. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/** Forward upstream. */
export interface ForwardDecision {
  readonly type: "forward";
  /**
   * The cluster to send to; undefined when `cluster_header` names a header the request lacks,
   * which is answered with `clusterNotFoundStatus`.
   */
  readonly cluster: string | undefined;
  /** From cluster_not_found_response_code: 503 (default), 404 or 500. */
  readonly clusterNotFoundStatus: number;
  /** The upstream `:path`, after prefix_rewrite or regex_rewrite. */
  readonly path: string;
  /** host_rewrite_literal (a weighted cluster's own overrides the route's). */
  readonly hostRewrite: string | undefined;
  /** Upstream timeout in milliseconds; 0 means none. */
  readonly timeoutMs: number;
  /** The route's retry_policy (else the virtual host's); undefined for no retries. */
  readonly retryPolicy: RetryPolicy | undefined;
  /** The route's hash_policy (for ring hash); undefined when it has none. */
  readonly hashPolicy?: HashPolicy | undefined;
  /**
   * The route terminates CONNECT (an upgrade_configs entry CONNECT with connect_config): the proxy
   * answers 200 and carries the tunnel's bytes to an endpoint of the cluster as a TCP stream.
   */
  readonly terminatesConnect?: boolean;
}

export interface RedirectDecision {
  readonly type: "redirect";
  readonly status: number;
  readonly location: string;
}

export interface DirectResponseDecision {
  readonly type: "directResponse";
  readonly status: number;
  /** The inline body; undefined for none (and for a file or environment body, not served yet). */
  readonly body: Uint8Array | undefined;
}

/** non_forwarding_action: the route matched, and a filter, not the router, answers. */
export interface NonForwardingDecision {
  readonly type: "nonForwarding";
}

export type RouteDecisionAction = ForwardDecision | RedirectDecision | DirectResponseDecision | NonForwardingDecision;

/**
 * Compiles a route's action. `matched` is the literal the route's path matcher matched (for
 * prefix_rewrite), undefined for a regex route.
 */
export function compileAction(
  route: Route,
  matched: string | undefined,
  vhost: VirtualHost,
  config: RouteConfiguration,
): CompiledAction {
  const headers = compileHeaderMutations([route, vhost, config], config.mostSpecificHeaderMutationsWins);
  if (route.route !== undefined) return compileForward(route.route, matched, route, vhost, config);
  if (route.redirect !== undefined) {
    return Object.freeze({ type: "redirect", redirect: compileRedirect(route.redirect, matched), headers });
  }
  if (route.directResponse !== undefined) {
    const { status, body } = route.directResponse;
    const bytes =
      body?.inlineBytes !== undefined
        ? body.inlineBytes
        : body?.inlineString !== undefined
          ? new TextEncoder().encode(body.inlineString)
          : undefined;
    return fixed({ type: "directResponse", status, body: bytes }, headers);
  }
  return fixed({ type: "nonForwarding" }, headers);
}

export type CompiledAction =
  | {
      readonly type: "forward";
      readonly target: ForwardTarget;
      readonly clusterNotFoundStatus: number;
      readonly rewrite: PathRewrite | undefined;
      readonly hostRewrite: string | undefined;
      readonly timeoutMs: number;
      readonly retryPolicy: RetryPolicy | undefined;
      readonly hashPolicy: HashPolicy | undefined;
      readonly terminatesConnect: boolean;
      readonly headers: HeaderMutations;
    }
  | { readonly type: "redirect"; readonly redirect: CompiledRedirect; readonly headers: HeaderMutations }
  | { readonly type: "fixed"; readonly resolved: ResolvedAction };

/** What a request's action resolves to. */
export interface ResolvedAction {
  readonly action: RouteDecisionAction;
  readonly headers: HeaderMutations;
}

/** A direct or non-forwarding response depends on nothing in the request: resolved once, here. */
function fixed(action: RouteDecisionAction, headers: HeaderMutations): CompiledAction {
  return Object.freeze({ type: "fixed", resolved: Object.freeze({ action: Object.freeze(action), headers }) });
}

type ForwardTarget =
  | { readonly kind: "cluster"; readonly name: string }
  | { readonly kind: "header"; readonly header: string }
  | {
      readonly kind: "weighted";
      readonly weights: readonly number[];
      readonly clusters: readonly {
        readonly name: string;
        readonly hostRewrite: string | undefined;
        readonly headers: HeaderMutations;
      }[];
    };

function compileForward(
  action: RouteAction,
  matched: string | undefined,
  route: Route,
  vhost: VirtualHost,
  config: RouteConfiguration,
): CompiledAction {
  const mostSpecificWins = config.mostSpecificHeaderMutationsWins;
  let target: ForwardTarget;
  if (action.weightedClusters !== undefined) {
    const entries = action.weightedClusters.clusters;
    target = {
      kind: "weighted",
      weights: Object.freeze(entries.map((c) => c.weight ?? 0)),
      clusters: Object.freeze(
        entries.map((c) =>
          Object.freeze({
            name: c.name,
            hostRewrite: c.hostRewriteLiteral ?? action.hostRewriteLiteral,
            headers: compileHeaderMutations([c, route, vhost, config], mostSpecificWins),
          }),
        ),
      ),
    };
  } else if (action.clusterHeader !== undefined) {
    target = { kind: "header", header: action.clusterHeader.toLowerCase() };
  } else {
    target = { kind: "cluster", name: action.cluster ?? "" };
  }
  return Object.freeze({
    type: "forward",
    target: Object.freeze(target),
    clusterNotFoundStatus: CLUSTER_NOT_FOUND_STATUS[action.clusterNotFoundResponseCode] ?? 503,
    rewrite: compilePathRewrite(action.prefixRewrite, action.regexRewrite, matched),
    hostRewrite: action.hostRewriteLiteral,
    timeoutMs: timeoutMs(action.timeout),
    retryPolicy: compileRetryPolicy(action.retryPolicy, vhost.retryPolicy),
    hashPolicy: compileHashPolicy(action.hashPolicy),
    terminatesConnect: action.upgradeConfigs.some(
      (u) => u.upgradeType.toLowerCase() === "connect" && u.connectConfig !== undefined && u.enabled !== false,
    ),
    headers: compileHeaderMutations([route, vhost, config], mostSpecificWins),
  });
}

/** Indexed by RouteAction_ClusterNotFoundResponseCode. */
const CLUSTER_NOT_FOUND_STATUS: readonly number[] = [503, 404, 500];

function timeoutMs(timeout: Duration | undefined): number {
  if (timeout === undefined) return DEFAULT_ROUTE_TIMEOUT_MS;
  return timeout.seconds * 1000 + Math.floor(timeout.nanos / 1_000_000);
}

/** The decision for one request; allocates only what depends on the request. */
export function resolveAction(action: CompiledAction, view: RequestView, random: () => number): ResolvedAction {
  switch (action.type) {
    case "fixed":
      return action.resolved;
    case "redirect":
      return {
        action: { type: "redirect", status: action.redirect.status, location: action.redirect.location(view) },
        headers: action.headers,
      };
    case "forward": {
      const path = action.rewrite === undefined ? view.request.path : action.rewrite(view.request.path);
      let cluster: string | undefined;
      let hostRewrite = action.hostRewrite;
      let headers = action.headers;
      const target = action.target;
      if (target.kind === "cluster") {
        cluster = target.name;
      } else if (target.kind === "header") {
        cluster = view.firstHeader(target.header) || undefined;
      } else {
        const chosen = target.clusters[pickWeighted(target.weights, random()) ?? -1];
        if (chosen !== undefined) {
          cluster = chosen.name;
          hostRewrite = chosen.hostRewrite;
          headers = chosen.headers;
        }
      }
      const decision: ForwardDecision = {
        type: "forward",
        cluster,
        clusterNotFoundStatus: action.clusterNotFoundStatus,
        path,
        hostRewrite,
        timeoutMs: action.timeoutMs,
        retryPolicy: action.retryPolicy,
        hashPolicy: action.hashPolicy,
        terminatesConnect: action.terminatesConnect,
      };
      return { action: decision, headers };
    }
  }
}
