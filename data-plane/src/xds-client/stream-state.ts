// What belongs to one ADS stream and ends with it: the nonce last received per type, whether the
// node has been sent, which types have been requested, and whether any response arrived (which
// decides whether the next reconnect backs off). See docs/xds-protocol.md #1, #36, #40.
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { DiscoveryRequest } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import type { Status } from "../../../proto/gen/google/rpc/status.js";
import type { TypeState } from "./type-state.js";

export class StreamState {
  readonly server: string;
  readonly #node: Node;
  #nodeSent = false;
  readonly #nonces = new Map<string, string>();
  readonly #requested = new Set<string>();
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
    return this.#requested.has(typeUrl);
  }

  /** Records a response's nonce; a type keeps its nonce for the whole stream (docs/xds-protocol.md #42). */
  received(typeUrl: string, nonce: string): void {
    this.#responded = true;
    this.#nonces.set(typeUrl, nonce);
  }

  /**
   * The next request for `type`: its current names, the last accepted version (an ACK's caller
   * has already advanced it; a NACK's has not), the type's latest nonce ("" on a fresh stream), and
   * the node on the stream's first request only (docs/xds-protocol.md #3, #39, #36).
   */
  request(type: TypeState, errorDetail?: Status): DiscoveryRequest {
    const node = this.#nodeSent ? undefined : this.#node;
    this.#nodeSent = true;
    this.#requested.add(type.typeUrl);
    return {
      versionInfo: type.acceptedVersion,
      node,
      resourceNames: type.resourceNames,
      typeUrl: type.typeUrl,
      responseNonce: this.#nonces.get(type.typeUrl) ?? "",
      errorDetail,
    };
  }
}
