// One simulated proxy on an incremental (delta) ADS stream, over its own HTTP/2 connection: `*` for
// listeners and clusters, and the route configurations and assignments those name, subscribed and
// unsubscribed as they come and go. Every response is ACKed by its nonce; nothing is NACKed.
import { type ClientDuplexStream, credentials } from "@grpc/grpc-js";
import { AggregatedDiscoveryServiceClient } from "../proto/gen/envoy/service/discovery/v3/ads.js";
import {
  DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from "../proto/gen/envoy/service/discovery/v3/discovery.js";
import { TypeUrl } from "../proto/index.js";
import { epochNow, type ProxyHooks, referencedNames, type SimulatedProxy, sameNames } from "./cp-xds-proxy-hooks.js";
import { holdsChange, type ResourceView } from "./cp-xds-resource-view.js";
import { benchNode, ipTarget, ownConnectionOptions } from "./cp-xds-sotw-proxy.js";

interface TypeStream {
  /** Subscribed names (`*` for the wildcard types). */
  names: string[];
  /** What the proxy holds, by name. */
  readonly held: Map<string, ResourceView>;
  acked: boolean;
}

export class DeltaProxy implements SimulatedProxy {
  readonly id: number;
  readonly #address: string;
  readonly #hooks: ProxyHooks;
  readonly #types = new Map<string, TypeStream>();
  #client: AggregatedDiscoveryServiceClient | undefined;
  #call: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> | undefined;
  #connected = false;
  #synced = false;
  #closed = false;

  constructor(id: number, address: string, hooks: ProxyHooks) {
    this.id = id;
    this.#address = address;
    this.#hooks = hooks;
    for (const typeUrl of [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route]) {
      this.#types.set(typeUrl, { names: [], held: new Map(), acked: false });
    }
  }

  start(): void {
    this.#client = new AggregatedDiscoveryServiceClient(
      ipTarget(this.#address),
      credentials.createInsecure(),
      ownConnectionOptions(this.id),
    );
    const call = this.#client.deltaAggregatedResources();
    this.#call = call;
    call.on("data", (response: DeltaDiscoveryResponse) => this.#onResponse(response));
    call.on("error", (error: Error) => {
      if (!this.#closed) this.#hooks.failed(this, error);
    });
    call.on("end", () => {
      if (!this.#closed) this.#hooks.failed(this, new Error("the server ended the stream"));
    });
    for (const typeUrl of [TypeUrl.cluster, TypeUrl.listener]) {
      const type = this.#types.get(typeUrl);
      if (type) type.names = ["*"];
      call.write(
        DeltaDiscoveryRequest.fromPartial({
          ...(typeUrl === TypeUrl.cluster ? { node: benchNode(this.id) } : {}),
          typeUrl,
          resourceNamesSubscribe: ["*"],
        }),
      );
    }
  }

  close(): void {
    this.#closed = true;
    this.#call?.cancel();
    this.#client?.close();
  }

  #onResponse(response: DeltaDiscoveryResponse): void {
    if (!this.#connected) {
      this.#connected = true;
      this.#hooks.connected(this);
    }
    const type = this.#types.get(response.typeUrl);
    if (!type) return;
    const views: ResourceView[] = [];
    for (const resource of response.resources) {
      if (!resource.resource) continue;
      const view = this.#hooks.views.ofVersioned(resource.name, resource.version, resource.resource);
      views.push(view);
      type.held.set(resource.name, view);
    }
    for (const name of response.removedResources) type.held.delete(name);
    type.acked = true;
    this.#call?.write(DeltaDiscoveryRequest.fromPartial({ typeUrl: response.typeUrl, responseNonce: response.nonce }));
    const at = epochNow();
    if (response.typeUrl === TypeUrl.cluster) this.#resubscribe(TypeUrl.endpoint, referencedNames(type.held.values()));
    if (response.typeUrl === TypeUrl.listener) this.#resubscribe(TypeUrl.route, referencedNames(type.held.values()));

    const watch = this.#hooks.watch;
    if (watch && views.some((view) => holdsChange(view, watch))) this.#hooks.changeAcked(this, at, views.length);
    if (!this.#synced && this.#isSynced()) {
      this.#synced = true;
      this.#hooks.synced(this, at);
    }
  }

  /** Subscribes to names newly referenced and drops those no longer referenced. */
  #resubscribe(typeUrl: string, names: string[]): void {
    const type = this.#types.get(typeUrl);
    if (!type || sameNames(type.names, names)) return;
    const before = new Set(type.names);
    const after = new Set(names);
    const subscribe = names.filter((name) => !before.has(name));
    const unsubscribe = type.names.filter((name) => !after.has(name));
    type.names = names;
    for (const name of unsubscribe) type.held.delete(name);
    this.#call?.write(
      DeltaDiscoveryRequest.fromPartial({
        typeUrl,
        resourceNamesSubscribe: subscribe,
        resourceNamesUnsubscribe: unsubscribe,
      }),
    );
  }

  #isSynced(): boolean {
    for (const type of this.#types.values()) {
      if (!type.acked) return false;
      for (const name of type.names) if (name !== "*" && !type.held.has(name)) return false;
    }
    return true;
  }
}
