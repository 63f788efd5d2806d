// What a simulated state-of-the-world ADS client subscribes to and holds, per type, as Envoy does:
// listeners and clusters by wildcard, the route configurations and assignments they name. Every
// response is held and ACKed with the current subscription; it never NACKs. Shared by the xDS
// scenario's proxies (bench/cp-xds-sotw-proxy.ts) and the mesh scenario's sidecars.
import type { DiscoveryResponse } from "../proto/gen/envoy/service/discovery/v3/discovery.js";
import { DiscoveryRequest } from "../proto/gen/envoy/service/discovery/v3/discovery.js";
import { TypeUrl } from "../proto/index.js";
import { referencedNames, sameNames } from "./cp-xds-proxy-hooks.js";
import type { ResourceView, ResourceViews } from "./cp-xds-resource-view.js";

interface TypeStream {
  /** version_info of the last response received (what the next request reports). */
  version: string;
  nonce: string;
  /** Subscribed names; empty for the wildcard types. */
  names: string[];
  /** For LDS and CDS the last response, for RDS and EDS every resource received and still subscribed. */
  readonly held: Map<string, ResourceView>;
  acked: boolean;
}

export class SotwSubscription {
  readonly #types = new Map<string, TypeStream>();
  readonly #write: (request: DiscoveryRequest) => void;

  /** `write` sends a request on the client's stream. */
  constructor(write: (request: DiscoveryRequest) => void) {
    this.#write = write;
    for (const typeUrl of [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route]) {
      this.#types.set(typeUrl, { version: "", nonce: "", names: [], held: new Map(), acked: false });
    }
  }

  /**
   * Holds `response`'s resources (decoded through `views`) and ACKs it; returns their views, or
   * undefined for a type not subscribed to (not ACKed). Call `followReferences` after it.
   */
  accept(response: DiscoveryResponse, views: ResourceViews): ResourceView[] | undefined {
    const type = this.#types.get(response.typeUrl);
    if (!type) return undefined;
    const received = views.ofSotwResponse(response.typeUrl, response.versionInfo, response.resources);
    // LDS and CDS responses carry the full state; RDS and EDS ones only what changed among the names.
    const fullState = response.typeUrl === TypeUrl.listener || response.typeUrl === TypeUrl.cluster;
    if (fullState) type.held.clear();
    for (const view of received) type.held.set(view.name, view);
    type.version = response.versionInfo;
    type.nonce = response.nonce;
    type.acked = true;
    this.#send(response.typeUrl, type);
    return received;
  }

  /** A listener or cluster update changes which route configurations and assignments are needed. */
  followReferences(typeUrl: string): void {
    const type = this.#types.get(typeUrl);
    if (!type) return;
    if (typeUrl === TypeUrl.cluster) this.#resubscribe(TypeUrl.endpoint, referencedNames(type.held.values()));
    if (typeUrl === TypeUrl.listener) this.#resubscribe(TypeUrl.route, referencedNames(type.held.values()));
  }

  /** Whether every type is ACKed and every subscribed name held. */
  holdsEveryName(): boolean {
    for (const type of this.#types.values()) {
      if (!type.acked) return false;
      for (const name of type.names) if (!type.held.has(name)) return false;
    }
    return true;
  }

  /** What is held of `typeUrl` (undefined for a type not subscribed to). */
  held(typeUrl: string): ReadonlyMap<string, ResourceView> | undefined {
    return this.#types.get(typeUrl)?.held;
  }

  /** A request for `typeUrl` with its current subscription: an ACK of the last response, or a subscription change. */
  #send(typeUrl: string, type: TypeStream): void {
    this.#write(
      DiscoveryRequest.fromPartial({
        typeUrl,
        versionInfo: type.version,
        responseNonce: type.nonce,
        resourceNames: type.names,
      }),
    );
  }

  #resubscribe(typeUrl: string, names: string[]): void {
    const type = this.#types.get(typeUrl);
    if (!type || sameNames(type.names, names)) return;
    type.names = names;
    const wanted = new Set(names);
    for (const name of type.held.keys()) if (!wanted.has(name)) type.held.delete(name);
    this.#send(typeUrl, type);
  }
}
