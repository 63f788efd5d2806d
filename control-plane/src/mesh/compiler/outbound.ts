// The outbound side of a view: what a proxy needs to call the Services it may call by name. It
// depends only on the set of callable Services, so every sidecar with the same set shares it.

import { compileCluster } from "./clusters.js";
import type { CompiledResource, CompileIssue } from "./compiled-resource.js";
import { compileEndpoints } from "./endpoints.js";
import { uniqueIssues } from "./issues.js";
import type { MeshState, ServiceDocument } from "./mesh-state.js";
import type { MeshSecurity } from "./mtls.js";
import { compileOutboundRoutes, parentRefIssues } from "./outbound-routes.js";
import { backendKey, backendPorts } from "./route-action.js";

export interface OutboundOptions {
  /** The Services the view may call, by name; absent: every Service. Names of no Service are skipped. */
  readonly services?: Iterable<string> | undefined;
  /** The caller holds a workload certificate: clusters use mTLS where the Service takes it. */
  readonly mtls?: MeshSecurity | undefined;
}

export interface Outbound {
  /** The outbound route configuration (OUTBOUND_ROUTES). */
  readonly routes: CompiledResource<"routes">;
  /**
   * A cluster per port of each callable Service and per Service port their routes send to, in
   * name order; each EDS cluster's assignment has the cluster's name.
   */
  readonly clusters: readonly CompiledResource<"clusters">[];
  readonly endpoints: readonly CompiledResource<"endpoints">[];
  /** What the documents ask for that was left out, each once. */
  readonly issues: readonly CompileIssue[];
}

export function compileOutbound(state: MeshState, options: OutboundOptions = {}): Outbound {
  const issues: CompileIssue[] = [];
  const callable = callableServices(state, options.services);
  const backends = new Set<string>();
  for (const service of callable)
    for (const port of service.spec.ports)
      backends.add(backendKey({ service: service.metadata.name, port: port.port }));
  const routes = compileOutboundRoutes(state, callable, backends, issues);
  parentRefIssues(state, issues);
  const clusters: CompiledResource<"clusters">[] = [];
  const endpoints: CompiledResource<"endpoints">[] = [];
  for (const { service, port } of backendPorts(state, backends)) {
    clusters.push(compileCluster(state, service, port, options.mtls));
    endpoints.push(compileEndpoints(state, service, port, issues));
  }
  return { routes, clusters, endpoints, issues: uniqueIssues(issues) };
}

function callableServices(state: MeshState, names: Iterable<string> | undefined): ServiceDocument[] {
  if (names === undefined) return [...state.services.values()];
  const wanted = new Set(names);
  return [...state.services.values()].filter((service) => wanted.has(service.metadata.name));
}
