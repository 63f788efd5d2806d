// An ADS client, state of the world or delta: one stream to one control plane at a time, every type URL
// multiplexed on it (docs/xds-protocol.md #37), each response decoded, handed to its type's handler,
// and ACKed or NACKed; reconnects with jittered backoff and fails over across servers.
import { type ClientDuplexStream, connectivityState, credentials as grpcCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import { AggregatedDiscoveryServiceClient } from "../../../proto/gen/envoy/service/discovery/v3/ads.js";
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import type { Status } from "../../../proto/gen/google/rpc/status.js";
import { type Clock, systemClock, type Timer } from "../../../time/index.js";
import { nackGrpcStatusOf } from "../errors.js";
import { applyDelta, type DeltaResult } from "./apply-delta.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { decodeResources } from "./decode-response.js";
import { DeltaStreamState } from "./delta-stream-state.js";
import { nackMessage, XdsClientError, XdsClientErrorCode } from "./errors.js";
import type { AdsClientEvent, AdsClientListener, NackRecord } from "./events.js";
import type { AdsClientOptions } from "./options.js";
import { StreamState } from "./stream-state.js";
import { TypeState } from "./type-state.js";

type Call = ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
type DeltaCall = ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
type AnyStream = StreamState | DeltaStreamState;
type Channel = ReturnType<AggregatedDiscoveryServiceClient["getChannel"]>;

export class AdsClient {
  readonly #options: AdsClientOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: BackoffPolicy;
  readonly #node: Node;
  readonly #types = new Map<string, TypeState>();
  readonly #listeners = new Set<AdsClientListener>();
  #serverIndex = 0;
  #attempt = 0;
  #grpc: { server: string; client: AggregatedDiscoveryServiceClient } | undefined;
  #call: Call | undefined;
  #deltaCall: DeltaCall | undefined;
  #stream: AnyStream | undefined;
  #reconnectTimer: Timer | undefined;
  #connected = false;
  #started = false;
  #closed = false;
  #lastNack: NackRecord | undefined;
  /**
   * The outage under way, if any: from the first failed stream or attempt until a stream is
   * connected again. Logged once when it starts and once when it ends; attempts are at debug.
   */
  #outage: { readonly since: number; attempts: number } | undefined;
  /** Responses are handled one at a time, in arrival order, even when handlers are async. */
  #work: Promise<void> = Promise.resolve();

  constructor(options: AdsClientOptions) {
    if (options.servers.length === 0) {
      throw new XdsClientError(XdsClientErrorCode.invalidOptions, "at least one xDS server is required");
    }
    this.#options = options;
    this.#logger = options.logger.child({ component: "xds-client", nodeId: options.node.id });
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#node = {
      id: options.node.id,
      cluster: options.node.cluster,
      metadata: { ...(options.node.metadata ?? {}) },
      dynamicParameters: {},
      locality: undefined,
      userAgentName: "weft",
      userAgentVersion: options.node.userAgentVersion,
      userAgentBuildVersion: undefined,
      extensions: [],
      clientFeatures: [],
    };
    for (const subscription of options.subscriptions) {
      if (this.#types.has(subscription.typeUrl)) {
        throw new XdsClientError(XdsClientErrorCode.invalidOptions, `${subscription.typeUrl} is subscribed twice`);
      }
      this.#types.set(subscription.typeUrl, new TypeState(subscription));
    }
  }

  /** Opens the first stream. Calling it again, or after close(), does nothing. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connect();
  }

  /**
   * Sets the names wanted for a non-wildcard type and, when they changed and a stream is open,
   * requests them at once: the full list, so a name left out is unsubscribed (docs/xds-protocol.md #9).
   */
  setNames(typeUrl: string, names: readonly string[]): void {
    const type = this.#types.get(typeUrl);
    if (type === undefined || type.subscription.wildcard) {
      throw new XdsClientError(XdsClientErrorCode.invalidOptions, `${typeUrl} is not a type subscribed by name`);
    }
    if (!type.setNames(names)) return;
    const stream = this.#stream;
    if (stream instanceof DeltaStreamState) {
      // Delta: only the change is sent (subscribe / unsubscribe), never the whole list.
      const request = stream.subscription(type);
      if (request) this.#sendDelta(stream, request);
      return;
    }
    // An emptied list is sent only where names were sent before; elsewhere it would be a wildcard.
    if (stream && (type.wantsRequest || stream.requested(typeUrl))) this.#send(stream, stream.request(type));
  }

  /** Whether a stream is open on a READY channel to a control plane. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The server of the current (or next) stream. */
  get server(): string {
    return this.#options.servers[this.#serverIndex] ?? "";
  }

  /** The last version accepted for `typeUrl` ("" if none). */
  acceptedVersion(typeUrl: string): string {
    return this.#types.get(typeUrl)?.acceptedVersion ?? "";
  }

  get lastNack(): NackRecord | undefined {
    return this.#lastNack;
  }

  /** Calls `listener` on every state change until the returned function is called. */
  subscribe(listener: AdsClientListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends the stream, the channel and any reconnect timer; the client cannot be started again. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer !== undefined) this.#clock.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#endStream("closed");
    this.#grpc?.client.close();
    this.#grpc = undefined;
  }

  #connect(): void {
    const server = this.server;
    if (this.#grpc?.server !== server) {
      this.#grpc?.client.close();
      const creds = this.#options.credentials ?? grpcCredentials.createInsecure();
      this.#grpc = {
        server,
        client: new AggregatedDiscoveryServiceClient(server, creds, this.#options.channelOptions),
      };
    }
    if (this.#options.protocol === "delta") {
      this.#connectDelta(server, this.#grpc.client);
      return;
    }
    const call = this.#grpc.client.streamAggregatedResources();
    const stream = new StreamState(server, this.#node);
    this.#call = call;
    this.#stream = stream;
    this.#logger.debug({ server }, "opening ADS stream");
    call.on("data", (response: DiscoveryResponse) => {
      this.#work = this.#work
        .then(() => this.#handle(stream, response))
        .catch((error: unknown) => this.#logger.error({ err: error }, "handling an xDS response failed"));
    });
    call.on("error", (error: Error) => this.#streamEnded(stream, error.message));
    call.on("end", () => this.#streamEnded(stream, "the server ended the stream"));
    // On a new stream every subscription is asked for again, with the last accepted versions
    // (docs/xds-protocol.md #39).
    for (const type of this.#types.values()) {
      if (type.wantsRequest) this.#send(stream, stream.request(type));
    }
    this.#watchReady(stream, this.#grpc.client.getChannel());
  }

  #connectDelta(server: string, client: AggregatedDiscoveryServiceClient): void {
    const call = client.deltaAggregatedResources();
    const stream = new DeltaStreamState(server, this.#node);
    this.#deltaCall = call;
    this.#stream = stream;
    this.#logger.debug({ server }, "opening delta ADS stream");
    call.on("data", (response: DeltaDiscoveryResponse) => {
      this.#work = this.#work
        .then(() => this.#handleDelta(stream, response))
        .catch((error: unknown) => this.#logger.error({ err: error }, "handling an xDS response failed"));
    });
    call.on("error", (error: Error) => this.#streamEnded(stream, error.message));
    call.on("end", () => this.#streamEnded(stream, "the server ended the stream"));
    // Every subscription again, with the versions held (docs/xds-protocol.md #29).
    for (const type of this.#types.values()) {
      const request = stream.subscription(type);
      if (request) this.#sendDelta(stream, request);
    }
    this.#watchReady(stream, client.getChannel());
  }

  /**
   * Marks the stream connected once its channel is READY. A response is not awaited: a server
   * may rightly say nothing to a client that already holds its versions (docs/xds-protocol.md #39).
   */
  #watchReady(stream: AnyStream, channel: Channel): void {
    if (this.#stream !== stream) return;
    const state = channel.getConnectivityState(true);
    if (state === connectivityState.READY) {
      this.#markConnected(stream);
      return;
    }
    if (state === connectivityState.SHUTDOWN) return;
    channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, (error) => {
      if (error === undefined) this.#watchReady(stream, channel);
    });
  }

  #markConnected(stream: AnyStream): void {
    if (this.#connected || this.#stream !== stream) return;
    this.#connected = true;
    const outage = this.#outage;
    this.#outage = undefined;
    if (outage === undefined) this.#logger.info({ server: stream.server }, "connected to control plane");
    else {
      this.#logger.info(
        { server: stream.server, attempts: outage.attempts, outageMs: this.#clock.now() - outage.since },
        "reconnected to control plane",
      );
    }
    this.#emit({ type: "connected", server: stream.server });
  }

  async #handle(stream: StreamState, response: DiscoveryResponse): Promise<void> {
    if (this.#stream !== stream) return; // the stream is gone, and its nonces with it (docs/xds-protocol.md #1)
    const type = this.#types.get(response.typeUrl);
    stream.received(response.typeUrl, response.nonce);
    this.#markConnected(stream);
    if (type === undefined) {
      this.#logger.warn({ typeUrl: response.typeUrl }, "ignoring a response for a type not subscribed");
      return;
    }
    let rejection: unknown;
    try {
      const resources = decodeResources(response.typeUrl, response.resources);
      const result = await type.subscription.handler(resources, {
        typeUrl: response.typeUrl,
        versionInfo: response.versionInfo,
      });
      if (result instanceof Error) rejection = result;
    } catch (error) {
      rejection = error;
    }
    if (rejection === undefined) {
      // The handler applied it, so it is accepted even if the stream died meanwhile.
      type.acceptedVersion = response.versionInfo;
      if (this.#stream === stream) this.#send(stream, stream.request(type));
      this.#emit({ type: "ack", typeUrl: type.typeUrl, versionInfo: response.versionInfo });
      return;
    }
    // NACK: version_info stays the last accepted one, error_detail says why (docs/xds-protocol.md #3).
    const nack = this.#recordNack(type.typeUrl, response.versionInfo, response.nonce, rejection);
    if (this.#stream === stream) this.#send(stream, stream.request(type, nackStatus(nack)));
    this.#emit({ type: "nack", nack });
  }

  /**
   * A delta response: applied to a copy of what the type holds, the full result handed to the
   * handler, then ACKed (nonce only) or NACKed (nonce and error_detail; what is held stays).
   */
  async #handleDelta(stream: DeltaStreamState, response: DeltaDiscoveryResponse): Promise<void> {
    if (this.#stream !== stream) return;
    stream.received();
    this.#markConnected(stream);
    const type = this.#types.get(response.typeUrl);
    if (type === undefined) {
      this.#logger.warn({ typeUrl: response.typeUrl }, "ignoring a response for a type not subscribed");
      return;
    }
    const versionInfo = response.systemVersionInfo;
    let rejection: unknown;
    let result: DeltaResult | undefined;
    try {
      result = applyDelta(type, response);
      // Nothing changed (as on a reconnect where every version held is current): the handler
      // already has this set, except the first time, when even an empty set is news.
      if (result.updated.length > 0 || result.removed.length > 0 || !type.delivered) {
        const resources = [...result.next].map(([name, held]) => ({
          name,
          resource: held.resource,
          version: held.version,
        }));
        const outcome = await type.subscription.handler(resources, { typeUrl: type.typeUrl, versionInfo });
        if (outcome instanceof Error) rejection = outcome;
      }
    } catch (error) {
      rejection = error;
    }
    if (rejection === undefined && result !== undefined) {
      type.accept(result.next);
      type.acceptedVersion = versionInfo;
      if (this.#stream === stream) this.#sendDelta(stream, stream.reply(type.typeUrl, response.nonce));
      this.#emit({
        type: "ack",
        typeUrl: type.typeUrl,
        versionInfo,
        delta: { updated: result.updated, removed: result.removed },
      });
      return;
    }
    const nack = this.#recordNack(type.typeUrl, versionInfo, response.nonce, rejection);
    if (this.#stream === stream) this.#sendDelta(stream, stream.reply(type.typeUrl, response.nonce, nackStatus(nack)));
    this.#emit({ type: "nack", nack });
  }

  #recordNack(typeUrl: string, versionRejected: string, nonce: string, rejection: unknown): NackRecord {
    const message = nackMessage(rejection);
    const nack: NackRecord = {
      typeUrl,
      versionRejected,
      nonce,
      message,
      code: rejection instanceof XdsClientError ? rejection.code : undefined,
      at: this.#clock.now(),
    };
    this.#lastNack = nack;
    this.#logger.warn({ typeUrl, version: versionRejected, message }, "rejected xDS response");
    return nack;
  }

  #sendDelta(stream: DeltaStreamState, request: DeltaDiscoveryRequest): void {
    if (this.#stream !== stream || this.#deltaCall === undefined) return;
    this.#deltaCall.write(request);
  }

  #send(stream: StreamState, request: DiscoveryRequest): void {
    if (this.#stream !== stream || this.#call === undefined) return;
    this.#call.write(request);
  }

  #streamEnded(stream: AnyStream, reason: string): void {
    if (this.#stream !== stream) return;
    this.#endStream(reason);
    if (this.#closed) return;
    const servers = this.#options.servers;
    if (stream.responded) {
      // A stream that was answered ended normally enough: retry the same server without growing the
      // delay (docs/xds-protocol.md #40).
      this.#attempt = 0;
    } else {
      this.#serverIndex = (this.#serverIndex + 1) % servers.length;
    }
    const delayMs = backoffDelay(this.#attempt, this.#random, this.#backoff);
    this.#attempt += 1;
    if (this.#outage === undefined) {
      this.#outage = { since: this.#clock.now(), attempts: 0 };
      this.#logger.warn({ servers, reason, maxDelayMs: this.#backoff.capMs }, "waiting for the control plane");
    }
    this.#outage.attempts += 1;
    this.#logger.debug({ server: this.server, delayMs, reason }, "reconnecting to control plane");
    this.#emit({ type: "reconnecting", server: this.server, delayMs });
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#closed) this.#connect();
    }, delayMs);
  }

  /** Forgets the current stream and cancels its call; reports a disconnect if it was connected. */
  #endStream(reason: string): void {
    const stream = this.#stream;
    const call = this.#call;
    const deltaCall = this.#deltaCall;
    this.#stream = undefined;
    this.#call = undefined;
    this.#deltaCall = undefined;
    call?.cancel();
    deltaCall?.cancel();
    if (this.#connected && stream) {
      this.#connected = false;
      this.#logger.info({ server: stream.server, reason }, "disconnected from control plane");
      this.#emit({ type: "disconnected", server: stream.server, reason });
    }
  }

  #emit(event: AdsClientEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ err: error, event: event.type }, "an AdsClient listener threw");
      }
    }
  }
}

/**
 * The error_detail of a NACK: the google.rpc.Code the proxy's error registry gives the error's code
 * (INVALID_ARGUMENT for every one), with the message recorded (docs/xds-protocol.md #3).
 */
function nackStatus(nack: NackRecord): Status {
  return { code: nackGrpcStatusOf(nack.code), message: nack.message, details: [] };
}
