// The outbound route configuration of a view: one virtual host per HTTP port of each Service the
// view may call, answering to the Service's names, with the rules of the routes attached to that
// port; a last `*` virtual host answers 404 (docs/mesh.md, "Outbound routes").
import { field, item } from "../../../../proto/index.js";
import { speaksHttp } from "./clusters.js";
import { type CompiledResource, type CompileIssue, compiled, type EnvoyJson } from "./compiled-resource.js";
import { CONNECT_ROUTE } from "./connect.js";
import type { MeshState, ServiceDocument, ServicePort } from "./mesh-state.js";
import { OUTBOUND_ROUTES, serviceClusterName, UNKNOWN_HOST_VIRTUAL_HOST } from "./names.js";
import { backendKey, defaultAction, type RouteSource, ruleAction } from "./route-action.js";
import { type CompiledMatch, grpcMatch, httpMatch, MATCH_ALL, precedenceOrder } from "./route-match.js";

/** The domain suffix that names a Service in the mesh (`catalog.mesh`). */
export const MESH_DOMAIN = "mesh";

/**
 * What a caller sees when its request's host names no Service it may call: a format string (the
 * outbound listener's local_reply_config fills in the host) for Envoy's no-route reply, 404 NR.
 */
export const UNKNOWN_HOST_BODY =
  "no mesh service answers to host %REQ(:AUTHORITY)%; `weft get services` lists the mesh's services\n";

/**
 * Ends the routes of a port that routes attach to: a request none of their rules matches gets 404
 * here, so a no-route reply (NR) means only that the host named no Service (listeners.ts).
 */
const NOT_MATCHED: EnvoyJson = { match: { prefix: "/" }, directResponse: { status: 404 } };

/**
 * The names a Service port answers to: `NAME:PORT` and `NAME.mesh:PORT`, and for the first HTTP
 * port of the Service also `NAME` and `NAME.mesh` (a host without a port, or with a port the
 * Service does not have, reaches that one).
 */
export function domainsOf(service: ServiceDocument, port: ServicePort): string[] {
  const name = service.metadata.name;
  const domains = [`${name}:${port.port}`, `${name}.${MESH_DOMAIN}:${port.port}`];
  const first = service.spec.ports.find(speaksHttp);
  if (first === port) domains.unshift(name, `${name}.${MESH_DOMAIN}`);
  return domains;
}

/** A route rule's match, placed among the others of its parent port. */
interface Entry {
  readonly precedence: readonly number[];
  /** Gateway API's tie-break: by route name (Weft keeps no creation time), then rule and match order. */
  readonly order: readonly [string, string, number, number];
  readonly route: EnvoyJson;
}

/**
 * The route configuration of the outbound listener for the Services `callable` names, in name
 * order. Every Service port its routes send to is added to `backends` (as backendKey), so the
 * view also gets their clusters.
 */
export function compileOutboundRoutes(
  state: MeshState,
  callable: readonly ServiceDocument[],
  backends: Set<string>,
  issues: CompileIssue[],
): CompiledResource<"routes"> {
  const virtualHosts: EnvoyJson[] = [];
  for (const service of callable) {
    for (const port of service.spec.ports) {
      if (!speaksHttp(port)) continue;
      virtualHosts.push({
        name: serviceClusterName(service.metadata.name, port.port),
        domains: domainsOf(service, port),
        routes: [
          CONNECT_ROUTE,
          ...routesOf(state, service, port, backends, issues),
          ...(hasAttachedRoute(state, service.metadata.name, port.port) ? [NOT_MATCHED] : []),
        ],
      });
    }
  }
  // No route: the router's own 404 NR, whose body the outbound listener's local_reply_config writes.
  virtualHosts.push({ name: UNKNOWN_HOST_VIRTUAL_HOST, domains: ["*"], routes: [] });
  return compiled("routes", { name: OUTBOUND_ROUTES, virtualHosts });
}

/** Whether a parentRef names this Service port (no port: every port of the Service). */
function attaches(
  parentRefs: readonly { readonly name: string; readonly port?: number | undefined }[],
  service: string,
  port: number,
): boolean {
  return parentRefs.some((ref) => ref.name === service && (ref.port === undefined || ref.port === port));
}

/**
 * The routes of one Service port, in Gateway API precedence (the port's own default route when no
 * route attaches); every Service port they send to is added to `backends`.
 */
export function routesOf(
  state: MeshState,
  service: ServiceDocument,
  port: ServicePort,
  backends: Set<string>,
  issues: CompileIssue[],
): EnvoyJson[] {
  const name = service.metadata.name;
  const entries: Entry[] = [];
  const add = (
    source: RouteSource,
    ruleIndex: number,
    matches: readonly CompiledMatch[],
    action: (prefix: string | undefined) => EnvoyJson,
  ) => {
    matches.forEach((compiledMatch, i) => {
      const prefix = compiledMatch.match.pathSeparatedPrefix ?? compiledMatch.match.prefix;
      entries.push({
        precedence: compiledMatch.precedence,
        order: [source.name, source.kind, ruleIndex, i],
        route: { match: compiledMatch.match, ...action(typeof prefix === "string" ? prefix : undefined) },
      });
    });
  };
  for (const route of state.httpRoutes.values()) {
    if (!attaches(route.spec.parentRefs, name, port.port)) continue;
    route.spec.rules?.forEach((rule, r) => {
      const source: RouteSource = { kind: "httproutes", name: route.metadata.name, rulePath: item("spec.rules", r) };
      const matches =
        rule.matches === undefined || rule.matches.length === 0 ? [MATCH_ALL] : rule.matches.map(httpMatch);
      add(source, r, matches, (prefix) => ruleAction(state, rule, prefix, source, backends, issues));
    });
  }
  for (const route of state.grpcRoutes.values()) {
    if (!attaches(route.spec.parentRefs, name, port.port)) continue;
    route.spec.rules?.forEach((rule, r) => {
      const source: RouteSource = { kind: "grpcroutes", name: route.metadata.name, rulePath: item("spec.rules", r) };
      const matches =
        rule.matches === undefined || rule.matches.length === 0 ? [MATCH_ALL] : rule.matches.map(grpcMatch);
      add(source, r, matches, (prefix) => ruleAction(state, rule, prefix, source, backends, issues));
    });
  }
  if (entries.length === 0 && !hasAttachedRoute(state, name, port.port)) {
    backends.add(backendKey({ service: name, port: port.port }));
    return [{ match: { prefix: "/" }, route: defaultAction(state, { service: name, port: port.port }) }];
  }
  entries.sort((a, b) => precedenceOrder(a.precedence, b.precedence) || compareOrder(a.order, b.order));
  return entries.map((entry) => entry.route);
}

/** A route attached with no rules still takes the port over: every request gets 404. */
function hasAttachedRoute(state: MeshState, service: string, port: number): boolean {
  const routes = [...state.httpRoutes.values(), ...state.grpcRoutes.values()];
  return routes.some((route) => attaches(route.spec.parentRefs, service, port));
}

function compareOrder(a: Entry["order"], b: Entry["order"]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The path of a parentRef naming a port the Service lacks, for issues. */
export function parentRefIssues(state: MeshState, issues: CompileIssue[]): void {
  const check = (
    kind: "httproutes" | "grpcroutes",
    name: string,
    refs: readonly { readonly name: string; readonly port?: number | undefined }[],
  ) => {
    refs.forEach((ref, i) => {
      const service = state.services.get(ref.name);
      const path = item("spec.parentRefs", i);
      if (service === undefined)
        issues.push({
          kind,
          name,
          path: field(path, "name"),
          message: `no Service ${ref.name}: the route applies to nothing`,
        });
      else if (ref.port !== undefined && !service.spec.ports.some((p) => p.port === ref.port))
        issues.push({
          kind,
          name,
          path: field(path, "port"),
          message: `Service ${ref.name} has no port ${ref.port}: the route applies to nothing there`,
        });
      else if (ref.port !== undefined && service.spec.ports.some((p) => p.port === ref.port && !speaksHttp(p)))
        issues.push({
          kind,
          name,
          path: field(path, "port"),
          message: `port ${ref.port} of Service ${ref.name} is tcp: HTTP routes do not apply to it`,
        });
    });
  };
  for (const route of state.httpRoutes.values()) check("httproutes", route.metadata.name, route.spec.parentRefs);
  for (const route of state.grpcRoutes.values()) check("grpcroutes", route.metadata.name, route.spec.parentRefs);
}
