// The mesh compiler's output for one store state, encoded for the wire (docs/mesh.md, "One
// engine"). Built with the snapshot (same revision) and compiled lazily per view: the outbound side
// once per set of callable Services, shared by every sidecar with that set; the sidecar's own
// listeners and app cluster once per distinct set of addresses. Each compiled resource is encoded
// once per content version and carried into the next compilation while it still holds it.
import { contentVersion } from "../../../proto/index.js";
import {
  type AppProtocol,
  authorizationFilters,
  type CompiledResource,
  type CompileIssue,
  compileConnectCluster,
  compileInbound,
  compileOutbound,
  compileOutboundListener,
  compileProxyless,
  compileProxylessServers,
  compileUpstreams,
  type GrpcRouteDocument,
  type HostPort,
  type HttpRouteDocument,
  type MeshSecurity,
  type MeshState,
  type MtlsMode,
  modeOf,
  NO_MTLS,
  type Proxyless,
  type ProxylessServers,
  parentRefIssues,
  peerAuthenticationIssues,
  selects,
  speaksHttp,
  speaksHttp2,
  uniqueIssues,
} from "../mesh/compiler/index.js";
import { KINDS } from "../resources/index.js";
import { encodeResource } from "./encode.js";
import type { SidecarNode } from "./sidecar-node.js";
import type { CompiledByType, CompiledMesh, SnapshotResource } from "./snapshot.js";

/** A sidecar's own resources and the issues of its upstreams, under the key of what they depend on. */
interface OwnPart {
  readonly key: string;
  readonly resources: CompiledByType;
  readonly issues: readonly CompileIssue[];
}

/** One Service compiled alone: for the mesh's issues and what gRPC proxyless clients ask for. */
interface ServicePart {
  /** Its outbound side alone; the clusters in it name every Service the part read. */
  readonly side: CompiledByType;
  readonly issues: readonly CompileIssue[];
  readonly proxyless: Proxyless;
  /** The same for clients holding a workload certificate, compiled when one first asks. */
  proxylessMtls?: Proxyless;
}

export class MeshCompilation implements CompiledMesh {
  readonly state: MeshState;
  /** The trust domain and mTLS mode the sidecars' resources are compiled for. */
  readonly security: MeshSecurity;
  /** Encoded compiled resources by type URL, name and content version. */
  readonly #encoded = new Map<string, SnapshotResource>();
  readonly #previousEncoded: ReadonlyMap<string, SnapshotResource>;
  /** Outbound sides by dependency key (`*` for every Service). */
  readonly #outbound = new Map<string, CompiledByType>();
  /** The previous compilation's sides, whose unchanged maps a side compiled again reuses. */
  readonly #previousOutbound: ReadonlyMap<string, CompiledByType>;
  /** A sidecar's own resources, and the issues of its upstreams, by its addresses, app protocol and upstreams. */
  readonly #sidecars = new Map<string, OwnPart>();
  /** The same by sidecar description (a stream keeps its own), so its key is built once. */
  #sidecarsByNode = new WeakMap<SidecarNode, OwnPart>();
  /** Keys of #outbound asked for through this compilation. */
  readonly #outboundServed = new Set<string>();
  /** Keys of #sidecars asked for through this compilation. */
  readonly #sidecarsServed = new Set<string>();
  /** The outbound listener and CONNECT cluster by outbound address: the same for every sidecar listening there. */
  readonly #outboundOwn = new Map<string, readonly CompiledResource[]>();
  /**
   * Encodings of compiled resources, shared by every sidecar and carried from compilation to
   * compilation (a compiled resource never changes), so each is hashed and encoded once.
   */
  #encodedByResource = new WeakMap<CompiledResource, SnapshotResource>();
  /** Each Service compiled alone, compiled on first use and carried while nothing it read changed. */
  readonly #services = new Map<string, ServicePart>();
  #issues: readonly CompileIssue[] | undefined;
  /** What proxyless clients are served, by whether they hold a workload certificate. */
  readonly #proxylessByType = new Map<boolean, CompiledByType>();
  #proxylessServers: ProxylessServers | undefined;

  /**
   * Compiles nothing yet: each part is compiled when first asked for, and what the previous
   * compilation compiled is carried while the documents it read are the same.
   */
  constructor(state: MeshState, previous?: MeshCompilation, security: MeshSecurity = NO_MTLS) {
    this.state = state;
    this.security = security;
    this.#previousEncoded = previous === undefined ? new Map() : previous.#encoded;
    this.#previousOutbound = previous === undefined ? new Map() : previous.#outbound;
    if (previous !== undefined) this.#encodedByResource = previous.#encodedByResource;
    // A sidecar's own resources read only the Services (app protocol, upstream ports): while they
    // are the same documents, a revision of routes or registrations compiles no sidecar again.
    // Only what the previous compilation served is carried, so departed sidecars are dropped.
    if (
      previous !== undefined &&
      sameDocuments(previous.state.services, state.services) &&
      sameDocuments(previous.state.authorizationPolicies, state.authorizationPolicies) &&
      sameDocuments(previous.state.peerAuthentications, state.peerAuthentications)
    ) {
      for (const key of previous.#sidecarsServed) {
        const own = previous.#sidecars.get(key);
        if (own !== undefined) this.#sidecars.set(key, own);
      }
      this.#sidecarsByNode = previous.#sidecarsByNode;
    }
    if (previous !== undefined) this.#carry(previous);
  }

  /** What the documents ask for that was left out, for the whole mesh (every Service callable), each once. */
  get issues(): readonly CompileIssue[] {
    if (this.#issues === undefined) {
      const issues: CompileIssue[] = [];
      parentRefIssues(this.state, issues);
      peerAuthenticationIssues(this.state, issues);
      for (const name of this.state.services.keys()) {
        const part = this.#servicePart(name);
        issues.push(...part.issues, ...part.proxyless.issues);
      }
      issues.push(...this.#servers().issues);
      this.#issues = uniqueIssues(issues);
    }
    return this.#issues;
  }

  /**
   * Carries the previous compilation's outbound sides and Service parts that no change touched.
   * Only when the changes are registrations (WorkloadEntries) and routes: a side is compiled again
   * when one of the Services it holds a cluster of selects a changed entry (before or after the
   * change), or is a parent of a changed route. Any other kind changed (a Service, a
   * DestinationRule...): everything is compiled again.
   */
  #carry(previous: MeshCompilation): void {
    const before = previous.state;
    const after = this.state;
    const carried: ReadonlySet<keyof MeshState> = new Set(["workloadEntries", "httpRoutes", "grpcRoutes"]);
    for (const kind of Object.keys(after) as (keyof MeshState)[]) {
      if (!carried.has(kind) && !sameDocuments<unknown>(before[kind], after[kind])) return;
    }
    const touched = new Set<string>();
    for (const [old, now] of changedDocuments(before.workloadEntries, after.workloadEntries)) {
      for (const [name, service] of after.services) {
        if (selects(service.spec.selector, old?.spec.labels) || selects(service.spec.selector, now?.spec.labels)) {
          touched.add(name);
        }
      }
    }
    for (const routes of ["httpRoutes", "grpcRoutes"] as const) {
      for (const pair of changedDocuments<HttpRouteDocument | GrpcRouteDocument>(before[routes], after[routes])) {
        for (const route of pair) for (const ref of route?.spec.parentRefs ?? []) touched.add(ref.name);
      }
    }
    const untouched = (side: CompiledByType) => !servicesOf(side).some((service) => touched.has(service));
    for (const [key, side] of previous.#outbound) {
      if (key === "*" || !previous.#outboundServed.has(key)) continue;
      if (untouched(side)) this.#outbound.set(key, side);
    }
    for (const [name, part] of previous.#services) {
      if (untouched(part.side)) this.#services.set(name, part);
    }
  }

  /** One Service compiled alone (undefined: no such Service). */
  #servicePart(name: string): ServicePart {
    let part = this.#services.get(name);
    if (part === undefined) {
      const compiled = compileOutbound(this.state, { services: [name] });
      part = {
        side: this.#group([compiled.routes, ...compiled.clusters, ...compiled.endpoints]),
        issues: compiled.issues,
        proxyless: compileProxyless(this.state, { services: [name] }),
      };
      this.#services.set(name, part);
    }
    return part;
  }

  /**
   * What gRPC proxyless clients and servers ask for; with `mtls` (the client declared Weft's
   * certificate provider), clusters speak mTLS to the Services that take it.
   */
  proxyless(mtls = false): CompiledByType {
    let found = this.#proxylessByType.get(mtls);
    if (found === undefined) {
      const resources: CompiledResource[] = [...this.#servers().listeners];
      for (const name of this.state.services.keys()) {
        const part = this.#servicePart(name);
        let compiled = part.proxyless;
        if (mtls) {
          part.proxylessMtls ??= compileProxyless(this.state, { services: [name], mtls: this.security });
          compiled = part.proxylessMtls;
        }
        resources.push(...compiled.listeners, ...compiled.clusters, ...compiled.endpoints);
      }
      found = this.#group(resources);
      this.#proxylessByType.set(mtls, found);
    }
    return found;
  }

  /** The listeners gRPC proxyless servers ask for, compiled once per compilation. */
  #servers(): ProxylessServers {
    this.#proxylessServers ??= compileProxylessServers(this.state, this.security);
    return this.#proxylessServers;
  }

  /**
   * The routes, clusters and endpoints of the Services in `depends` (undefined: every Service),
   * sorted and unique; with `mtls` (the caller holds a certificate), clusters speak mTLS to the
   * Services that take it.
   */
  outbound(depends: readonly string[] | undefined, mtls = false): CompiledByType {
    const key = `${depends === undefined ? "*" : `=${depends.join(",")}`}${mtls ? "\0mtls" : ""}`;
    this.#outboundServed.add(key);
    let found = this.#outbound.get(key);
    if (found === undefined) {
      const compiled = compileOutbound(this.state, { services: depends, mtls: mtls ? this.security : undefined });
      found = this.#group(
        [compiled.routes, ...compiled.clusters, ...compiled.endpoints],
        this.#previousOutbound.get(key),
      );
      this.#outbound.set(key, found);
    }
    return found;
  }

  /**
   * The sidecar's outbound listener, its upstream listeners and, when it gave both addresses, its
   * inbound listener and app cluster.
   */
  sidecar(node: SidecarNode): CompiledByType {
    return this.#sidecar(node).resources;
  }

  /** The sidecar's upstreams that name no Service port (their listeners are left out). */
  sidecarIssues(node: SidecarNode): readonly CompileIssue[] {
    return this.#sidecar(node).issues;
  }

  #sidecar(node: SidecarNode): OwnPart {
    const known = this.#sidecarsByNode.get(node);
    if (known !== undefined) {
      this.#sidecarsServed.add(known.key);
      this.#sidecars.set(known.key, known);
      return known;
    }
    const protocol = node.appProtocol ?? this.#appProtocolOf(node.service);
    const at = (address: HostPort) => `${address.host}:${address.port}`;
    const inbound = node.inbound;
    const upstreams = node.upstreams.map((u) => `${u.service}:${u.port ?? ""}=${at(u.listen)}`).join(",");
    const mode = modeOf(this.security, this.state, node.service);
    // STRICT takes mTLS only, certificate or not (a sidecar without one then serves nobody, as it
    // should); PERMISSIVE adds the mTLS chain only for a sidecar that holds a certificate.
    const mtls: MtlsMode = mode === "PERMISSIVE" && !node.mtls ? "DISABLE" : mode;
    const service = this.state.services.get(node.service);
    const authorization = authorizationFilters(this.state, node.service, service?.spec.ports.map((p) => p.port) ?? []);
    const key = [
      at(node.outbound),
      inbound ? at(inbound.listen) : "",
      inbound ? at(inbound.app) : "",
      protocol,
      upstreams,
      mtls,
      JSON.stringify(authorization),
    ].join("\n");
    this.#sidecarsServed.add(key);
    let found = this.#sidecars.get(key);
    if (found === undefined) {
      let outbound = this.#outboundOwn.get(at(node.outbound));
      if (outbound === undefined) {
        outbound = [compileOutboundListener(node.outbound), compileConnectCluster(node.outbound)];
        this.#outboundOwn.set(at(node.outbound), outbound);
      }
      const resources: CompiledResource[] = [...outbound];
      if (inbound !== undefined) {
        const compiled = compileInbound({ listen: inbound.listen, app: inbound.app, protocol, mtls, authorization });
        resources.push(compiled.listener, compiled.cluster);
      }
      const upstream = compileUpstreams(this.state, node.upstreams);
      resources.push(...upstream.listeners);
      found = { key, resources: this.#group(resources), issues: upstream.issues };
      this.#sidecars.set(key, found);
    }
    this.#sidecarsByNode.set(node, found);
    return found;
  }

  /** How a sidecar of `service` talks to its app when it does not say: as the Service's first port speaks. */
  #appProtocolOf(service: string): AppProtocol {
    const port = this.state.services.get(service)?.spec.ports[0];
    if (port === undefined) return "http";
    return !speaksHttp(port) ? "tcp" : speaksHttp2(port) ? "http2" : "http";
  }

  /**
   * The resources by type URL and name. A type whose resources all have the versions they have in
   * `before` (the same part compiled for the previous revision) keeps its map there: views tell by
   * identity that what they selected from it still holds.
   */
  #group(resources: readonly CompiledResource[], before?: CompiledByType): CompiledByType {
    const byType = new Map<string, ReadonlyMap<string, SnapshotResource>>();
    for (const resource of resources) {
      const encoded = this.#encode(resource);
      let names = byType.get(encoded.typeUrl) as Map<string, SnapshotResource> | undefined;
      if (names === undefined) {
        names = new Map();
        byType.set(encoded.typeUrl, names);
      }
      names.set(encoded.name, encoded);
    }
    if (before !== undefined) {
      for (const [typeUrl, names] of byType) {
        const kept = before.get(typeUrl);
        if (kept !== undefined && sameVersions(kept, names)) byType.set(typeUrl, kept);
      }
    }
    return byType;
  }

  /** Versions are content versions, as for stored resources: equal content, equal version, no push. */
  #encode(resource: CompiledResource): SnapshotResource {
    const shared = this.#encodedByResource.get(resource);
    if (shared !== undefined) {
      this.#encoded.set(`${shared.typeUrl}\n${shared.name}\n${shared.version}`, shared);
      return shared;
    }
    const { typeUrl, typeName } = KINDS[resource.kind];
    const version = contentVersion(typeName, resource.message);
    const key = `${typeUrl}\n${resource.name}\n${version}`;
    let encoded = this.#encoded.get(key) ?? this.#previousEncoded.get(key);
    if (encoded === undefined) {
      encoded = encodeResource({ typeUrl, typeName, name: resource.name, version, message: resource.message });
    }
    this.#encoded.set(key, encoded);
    this.#encodedByResource.set(resource, encoded);
    return encoded;
  }
}

/** Whether two states hold the very same documents (parsed once per change, so identity is equality). */
function sameDocuments<D>(a: ReadonlyMap<string, D>, b: ReadonlyMap<string, D>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, document] of a) if (b.get(name) !== document) return false;
  return true;
}

/** Whether two maps hold the same names with the same content versions. */
function sameVersions(a: ReadonlyMap<string, SnapshotResource>, b: ReadonlyMap<string, SnapshotResource>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, resource] of a) if (b.get(name)?.version !== resource.version) return false;
  return true;
}

/** [before, after] of each document that changed, was added or was removed. */
function changedDocuments<D>(
  before: ReadonlyMap<string, D>,
  after: ReadonlyMap<string, D>,
): [D | undefined, D | undefined][] {
  const changed: [D | undefined, D | undefined][] = [];
  for (const [name, old] of before) if (after.get(name) !== old) changed.push([old, after.get(name)]);
  for (const [name, now] of after) if (!before.has(name)) changed.push([undefined, now]);
  return changed;
}

/** The Services whose clusters an outbound side holds (cluster names `outbound|PORT||NAME`). */
function servicesOf(side: CompiledByType): string[] {
  const names: string[] = [];
  for (const name of side.get(KINDS.clusters.typeUrl)?.keys() ?? []) {
    const match = /^outbound\|\d+\|\|(.+)$/.exec(name);
    if (match?.[1] !== undefined) names.push(match[1]);
  }
  return names;
}
