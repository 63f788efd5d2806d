// What belongs to one delta ADS stream and ends with it (docs/xds-protocol.md #29: no state is kept
// from an old stream): the names subscribed on it per type, whether the node has been sent, and
// whether any response arrived (which decides whether the next reconnect backs off).
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { DeltaDiscoveryRequest } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import type { Status } from "../../../proto/gen/google/rpc/status.js";
import type { TypeState } from "./type-state.js";

export class DeltaStreamState {
  readonly server: string;
  readonly #node: Node;
  #nodeSent = false;
  /** Per type, the names subscribed on this stream ("*" for a wildcard). */
  readonly #subscribed = new Map<string, Set<string>>();
  #responded = false;

  constructor(server: string, node: Node) {
    this.server = server;
    this.#node = node;
  }

  /** Whether a response has arrived on this stream. */
  get responded(): boolean {
    return this.#responded;
  }

  /** Whether a request for `typeUrl` has been sent on this stream. */
  requested(typeUrl: string): boolean {
    return this.#subscribed.has(typeUrl);
  }

  received(): void {
    this.#responded = true;
  }

  /**
   * The request that brings this stream's subscription for `type` in line with the names it
   * wants, or undefined when there is nothing to say. The first request for a type subscribes
   * every name and reports the versions held; later ones carry only what changed, without a
   * nonce (docs/xds-protocol.md #29, #22, #24, #20).
   */
  subscription(type: TypeState): DeltaDiscoveryRequest | undefined {
    const wanted = type.resourceNames;
    const sent = this.#subscribed.get(type.typeUrl);
    if (sent === undefined) {
      // An empty first request would be the legacy wildcard (docs/xds-protocol.md #28).
      if (!type.wantsRequest) return undefined;
      this.#subscribed.set(type.typeUrl, new Set(wanted));
      return this.#request(type.typeUrl, { subscribe: wanted, initialResourceVersions: type.heldVersions() });
    }
    const subscribe = wanted.filter((name) => !sent.has(name));
    const unsubscribe = [...sent].filter((name) => !wanted.includes(name)).sort();
    if (subscribe.length === 0 && unsubscribe.length === 0) return undefined;
    for (const name of subscribe) sent.add(name);
    for (const name of unsubscribe) sent.delete(name);
    return this.#request(type.typeUrl, { subscribe, unsubscribe });
  }

  /** An ACK (the nonce alone) or, with `errorDetail`, a NACK of the response `nonce` (docs/xds-protocol.md #20). */
  reply(typeUrl: string, nonce: string, errorDetail?: Status): DeltaDiscoveryRequest {
    return this.#request(typeUrl, { nonce, errorDetail });
  }

  #request(
    typeUrl: string,
    fields: {
      subscribe?: string[];
      unsubscribe?: string[];
      initialResourceVersions?: Record<string, string>;
      nonce?: string;
      errorDetail?: Status | undefined;
    },
  ): DeltaDiscoveryRequest {
    const node = this.#nodeSent ? undefined : this.#node;
    this.#nodeSent = true;
    return {
      node,
      typeUrl,
      resourceNamesSubscribe: fields.subscribe ?? [],
      resourceNamesUnsubscribe: fields.unsubscribe ?? [],
      initialResourceVersions: fields.initialResourceVersions ?? {},
      responseNonce: fields.nonce ?? "",
      errorDetail: fields.errorDetail,
    };
  }
}
