// The gRPC server on the xDS port: ADS and the per-type discovery services (SotW and delta), CSDS,
// grpc.health.v1.Health, server reflection, and whatever services the caller adds (the sidecars'
// registration). Plaintext, or TLS with an admission check (the TLS xDS port, admission.ts).
// Listening and shutdown are the caller's to start.
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
import { SecretDiscoveryServiceService } from "../../../proto/gen/envoy/service/secret/v3/sds.js";
import { ClientStatusDiscoveryServiceService } from "../../../proto/gen/envoy/service/status/v3/csds.js";
import { KINDS, TypeUrl } from "../../../proto/index.js";
import { type Clock, systemClock } from "../../../time/index.js";
import { refusalStatus, type XdsAdmission } from "./admission.js";
import type { XdsContext } from "./context.js";
import { csdsHandlers } from "./csds.js";
import { serveDeltaStream } from "./delta-stream.js";
import type { PeerCall } from "./peer-identity.js";
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
  /** TLS for the port (the TLS xDS port); plaintext when unset. */
  readonly credentials?: ServerCredentials;
  /**
   * Who may call what (admission.ts): checked before every call of the discovery services, CSDS
   * and `services`, and on each discovery stream's node. Health and reflection are never checked.
   * Unset: everyone, as on the plaintext port.
   */
  readonly admission?: XdsAdmission;
  /**
   * How long a connection may live before the server asks the client to reconnect (gRPC's
   * max_connection_age, then 5 s of grace before its streams are ended): a client then presents
   * the certificate it holds now. Unset: connections live as long as they are used.
   */
  readonly maxConnectionAgeMs?: number;
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

/**
 * `implementation` with `admission.call` run before each method: a refused unary or
 * client-streaming call is answered with the refusal, a refused streaming one ends with it.
 */
function guarded(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  admission: XdsAdmission | undefined,
): UntypedServiceImplementation {
  if (admission === undefined) return implementation;
  const out: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name] as ((...args: unknown[]) => void) | undefined;
    if (handler === undefined) continue;
    const refusalOf = (call: PeerCall) => {
      const refusal = admission.call(method.path, call);
      return refusal === undefined ? undefined : refusalStatus(refusal);
    };
    out[name] = method.responseStream
      ? (call: PeerCall & { emit(event: "error", error: object): boolean }) => {
          const refused = refusalOf(call);
          if (refused === undefined) handler(call);
          else call.emit("error", refused);
        }
      : (call: PeerCall, callback: (error: object | null) => void) => {
          const refused = refusalOf(call);
          if (refused === undefined) handler(call, callback);
          else callback(refused);
        };
  }
  return out;
}

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
  readonly #credentials: ServerCredentials;
  /** How to end each open discovery stream. */
  readonly #open = new Set<() => void>();

  constructor(options: XdsServerOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#credentials = options.credentials ?? ServerCredentials.createInsecure();
    const admission = options.admission;
    this.#context = {
      ...options.context,
      ...(admission === undefined ? {} : { admit: (node, call) => admission.node(node, call) }),
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
      ...(options.maxConnectionAgeMs === undefined
        ? {}
        : { "grpc.max_connection_age_ms": options.maxConnectionAgeMs, "grpc.max_connection_age_grace_ms": 5_000 }),
    });
    const add = (definition: ServiceDefinition, implementation: UntypedServiceImplementation): void =>
      this.#server.addService(definition, guarded(definition, implementation, admission));
    const context = this.#context;
    const sotw = (typeUrl?: string) => (call: SotwCall) => serveSotwStream(call, context, typeUrl);
    const delta = (typeUrl?: string) => (call: DeltaCall) => serveDeltaStream(call, context, typeUrl);
    add(encodedResponses(AggregatedDiscoveryServiceService), {
      streamAggregatedResources: sotw(),
      deltaAggregatedResources: delta(),
    });
    add(encodedResponses(ListenerDiscoveryServiceService), {
      streamListeners: sotw(KINDS.listeners.typeUrl),
      deltaListeners: delta(KINDS.listeners.typeUrl),
    });
    add(encodedResponses(RouteDiscoveryServiceService), {
      streamRoutes: sotw(KINDS.routes.typeUrl),
      deltaRoutes: delta(KINDS.routes.typeUrl),
    });
    add(encodedResponses(ClusterDiscoveryServiceService), {
      streamClusters: sotw(KINDS.clusters.typeUrl),
      deltaClusters: delta(KINDS.clusters.typeUrl),
    });
    add(encodedResponses(EndpointDiscoveryServiceService), {
      streamEndpoints: sotw(KINDS.endpoints.typeUrl),
      deltaEndpoints: delta(KINDS.endpoints.typeUrl),
    });
    // SDS: the secrets the control plane makes (the trust bundle), by name (docs/xds-protocol.md #52).
    add(encodedResponses(SecretDiscoveryServiceService), {
      streamSecrets: sotw(TypeUrl.secret),
      deltaSecrets: delta(TypeUrl.secret),
    });
    add(ClientStatusDiscoveryServiceService, csdsHandlers(context.status) as unknown as UntypedServiceImplementation);
    this.#health = new HealthImplementation({ "": "NOT_SERVING" });
    this.#health.addToServer(this.#server);
    for (const service of options.services ?? []) add(service.definition, service.implementation);
    addReflection(
      this.#server,
      (options.services ?? []).map((service) => serviceName(service.definition)),
    );
  }

  /** Binds `host:port` (port 0 picks one) and returns the bound port. */
  listen(host: string, port: number): Promise<number> {
    const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(address, this.#credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
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
