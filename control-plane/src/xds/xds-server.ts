// The gRPC server on the xDS port: ADS and the per-type discovery services (SotW and delta), CSDS,
// grpc.health.v1.Health, server reflection, and whatever services the caller adds (the sidecars'
// registration). Listening and shutdown are the caller's to start.
import {
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { ClusterDiscoveryServiceService } from "../../../proto/gen/envoy/service/cluster/v3/cds.js";
import { AggregatedDiscoveryServiceService } from "../../../proto/gen/envoy/service/discovery/v3/ads.js";
import type {
  DeltaDiscoveryRequest,
  DiscoveryRequest,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { EndpointDiscoveryServiceService } from "../../../proto/gen/envoy/service/endpoint/v3/eds.js";
import { ListenerDiscoveryServiceService } from "../../../proto/gen/envoy/service/listener/v3/lds.js";
import { RouteDiscoveryServiceService } from "../../../proto/gen/envoy/service/route/v3/rds.js";
import { ClientStatusDiscoveryServiceService } from "../../../proto/gen/envoy/service/status/v3/csds.js";
import { KINDS } from "../../../proto/index.js";
import { type Clock, systemClock } from "../../../time/index.js";
import type { XdsContext } from "./context.js";
import { csdsHandlers } from "./csds.js";
import { serveDeltaStream } from "./delta-stream.js";
import { addReflection } from "./reflection.js";
import { serveSotwStream } from "./sotw-stream.js";

export interface XdsServerOptions {
  readonly context: XdsContext;
  /** Largest request accepted. Default 4 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Largest response sent (a full CDS of a large mesh). Default 64 MiB. */
  readonly maxSendMessageBytes?: number;
  /** Ping an idle connection this often, and drop it if no answer within the timeout: dead proxies go within ~30 s. */
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
  /** Runs shutdown's grace timer; the system clock by default. */
  readonly clock?: Clock;
  /** More gRPC services served on the same port (the sidecars' registration), listed by reflection. */
  readonly services?: readonly GrpcService[];
}

/** A generated service definition and its implementation. */
export interface GrpcService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** `weft.registry.v1.Registration` from a definition whose methods' paths are `/SERVICE/METHOD`. */
function serviceName(definition: ServiceDefinition): string {
  const [method] = Object.values(definition);
  return method?.path.split("/")[1] ?? "";
}

type SotwCall = ServerDuplexStream<DiscoveryRequest, Buffer>;
type DeltaCall = ServerDuplexStream<DeltaDiscoveryRequest, Buffer>;

/** The generated definition, but responses are written already encoded (see wire.ts). */
function encodedResponses(service: object): ServiceDefinition {
  const out: Record<string, MethodDefinition<unknown, Buffer>> = {};
  for (const [name, method] of Object.entries(service as Record<string, MethodDefinition<unknown, unknown>>)) {
    out[name] = { ...method, responseSerialize: (value: Buffer) => value } as MethodDefinition<unknown, Buffer>;
  }
  return out as ServiceDefinition;
}

export class XdsServer {
  readonly #server: Server;
  readonly #health: HealthImplementation;
  readonly #context: XdsContext;
  readonly #clock: Clock;
  /** How to end each open discovery stream. */
  readonly #open = new Set<() => void>();

  constructor(options: XdsServerOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#context = {
      ...options.context,
      track: (end) => {
        this.#open.add(end);
        return () => this.#open.delete(end);
      },
    };
    this.#server = new Server({
      "grpc.max_receive_message_length": options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
      "grpc.max_send_message_length": options.maxSendMessageBytes ?? 64 * 1024 * 1024,
      "grpc.keepalive_time_ms": options.keepaliveTimeMs ?? 15_000,
      "grpc.keepalive_timeout_ms": options.keepaliveTimeoutMs ?? 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      // Clients (gRPC's xDS client among them) may ping this often without being told off.
      "grpc.http2.min_ping_interval_without_data_ms": 5_000,
      // Channelz bookkeeping costs per call and per connection and nothing reads it. (Without it,
      // grpc-js 1.14's forceShutdown() leaves connections open: shutdown() ends streams itself.)
      "grpc.enable_channelz": 0,
    });
    const context = this.#context;
    const sotw = (typeUrl?: string) => (call: SotwCall) => serveSotwStream(call, context, typeUrl);
    const delta = (typeUrl?: string) => (call: DeltaCall) => serveDeltaStream(call, context, typeUrl);
    this.#server.addService(encodedResponses(AggregatedDiscoveryServiceService), {
      streamAggregatedResources: sotw(),
      deltaAggregatedResources: delta(),
    });
    this.#server.addService(encodedResponses(ListenerDiscoveryServiceService), {
      streamListeners: sotw(KINDS.listeners.typeUrl),
      deltaListeners: delta(KINDS.listeners.typeUrl),
    });
    this.#server.addService(encodedResponses(RouteDiscoveryServiceService), {
      streamRoutes: sotw(KINDS.routes.typeUrl),
      deltaRoutes: delta(KINDS.routes.typeUrl),
    });
    this.#server.addService(encodedResponses(ClusterDiscoveryServiceService), {
      streamClusters: sotw(KINDS.clusters.typeUrl),
      deltaClusters: delta(KINDS.clusters.typeUrl),
    });
    this.#server.addService(encodedResponses(EndpointDiscoveryServiceService), {
      streamEndpoints: sotw(KINDS.endpoints.typeUrl),
      deltaEndpoints: delta(KINDS.endpoints.typeUrl),
    });
    this.#server.addService(ClientStatusDiscoveryServiceService, csdsHandlers(context.status));
    this.#health = new HealthImplementation({ "": "NOT_SERVING" });
    this.#health.addToServer(this.#server);
    for (const service of options.services ?? []) this.#server.addService(service.definition, service.implementation);
    addReflection(
      this.#server,
      (options.services ?? []).map((service) => serviceName(service.definition)),
    );
  }

  /** Binds `host:port` (port 0 picks one) and returns the bound port. */
  listen(host: string, port: number): Promise<number> {
    const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(address, serverCredentials(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
  }

  /** What grpc.health.v1.Health answers for the whole server (service ""). */
  setServing(serving: boolean): void {
    this.#health.setStatus("", serving ? "SERVING" : "NOT_SERVING");
  }

  /**
   * Stops accepting, then lets streams end; after `graceMs` closes whatever is left. xDS streams
   * never end on their own, so the force step is the normal case for them: clients reconnect
   * elsewhere with their config intact.
   */
  async shutdown(graceMs = 2_000): Promise<void> {
    this.setServing(false);
    // Discovery streams never end on their own: end each with UNAVAILABLE so clients reconnect
    // (to another control plane, or this one when it is back) with their config intact.
    for (const end of [...this.#open]) end();
    await new Promise<void>((resolve) => {
      const timer = this.#clock
        .setTimeout(() => {
          this.#server.forceShutdown();
          resolve();
        }, graceMs)
        .unref();
      this.#server.tryShutdown(() => {
        this.#clock.clearTimeout(timer);
        resolve();
      });
    });
  }
}

function serverCredentials(): ServerCredentials {
  return ServerCredentials.createInsecure();
}
