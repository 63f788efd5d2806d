// What operators see of a Service (`weft get services`, `weft describe service`, the dashboard):
// its ports, its endpoints and their health, the routes attached to it with their rules, its
// DestinationRule, the sidecars that may call it, and the compile issues that concern it. Pure:
// read from one MeshState with the compiler's own functions (selection, health, attachment), so
// what it shows is what the compiler sends.
import {
  type CompileIssue,
  endpointPortOf,
  type GrpcRouteDocument,
  type HttpRouteDocument,
  type MeshState,
  peerAuthenticationOf,
  type ServiceDocument,
  serviceClusterName,
  type WorkloadHealth,
  workloadHealth,
  workloadsOf,
} from "./compiler/index.js";
import { type MeshKindName, peerAuthenticationTargets } from "./kinds/index.js";
import { REGISTERED_BY_ANNOTATION } from "./registered-workloads.js";

export interface ServicePortSummary {
  readonly name?: string;
  readonly port: number;
  /** `http` when the Service leaves it out. */
  readonly appProtocol: string;
  /** The Cluster (and ClusterLoadAssignment) the compiler names for this port. */
  readonly cluster: string;
}

/** A route attached to the Service: by a parentRef naming it, on some port or all of them. */
export interface AttachedRouteRef {
  readonly kind: "httproutes" | "grpcroutes";
  readonly name: string;
}

export interface ServiceSummary {
  readonly name: string;
  readonly ports: ServicePortSummary[];
  /** Over the WorkloadEntries its selector picks; healthy as the compiler reads `weft.dev/health`. */
  readonly endpoints: { readonly healthy: number; readonly total: number };
  /** HTTPRoutes then GRPCRoutes, each in name order. */
  readonly routes: AttachedRouteRef[];
}

export interface BackendSummary {
  readonly service: string;
  readonly port: number;
  /** As written; Gateway API's default is 1. */
  readonly weight: number;
  /** This backend's share of the rule's traffic, 0 to 1, as compiled (missing backends and weight 0 get none). */
  readonly share: number;
  /** The Service, or its port, does not exist: the compiler leaves the backend out. */
  readonly missing: boolean;
}

export interface RuleSummary {
  /** One text per match, e.g. `GET PathPrefix /items header x-canary~^yes$`; empty: every request. */
  readonly matches: string[];
  readonly backends: BackendSummary[];
  /** Filter types in order (RequestHeaderModifier, URLRewrite, ...). */
  readonly filters: string[];
  readonly timeouts?: { readonly request?: string; readonly backendRequest?: string };
  readonly retry?: { readonly attempts?: number; readonly codes?: number[]; readonly backoff?: string };
}

export interface AttachedRoute extends AttachedRouteRef {
  /** The Service ports it attaches to (every port when a parentRef names none). */
  readonly ports: number[];
  readonly rules: RuleSummary[];
}

export interface EndpointSummary {
  /** The WorkloadEntry's name. */
  readonly entry: string;
  readonly address: string;
  /**
   * The port each of the Service's ports reaches on this endpoint, as compiled (its `spec.ports`,
   * else its `weft.dev/port`, else the Service port), by Service port name (number if unnamed).
   */
  readonly ports: Readonly<Record<string, number>>;
  readonly health: WorkloadHealth;
  readonly locality: string;
  /** As compiled: 0 or absent is 1. */
  readonly weight: number;
  /** The node id of the sidecar that registered it; null for an entry written by hand. */
  readonly registeredBy: string | null;
}

/** A connected sidecar, as its node metadata describes it. */
export interface SidecarCaller {
  readonly nodeId: string;
  readonly service: string;
  /** The Services it may call; undefined: every Service. */
  readonly depends: readonly string[] | undefined;
}

export interface ServiceDetail extends ServiceSummary {
  readonly selector: Readonly<Record<string, string>>;
  readonly attachedRoutes: AttachedRoute[];
  /** The DestinationRule the compiler applies (the first by name whose host is the Service). */
  readonly destinationRule: { readonly name: string; readonly trafficPolicy: Readonly<Record<string, unknown>> } | null;
  readonly endpointList: EndpointSummary[];
  /** Connected sidecars whose depends include the Service, or that may call every Service. */
  readonly callers: { readonly nodeId: string; readonly service: string; readonly restricted: boolean }[];
  /** The PeerAuthentication deciding the Service's mTLS mode (its own, else the mesh-wide one); null: `--mtls-mode` decides. */
  readonly peerAuthentication: { readonly name: string; readonly mode: string; readonly meshWide: boolean } | null;
  /** Compile issues of the Service, of routes attached to it, of its DestinationRule and PeerAuthentications, and of the entries it selects. */
  readonly issues: CompileIssue[];
}

type RouteDocument = HttpRouteDocument | GrpcRouteDocument;

function parentRefsOf(route: RouteDocument): readonly { readonly name: string; readonly port?: number | undefined }[] {
  return route.spec.parentRefs;
}

/** The Service's ports a route attaches to, as the compiler attaches it; empty: it does not attach. */
function attachedPorts(route: RouteDocument, service: ServiceDocument): number[] {
  const name = service.metadata.name;
  const ports = new Set<number>();
  for (const ref of parentRefsOf(route)) {
    if (ref.name !== name) continue;
    for (const port of service.spec.ports) if (ref.port === undefined || ref.port === port.port) ports.add(port.port);
  }
  return [...ports].sort((a, b) => a - b);
}

function attachedRoutesOf(state: MeshState, service: ServiceDocument): { ref: AttachedRouteRef; ports: number[] }[] {
  const found: { ref: AttachedRouteRef; ports: number[] }[] = [];
  for (const route of state.httpRoutes.values()) {
    const ports = attachedPorts(route, service);
    if (ports.length > 0) found.push({ ref: { kind: "httproutes", name: route.metadata.name }, ports });
  }
  for (const route of state.grpcRoutes.values()) {
    const ports = attachedPorts(route, service);
    if (ports.length > 0) found.push({ ref: { kind: "grpcroutes", name: route.metadata.name }, ports });
  }
  return found;
}

/** The one-line summary of every Service, in name order. */
export function serviceSummaries(state: MeshState): ServiceSummary[] {
  return [...state.services.values()].map((service) => serviceSummary(state, service));
}

export function serviceSummary(state: MeshState, service: ServiceDocument): ServiceSummary {
  const workloads = workloadsOf(state, service);
  const name = service.metadata.name;
  return {
    name,
    ports: service.spec.ports.map((port) => ({
      ...(port.name === undefined ? {} : { name: port.name }),
      port: port.port,
      appProtocol: port.appProtocol ?? "http",
      cluster: serviceClusterName(name, port.port),
    })),
    endpoints: {
      healthy: workloads.filter((entry) => workloadHealth(entry) === "HEALTHY").length,
      total: workloads.length,
    },
    routes: attachedRoutesOf(state, service).map(({ ref }) => ref),
  };
}

/**
 * Everything `weft describe service` shows of `name`, or undefined when no Service has that name.
 * `issues` are the compiler's for the whole mesh; `sidecars` the connected ones.
 */
export function serviceDetail(
  state: MeshState,
  name: string,
  issues: readonly CompileIssue[],
  sidecars: readonly SidecarCaller[],
): ServiceDetail | undefined {
  const service = state.services.get(name);
  if (service === undefined) return undefined;
  const summary = serviceSummary(state, service);
  const attached = attachedRoutesOf(state, service).map(({ ref, ports }) => {
    const route = (ref.kind === "httproutes" ? state.httpRoutes : state.grpcRoutes).get(ref.name) as RouteDocument;
    return { ...ref, ports, rules: rulesOf(state, ref.kind, route) };
  });
  const rule = [...state.destinationRules.values()].find((r) => r.spec.host === name);
  const workloads = workloadsOf(state, service);
  const concerned = new Set<string>([
    key("services", name),
    ...attached.map((route) => key(route.kind, route.name)),
    ...(rule === undefined ? [] : [key("destinationrules", rule.metadata.name)]),
    ...workloads.map((entry) => key("workloadentries", entry.metadata.name)),
    ...[...state.peerAuthentications.values()]
      .filter((document) => peerAuthenticationTargets(document.spec)?.includes(name) !== false)
      .map((document) => key("peerauthentications", document.metadata.name)),
  ]);
  const peerAuthentication = peerAuthenticationOf(state, name) ?? null;
  return {
    ...summary,
    selector: service.spec.selector ?? {},
    attachedRoutes: attached,
    destinationRule:
      rule === undefined
        ? null
        : { name: rule.metadata.name, trafficPolicy: (rule.spec.trafficPolicy ?? {}) as Record<string, unknown> },
    peerAuthentication,
    endpointList: workloads.map((entry) => ({
      entry: entry.metadata.name,
      address: entry.spec.address,
      ports: Object.fromEntries(
        service.spec.ports.map((port) => [port.name ?? String(port.port), endpointPortOf(entry, port)]),
      ),
      health: workloadHealth(entry),
      locality: entry.spec.locality ?? "",
      weight: entry.spec.weight === undefined || entry.spec.weight === 0 ? 1 : entry.spec.weight,
      registeredBy: entry.metadata.annotations?.[REGISTERED_BY_ANNOTATION] ?? null,
    })),
    callers: sidecars
      .filter((sidecar) => sidecar.depends === undefined || sidecar.depends.includes(name))
      .map((sidecar) => ({
        nodeId: sidecar.nodeId,
        service: sidecar.service,
        restricted: sidecar.depends !== undefined,
      })),
    issues: issues.filter((issue) => concerned.has(key(issue.kind, issue.name))),
  };
}

function key(kind: MeshKindName, name: string): string {
  return `${kind}/${name}`;
}

interface RuleLike {
  readonly matches?: unknown[] | undefined;
  readonly backendRefs?: readonly { readonly name: string; readonly port: number; readonly weight?: number }[];
  readonly filters?: readonly { readonly type: string }[];
  readonly timeouts?: { readonly request?: string; readonly backendRequest?: string };
  readonly retry?: { readonly attempts?: number; readonly codes?: number[]; readonly backoff?: string };
}

function rulesOf(state: MeshState, kind: AttachedRouteRef["kind"], route: RouteDocument): RuleSummary[] {
  const rules = (route.spec.rules ?? []) as readonly RuleLike[];
  return rules.map((rule) => {
    const backends = (rule.backendRefs ?? []).map((ref) => {
      const target = state.services.get(ref.name);
      const missing = target === undefined || !target.spec.ports.some((p) => p.port === ref.port);
      return { service: ref.name, port: ref.port, weight: ref.weight ?? 1, missing };
    });
    const total = backends.reduce((sum, b) => sum + (b.missing ? 0 : b.weight), 0);
    return {
      matches: (rule.matches ?? []).map((match) =>
        kind === "httproutes" ? httpMatchText(match as HttpMatch) : grpcMatchText(match as GrpcMatch),
      ),
      backends: backends.map((b) => ({ ...b, share: b.missing || total === 0 ? 0 : b.weight / total })),
      filters: (rule.filters ?? []).map((filter) => filter.type),
      ...(rule.timeouts === undefined ? {} : { timeouts: rule.timeouts }),
      ...(rule.retry === undefined ? {} : { retry: rule.retry }),
    };
  });
}

interface ValueMatch {
  readonly type?: string;
  readonly name: string;
  readonly value: string;
}

interface HttpMatch {
  readonly path?: { readonly type?: string; readonly value?: string };
  readonly headers?: ValueMatch[];
  readonly queryParams?: ValueMatch[];
  readonly method?: string;
}

interface GrpcMatch {
  readonly method?: { readonly type?: string; readonly service?: string; readonly method?: string };
  readonly headers?: ValueMatch[];
}

/** `name=value` for an exact match, `name~regex` for a regular expression. */
function valueMatchText(prefix: string, match: ValueMatch): string {
  return `${prefix} ${match.name}${match.type === "RegularExpression" ? "~" : "="}${match.value}`;
}

/** Gateway API's defaults filled in: a path match without a type is a PathPrefix, without a value `/`. */
function httpMatchText(match: HttpMatch): string {
  const parts: string[] = [];
  if (match.method !== undefined) parts.push(match.method);
  if (match.path !== undefined) parts.push(`${match.path.type ?? "PathPrefix"} ${match.path.value ?? "/"}`);
  for (const header of match.headers ?? []) parts.push(valueMatchText("header", header));
  for (const query of match.queryParams ?? []) parts.push(valueMatchText("query", query));
  return parts.length === 0 ? "PathPrefix /" : parts.join(" ");
}

function grpcMatchText(match: GrpcMatch): string {
  const parts: string[] = [];
  const method = match.method;
  if (method !== undefined) {
    const target = `${method.service ?? "*"}/${method.method ?? "*"}`;
    parts.push(method.type === "RegularExpression" ? `method~${target}` : `method ${target}`);
  }
  for (const header of match.headers ?? []) parts.push(valueMatchText("header", header));
  return parts.length === 0 ? "any method" : parts.join(" ");
}
