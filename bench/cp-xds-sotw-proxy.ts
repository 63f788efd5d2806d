// One simulated proxy on a state-of-the-world ADS stream, over its own HTTP/2 connection. It
// subscribes to listeners and clusters by wildcard, to the route configurations its listeners name
// and the assignments its EDS clusters name, and ACKs every response with its current subscription
// (as Envoy does). It never NACKs.
import { type ClientDuplexStream, credentials } from "@grpc/grpc-js";
import { Node } from "../proto/gen/envoy/config/core/v3/base.js";
import { AggregatedDiscoveryServiceClient } from "../proto/gen/envoy/service/discovery/v3/ads.js";
import { DiscoveryRequest, type DiscoveryResponse } from "../proto/gen/envoy/service/discovery/v3/discovery.js";
import { TypeUrl } from "../proto/index.js";
import { epochNow, type ProxyHooks, referencedNames, type SimulatedProxy, sameNames } from "./cp-xds-proxy-hooks.js";
import { holdsChange, type ResourceView } from "./cp-xds-resource-view.js";

interface TypeStream {
  /** version_info of the last response received (what the next request reports). */
  version: string;
  nonce: string;
  /** Subscribed names; empty for the wildcard types. */
  names: string[];
  /** What the proxy holds: for LDS and CDS the last response, for RDS and EDS every resource received. */
  readonly held: Map<string, ResourceView>;
  acked: boolean;
}

/**
 * Each client gets its own channel and so its own connection: grpc-js would otherwise share one.
 * Channelz bookkeeping and the retry layer are off: a proxy does not retry an xDS stream's
 * messages, and thousands of channels in one process should cost what a proxy's connection costs.
 */
export function ownConnectionOptions(id: number): Record<string, number> {
  return {
    "grpc.use_local_subchannel_pool": 1,
    "grpc.weft_bench_id": id,
    "grpc.enable_channelz": 0,
    "grpc.enable_retries": 0,
  };
}

/**
 * The `ipv4:` scheme: grpc-js's DNS resolver would build a c-ares channel per client for an
 * address that needs no resolving (as an Envoy bootstrap with a static IP does not resolve).
 */
export function ipTarget(address: string): string {
  return address.startsWith("[") ? `ipv6:${address}` : `ipv4:${address}`;
}

export function benchNode(id: number): Node {
  return Node.fromPartial({ id: `bench-proxy-${id}`, cluster: "bench", userAgentName: "weft-bench" });
}

export class SotwProxy implements SimulatedProxy {
  readonly id: number;
  readonly #address: string;
  readonly #hooks: ProxyHooks;
  readonly #types = new Map<string, TypeStream>();
  #client: AggregatedDiscoveryServiceClient | undefined;
  #call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  #connected = false;
  #synced = false;
  #closed = false;

  constructor(id: number, address: string, hooks: ProxyHooks) {
    this.id = id;
    this.#address = address;
    this.#hooks = hooks;
    for (const typeUrl of [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route]) {
      this.#types.set(typeUrl, { version: "", nonce: "", names: [], held: new Map(), acked: false });
    }
  }

  start(): void {
    this.#client = new AggregatedDiscoveryServiceClient(
      ipTarget(this.#address),
      credentials.createInsecure(),
      ownConnectionOptions(this.id),
    );
    const call = this.#client.streamAggregatedResources();
    this.#call = call;
    call.on("data", (response: DiscoveryResponse) => this.#onResponse(response));
    call.on("error", (error: Error) => {
      if (!this.#closed) this.#hooks.failed(this, error);
    });
    call.on("end", () => {
      if (!this.#closed) this.#hooks.failed(this, new Error("the server ended the stream"));
    });
    // Only the first request carries the node (docs/xds-protocol.md #36 allows that).
    call.write(DiscoveryRequest.fromPartial({ node: benchNode(this.id), typeUrl: TypeUrl.cluster, resourceNames: [] }));
    call.write(DiscoveryRequest.fromPartial({ typeUrl: TypeUrl.listener, resourceNames: [] }));
  }

  close(): void {
    this.#closed = true;
    this.#call?.cancel();
    this.#client?.close();
  }

  #onResponse(response: DiscoveryResponse): void {
    if (!this.#connected) {
      this.#connected = true;
      this.#hooks.connected(this);
    }
    const type = this.#types.get(response.typeUrl);
    if (!type) return;
    const views = this.#hooks.views.ofSotwResponse(response.typeUrl, response.versionInfo, response.resources);
    const fullState = response.typeUrl === TypeUrl.listener || response.typeUrl === TypeUrl.cluster;
    if (fullState) type.held.clear();
    for (const view of views) type.held.set(view.name, view);
    type.version = response.versionInfo;
    type.nonce = response.nonce;
    type.acked = true;
    this.#send(response.typeUrl, type);
    const at = epochNow();
    // A listener or cluster update changes which route configurations and assignments the proxy needs.
    if (response.typeUrl === TypeUrl.cluster) this.#resubscribe(TypeUrl.endpoint, referencedNames(type.held.values()));
    if (response.typeUrl === TypeUrl.listener) this.#resubscribe(TypeUrl.route, referencedNames(type.held.values()));

    const watch = this.#hooks.watch;
    if (watch && views.some((view) => holdsChange(view, watch))) this.#hooks.changeAcked(this, at, views.length);
    if (!this.#synced && this.#isSynced()) {
      this.#synced = true;
      this.#hooks.synced(this, at);
    }
  }

  /** A request for `typeUrl` with its current subscription: an ACK of the last response, or a subscription change. */
  #send(typeUrl: string, type: TypeStream): void {
    this.#call?.write(
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

  #isSynced(): boolean {
    for (const type of this.#types.values()) {
      if (!type.acked) return false;
      for (const name of type.names) if (!type.held.has(name)) return false;
    }
    return true;
  }
}
