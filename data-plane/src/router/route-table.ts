// A RouteConfiguration compiled for matching: built once when the configuration arrives, never
// changed afterwards, so a request can hold the table it started with while a newer one is
// swapped in. Every regex is compiled here; matching a request compiles nothing.
//
// A request picks one virtual host by its authority (see domain-match.ts), then the first route
// of that virtual host whose every matcher matches: path specifier, headers, query parameters and
// runtime_fraction, in that order. The route's action is resolved into a RouteDecision.
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import type { Route, RouteMatch, VirtualHost } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import { FractionalPercent_DenominatorType } from "../../../proto/gen/envoy/type/v3/percent.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { DomainIndex } from "./domain-match.js";
import { compileHeaderMatcher, type HeaderPredicate } from "./header-match.js";
import type { HeaderMutations } from "./header-mutations.js";
import { compilePathMatcher, type PathMatcher } from "./path-match.js";
import { compileQueryMatcher, type QueryPredicate } from "./query-match.js";
import { RequestView, type RouteRequest } from "./request.js";
import { type CompiledAction, compileAction, type RouteDecisionAction, resolveAction } from "./route-action.js";

export interface RouteTableOptions {
  /** Uniform in [0, 1); drives weighted clusters and runtime_fraction. Default Math.random. */
  readonly random?: () => number;
}

export interface RouteDecision {
  /** The matched virtual host and route as configured; treat them as read-only. */
  readonly virtualHost: VirtualHost;
  readonly route: Route;
  readonly action: RouteDecisionAction;
  /** Header additions and removals in application order (see header-mutations.ts). */
  readonly headers: HeaderMutations;
}

export interface RouteTable {
  readonly name: string;
  /** The route configuration's own typed_per_filter_config, for filters that read it (fault injection). */
  readonly perFilterConfig?: { readonly [key: string]: Any };
  /** The route for a request, or undefined when no virtual host or route matches (a 404). */
  match(request: RouteRequest): RouteDecision | undefined;
}

export function compileRouteTable(config: RouteConfiguration, options: RouteTableOptions = {}): RouteTable {
  return new CompiledRouteTable(config, options.random ?? Math.random);
}

class CompiledRouteTable implements RouteTable {
  readonly name: string;
  readonly perFilterConfig: { readonly [key: string]: Any };
  readonly #hosts: DomainIndex<CompiledVirtualHost>;
  readonly #random: () => number;

  constructor(config: RouteConfiguration, random: () => number) {
    this.name = config.name;
    this.perFilterConfig = config.typedPerFilterConfig;
    this.#random = random;
    const entries: [string, CompiledVirtualHost][] = [];
    for (const vhost of config.virtualHosts) {
      const compiled = compileVirtualHost(vhost, config);
      for (const domain of vhost.domains) entries.push([domain, compiled]);
    }
    this.#hosts = new DomainIndex(entries, config.ignorePortInHostMatching);
    Object.freeze(this);
  }

  match(request: RouteRequest): RouteDecision | undefined {
    const vhost = this.#hosts.find(request.authority);
    if (vhost === undefined) return undefined;
    const view = new RequestView(request);
    for (const route of vhost.routes) {
      if (matches(route, view, this.#random)) return decide(vhost.config, route, view, this.#random);
    }
    return undefined;
  }
}

interface CompiledVirtualHost {
  readonly config: VirtualHost;
  readonly routes: readonly CompiledRoute[];
}

interface CompiledRoute {
  readonly config: Route;
  readonly path: PathMatcher;
  readonly headers: readonly HeaderPredicate[];
  readonly query: readonly QueryPredicate[];
  /** runtime_fraction's default value as numerator out of denominator; undefined for none. */
  readonly fraction: { readonly numerator: number; readonly denominator: number } | undefined;
  readonly action: CompiledAction;
}

function compileVirtualHost(vhost: VirtualHost, config: RouteConfiguration): CompiledVirtualHost {
  const routes = vhost.routes.map((route) => compileRoute(route, vhost, config));
  return Object.freeze({ config: vhost, routes: Object.freeze(routes) });
}

function compileRoute(route: Route, vhost: VirtualHost, config: RouteConfiguration): CompiledRoute {
  const match: RouteMatch = route.match ?? { headers: [], queryParameters: [] };
  const path = compilePathMatcher(match);
  return Object.freeze({
    config: route,
    path,
    headers: Object.freeze(match.headers.map(compileHeaderMatcher)),
    query: Object.freeze(match.queryParameters.map(compileQueryMatcher)),
    fraction: compileFraction(match),
    action: compileAction(route, path.matched, vhost, config),
  });
}

const DENOMINATOR: Readonly<Record<number, number>> = {
  [FractionalPercent_DenominatorType.HUNDRED]: 100,
  [FractionalPercent_DenominatorType.TEN_THOUSAND]: 10_000,
  [FractionalPercent_DenominatorType.MILLION]: 1_000_000,
};

/**
 * Weft has no runtime layer, so runtime_fraction always uses its default_value. A route without
 * a default value is taken with probability 0 — Envoy's reading of an absent fraction with an
 * unset runtime key.
 */
function compileFraction(match: RouteMatch): CompiledRoute["fraction"] {
  if (match.runtimeFraction === undefined) return undefined;
  const value = match.runtimeFraction.defaultValue;
  if (value === undefined) return { numerator: 0, denominator: 100 };
  return Object.freeze({ numerator: value.numerator, denominator: DENOMINATOR[value.denominator] ?? 100 });
}

function matches(route: CompiledRoute, view: RequestView, random: () => number): boolean {
  if (!route.path.matches(view)) return false;
  for (const header of route.headers) if (!header(view)) return false;
  for (const query of route.query) if (!query(view)) return false;
  if (route.fraction !== undefined) {
    const { numerator, denominator } = route.fraction;
    if (Math.floor(random() * denominator) >= numerator) return false;
  }
  return true;
}

function decide(vhost: VirtualHost, route: CompiledRoute, view: RequestView, random: () => number): RouteDecision {
  const { action, headers } = resolveAction(route.action, view, random);
  return { virtualHost: vhost, route: route.config, action, headers };
}
