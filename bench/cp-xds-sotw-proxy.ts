// One simulated proxy on a state-of-the-world ADS stream, over its own HTTP/2 connection. It
// subscribes to listeners and clusters by wildcard, to the route configurations its listeners name
// and the assignments its EDS clusters name, and ACKs every response with its current subscription
// (as Envoy does). It never NACKs.
import { type ClientDuplexStream, credentials } from "@grpc/grpc-js";
import { Node } from "../proto/gen/envoy/config/core/v3/base.js";
import { AggregatedDiscoveryServiceClient } from "../proto/gen/envoy/service/discovery/v3/ads.js";
import { DiscoveryRequest, type DiscoveryResponse } from "../proto/gen/envoy/service/discovery/v3/discovery.js";
import { TypeUrl } from "../proto/index.js";
import { epochNow, type ProxyHooks, type SimulatedProxy } from "./cp-xds-proxy-hooks.js";
import { holdsChange } from "./cp-xds-resource-view.js";
import { SotwSubscription } from "./cp-xds-sotw-subscription.js";

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

/**
 * An ADS client on its own connection to `address` and its state-of-the-world stream: responses go
 * to `onResponse`, the stream's error or end to `failed`.
 */
export function openSotwStream(
  id: number,
  address: string,
  onResponse: (response: DiscoveryResponse) => void,
  failed: (error: Error) => void,
): {
  readonly client: AggregatedDiscoveryServiceClient;
  readonly call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
} {
  const client = new AggregatedDiscoveryServiceClient(
    ipTarget(address),
    credentials.createInsecure(),
    ownConnectionOptions(id),
  );
  const call = client.streamAggregatedResources();
  call.on("data", onResponse);
  call.on("error", failed);
  call.on("end", () => failed(new Error("the server ended the stream")));
  return { client, call };
}

export function benchNode(id: number): Node {
  return Node.fromPartial({ id: `bench-proxy-${id}`, cluster: "bench", userAgentName: "weft-bench" });
}

export class SotwProxy implements SimulatedProxy {
  readonly id: number;
  readonly #address: string;
  readonly #hooks: ProxyHooks;
  readonly #subscription = new SotwSubscription((request) => this.#call?.write(request));
  #client: AggregatedDiscoveryServiceClient | undefined;
  #call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  #connected = false;
  #synced = false;
  #closed = false;

  constructor(id: number, address: string, hooks: ProxyHooks) {
    this.id = id;
    this.#address = address;
    this.#hooks = hooks;
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
    const views = this.#subscription.accept(response, this.#hooks.views);
    if (!views) return;
    const at = epochNow();
    this.#subscription.followReferences(response.typeUrl);

    const watch = this.#hooks.watch;
    if (watch && views.some((view) => holdsChange(view, watch))) this.#hooks.changeAcked(this, at, views.length);
    if (!this.#synced && this.#subscription.holdsEveryName()) {
      this.#synced = true;
      this.#hooks.synced(this, at);
    }
  }
}
