// The mesh the control-plane benchmark's mesh scenario serves (`npm run bench:cp -- --scenario
// mesh`), as pure functions of its shape, so that the orchestrator and every simulator process
// agree on it without being told: S Services, each with one HTTPRoute splitting its traffic 90/10
// between itself and the next Service (a canary), and N sidecars, sidecar `i` an instance of
// Service `i mod S` that depends on D Services spread over the mesh. Documents are the
// Kubernetes-shaped ones `POST /v1/apply` takes (README, "Mesh resources").

/** The one port of every Service; compiled clusters are named `outbound|PORT||NAME`. */
export const SERVICE_PORT = 80;
/** Sidecar `i` registers its instance at 127.0.0.1 on this port plus `i` (no socket is bound). */
const FIRST_INBOUND_PORT = 20_000;
/** ...and names its app at 127.0.0.1 on this port (only its own inbound listener uses it). */
const APP_PORT = 8_080;
/** Sidecars above this many would have inbound ports past 65535. */
export const MAX_SIDECARS = 65_535 - FIRST_INBOUND_PORT;

export interface MeshScenarioShape {
  readonly services: number;
  readonly sidecars: number;
  /** Services each sidecar depends on (its `depends` list). */
  readonly depends: number;
}

/** Problems with a shape, as sentences naming the flag; empty when it can run. */
export function shapeProblems(shape: MeshScenarioShape): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(shape.services) || shape.services < 2) problems.push("--services must be an integer >= 2");
  if (!Number.isInteger(shape.sidecars) || shape.sidecars < 1) problems.push("--sidecars must be an integer >= 1");
  else if (shape.sidecars > MAX_SIDECARS) problems.push(`--sidecars must be at most ${MAX_SIDECARS}`);
  if (!Number.isInteger(shape.depends) || shape.depends < 1 || shape.depends >= shape.services) {
    problems.push("--depends must be an integer >= 1 and below --services");
  }
  return problems;
}

/** `svc-0007` for 7: fixed width, so names sort as numbers do. */
export function serviceName(index: number): string {
  return `svc-${String(index).padStart(4, "0")}`;
}

/** The compiled cluster (and ClusterLoadAssignment) of a Service's port. */
export function serviceCluster(index: number): string {
  return `outbound|${SERVICE_PORT}||${serviceName(index)}`;
}

/** The Service index a compiled cluster name belongs to, or undefined for any other name. */
export function serviceIndexOfCluster(name: string): number | undefined {
  const match = /^outbound\|\d+\|\|svc-(\d+)$/.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function serviceOfSidecar(shape: MeshScenarioShape, id: number): number {
  return id % shape.services;
}

/** Sidecars of Service `index` among the first `shape.sidecars`: its endpoints once all registered. */
export function instancesOf(shape: MeshScenarioShape, index: number): number {
  const { services, sidecars } = shape;
  return Math.floor(sidecars / services) + (index < sidecars % services ? 1 : 0);
}

/**
 * The Services a sidecar of Service `index` depends on: D Services spaced S/D apart after it, so
 * each Service has about D dependent Services and distinct Services have distinct sets (as
 * distinct workloads do), while the instances of one Service share one set.
 */
export function dependsOf(shape: MeshScenarioShape, index: number): number[] {
  // With step = floor(S/D) and k < D, 1 + k * step stays within 1..S-1: D distinct Services, never itself.
  const step = Math.floor(shape.services / shape.depends);
  const out: number[] = [];
  for (let k = 0; k < shape.depends; k++) out.push((index + 1 + k * step) % shape.services);
  return out.sort((a, b) => a - b);
}

/** Whether a sidecar of Service `caller` receives Service `target`'s route and endpoints. */
export function callsService(shape: MeshScenarioShape, caller: number, target: number): boolean {
  return dependsOf(shape, caller).includes(target);
}

/** The Service an HTTPRoute of `index` sends the canary share to. */
export function canaryOf(shape: MeshScenarioShape, index: number): number {
  return (index + 1) % shape.services;
}

export interface SidecarAddresses {
  readonly inbound: { readonly host: string; readonly port: number };
  readonly app: { readonly host: string; readonly port: number };
}

export function sidecarAddresses(id: number): SidecarAddresses {
  return { inbound: { host: "127.0.0.1", port: FIRST_INBOUND_PORT + id }, app: { host: "127.0.0.1", port: APP_PORT } };
}

export function sidecarNodeId(id: number): string {
  return `bench-sidecar-${id}`;
}

/** What a sidecar sends in node.metadata under `weft` (docs/mesh.md, "Node metadata a sidecar sends"). */
export function sidecarMetadata(shape: MeshScenarioShape, id: number): Record<string, unknown> {
  const index = serviceOfSidecar(shape, id);
  const { inbound, app } = sidecarAddresses(id);
  return {
    role: "sidecar",
    service: serviceName(index),
    labels: { app: serviceName(index), version: "v1" },
    inbound: `${inbound.host}:${inbound.port}`,
    app: `${app.host}:${app.port}`,
    depends: dependsOf(shape, index).map(serviceName),
  };
}

export function serviceDocument(index: number): Record<string, unknown> {
  const name = serviceName(index);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ name: "http", port: SERVICE_PORT, appProtocol: "http" }] },
  };
}

/** Service `index`'s route: `weight` percent to itself, the rest to its canary Service. */
export function httpRouteDocument(shape: MeshScenarioShape, index: number, weight = 90): Record<string, unknown> {
  const name = serviceName(index);
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name },
    spec: {
      parentRefs: [{ group: "", kind: "Service", name, port: SERVICE_PORT }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { kind: "Service", name, port: SERVICE_PORT, weight },
            { kind: "Service", name: serviceName(canaryOf(shape, index)), port: SERVICE_PORT, weight: 100 - weight },
          ],
        },
      ],
    },
  };
}

/**
 * Sidecar `id`'s instance as a WorkloadEntry written by hand (not marked as registered, so no
 * liveness applies): what `--preregistered` applies instead of the sidecars registering.
 */
export function workloadEntryDocument(shape: MeshScenarioShape, id: number): Record<string, unknown> {
  const service = serviceName(serviceOfSidecar(shape, id));
  const { inbound } = sidecarAddresses(id);
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    metadata: { name: sidecarNodeId(id) },
    spec: { address: inbound.host, ports: { http: inbound.port }, labels: { app: service, version: "v1" } },
  };
}

/**
 * Every Service, then every route (then, when `preregistered`, every sidecar's WorkloadEntry), in
 * `POST /v1/apply` batches of at most `batch` documents.
 */
export function meshApplies(
  shape: MeshScenarioShape,
  batch: number,
  preregistered = false,
): { kind: "services" | "httproutes" | "workloadentries"; resource: Record<string, unknown> }[][] {
  const documents: { kind: "services" | "httproutes" | "workloadentries"; resource: Record<string, unknown> }[] = [
    ...Array.from({ length: shape.services }, (_, i) => ({ kind: "services" as const, resource: serviceDocument(i) })),
    ...Array.from({ length: shape.services }, (_, i) => ({
      kind: "httproutes" as const,
      resource: httpRouteDocument(shape, i),
    })),
  ];
  if (preregistered) {
    for (let id = 0; id < shape.sidecars; id++) {
      documents.push({ kind: "workloadentries", resource: workloadEntryDocument(shape, id) });
    }
  }
  const batches = [];
  for (let at = 0; at < documents.length; at += batch) batches.push(documents.slice(at, at + batch));
  return batches;
}
