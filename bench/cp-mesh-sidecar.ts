// One simulated sidecar of the mesh scenario: a state-of-the-world ADS stream on its own HTTP/2
// connection with the node metadata `weft sidecar` sends (role sidecar, service, labels, inbound,
// app, depends), and its instance registered over weft.registry.v1.Registration on the same
// connection once the stream is answered, as `weft sidecar` registers once its app is healthy.
// It subscribes as Envoy does (listeners and clusters by wildcard, the route configurations and
// assignments they name), ACKs every response, never NACKs, and holds a full view once every type
// is ACKed, every name it needs is held, and each assignment has all its Service's instances.
import { type ClientDuplexStream, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { ClusterLoadAssignment } from "../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { RouteConfiguration } from "../proto/gen/envoy/config/route/v3/route.js";
import type { AggregatedDiscoveryServiceClient } from "../proto/gen/envoy/service/discovery/v3/ads.js";
import { DiscoveryRequest, type DiscoveryResponse } from "../proto/gen/envoy/service/discovery/v3/discovery.js";
import { Health, RegisterRequest, RegistrationClient } from "../proto/gen/weft/registry/v1/registration.js";
import { TypeUrl } from "../proto/index.js";
import {
  instancesOf,
  type MeshScenarioShape,
  serviceCluster,
  serviceIndexOfCluster,
  serviceName,
  serviceOfSidecar,
  sidecarAddresses,
  sidecarMetadata,
  sidecarNodeId,
} from "./cp-mesh-config.js";
import type { MeshWatch } from "./cp-mesh-messages.js";
import { epochNow } from "./cp-xds-proxy-hooks.js";
import type { ResourceView, ResourceViews } from "./cp-xds-resource-view.js";
import { ipTarget, openSotwStream } from "./cp-xds-sotw-proxy.js";
import { SotwSubscription } from "./cp-xds-sotw-subscription.js";

/** What a sidecar reports to the simulator that runs it. */
export interface SidecarHooks {
  readonly views: ResourceViews;
  readonly shape: MeshScenarioShape;
  /** The content the current round looks for, if this sidecar is one of its dependents. */
  watchFor(sidecar: MeshSidecar): MeshWatch | undefined;
  connected(sidecar: MeshSidecar): void;
  registered(sidecar: MeshSidecar, at: number): void;
  registrationFailed(sidecar: MeshSidecar, error: Error): void;
  synced(sidecar: MeshSidecar, at: number): void;
  changeAcked(sidecar: MeshSidecar, at: number): void;
  failed(sidecar: MeshSidecar, error: Error): void;
}

const REGISTRATION_DEADLINE_MS = 30_000;

export class MeshSidecar {
  readonly id: number;
  readonly service: number;
  readonly #address: string;
  readonly #hooks: SidecarHooks;
  readonly #subscription = new SotwSubscription((request) => this.#call?.write(request));
  #client: AggregatedDiscoveryServiceClient | undefined;
  #registration: RegistrationClient | undefined;
  #call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  #connected = false;
  #synced = false;
  #closed = false;

  /** Whether it registers its instance once its stream is answered (false: its entry was applied beforehand). */
  readonly #registers: boolean;

  constructor(id: number, address: string, hooks: SidecarHooks, registers = true) {
    this.id = id;
    this.service = serviceOfSidecar(hooks.shape, id);
    this.#address = address;
    this.#hooks = hooks;
    this.#registers = registers;
  }

  start(): void {
    const { client, call } = openSotwStream(
      this.id,
      this.#address,
      (response) => this.#onResponse(response),
      (error) => {
        if (!this.#closed) this.#hooks.failed(this, error);
      },
    );
    this.#client = client;
    this.#call = call;
    const node = {
      id: sidecarNodeId(this.id),
      cluster: serviceName(this.service),
      userAgentName: "weft-bench",
      metadata: { weft: sidecarMetadata(this.#hooks.shape, this.id) },
    };
    call.write(DiscoveryRequest.fromPartial({ node, typeUrl: TypeUrl.cluster, resourceNames: [] }));
    call.write(DiscoveryRequest.fromPartial({ typeUrl: TypeUrl.listener, resourceNames: [] }));
  }

  close(): void {
    this.#closed = true;
    this.#call?.cancel();
    this.#registration?.close();
    this.#client?.close();
  }

  /** Registers the instance on the ADS connection (weft.registry.v1.Registration on the xDS port). */
  #register(): void {
    const channel = this.#client?.getChannel();
    if (channel === undefined) return;
    this.#registration = new RegistrationClient(ipTarget(this.#address), credentials.createInsecure(), {
      channelOverride: channel,
    });
    const { inbound } = sidecarAddresses(this.id);
    // As `weft sidecar` registers: its one inbound port, which every port of its Services reaches.
    this.#registration.register(
      RegisterRequest.fromPartial({
        nodeId: sidecarNodeId(this.id),
        service: serviceName(this.service),
        address: inbound.host,
        port: inbound.port,
        labels: { version: "v1" },
        health: Health.HEALTHY,
      }),
      new Metadata(),
      { deadline: Date.now() + REGISTRATION_DEADLINE_MS },
      (error: ServiceError | null) => {
        if (this.#closed) return;
        if (error) this.#hooks.registrationFailed(this, error);
        else this.#hooks.registered(this, epochNow());
      },
    );
  }

  #onResponse(response: DiscoveryResponse): void {
    if (!this.#connected) {
      this.#connected = true;
      this.#hooks.connected(this);
      if (this.#registers) this.#register();
    }
    const views = this.#subscription.accept(response, this.#hooks.views);
    if (!views) return;
    const at = epochNow();
    this.#subscription.followReferences(response.typeUrl);

    const watch = this.#hooks.watchFor(this);
    if (watch && views.some((view) => holdsChange(view, watch))) this.#hooks.changeAcked(this, at);
    if (!this.#synced && this.#isSynced()) {
      this.#synced = true;
      this.#hooks.synced(this, at);
    }
  }

  #isSynced(): boolean {
    if (!this.#subscription.holdsEveryName()) return false;
    // Some listener, route configuration and cluster must have come: an empty view is not a full one.
    for (const typeUrl of [TypeUrl.listener, TypeUrl.route, TypeUrl.cluster, TypeUrl.endpoint]) {
      if (this.#subscription.held(typeUrl)?.size === 0) return false;
    }
    for (const view of this.#subscription.held(TypeUrl.endpoint)?.values() ?? []) {
      const service = serviceIndexOfCluster(view.name);
      if (service !== undefined && endpointCount(view) < instancesOf(this.#hooks.shape, service)) return false;
    }
    return true;
  }
}

/** Memos per decoded view (views are shared by every sidecar of a process). */
const endpointCounts = new WeakMap<ResourceView, number>();
const watched = new WeakMap<ResourceView, { readonly watch: MeshWatch; readonly holds: boolean }>();

function endpointCount(view: ResourceView): number {
  let count = endpointCounts.get(view);
  if (count === undefined) {
    const assignment = view.message as ClusterLoadAssignment;
    count = assignment.endpoints.reduce((n, locality) => n + locality.lbEndpoints.length, 0);
    endpointCounts.set(view, count);
  }
  return count;
}

/** Whether `view` holds what `watch` looks for (memoized per view and watch). */
export function holdsChange(view: ResourceView, watch: MeshWatch): boolean {
  const seen = watched.get(view);
  if (seen?.watch === watch) return seen.holds;
  const holds = holdsUnmemoized(view, watch);
  watched.set(view, { watch, holds });
  return holds;
}

function holdsUnmemoized(view: ResourceView, watch: MeshWatch): boolean {
  const cluster = serviceCluster(watch.service);
  if (watch.kind === "route") {
    if (view.typeUrl !== TypeUrl.route) return false;
    // The virtual host of a Service port is named like its cluster (docs/mesh.md, "Reserved names").
    const host = (view.message as RouteConfiguration).virtualHosts.find((vhost) => vhost.name === cluster);
    return (
      host?.routes.some((route) =>
        route.route?.weightedClusters?.clusters.some((c) => c.name === cluster && c.weight === watch.weight),
      ) ?? false
    );
  }
  if (view.typeUrl !== TypeUrl.endpoint || view.name !== cluster) return false;
  return (view.message as ClusterLoadAssignment).endpoints.some((locality) =>
    locality.lbEndpoints.some((lb) => lb.endpoint?.address?.socketAddress?.portValue === watch.port),
  );
}
