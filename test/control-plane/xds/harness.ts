// A real xDS server on 127.0.0.1 (port 0) over an in-memory store, and real gRPC clients that
// read responses one at a time with a timeout. For tests that drive the protocol step by step.
import { type Client, type ClientDuplexStream, credentials, type ServiceError } from "@grpc/grpc-js";
import pino from "pino";
import { KINDS, type KindName, parseResource } from "../../../control-plane/src/resources/index.js";
import type { SecretSources } from "../../../control-plane/src/snapshot/served-secrets.js";
import { SnapshotBuilder } from "../../../control-plane/src/snapshot/snapshot-builder.js";
import type { TypeStatus } from "../../../control-plane/src/status/proxy-status.js";
import { StatusRegistry } from "../../../control-plane/src/status/registry.js";
import type { Mutation } from "../../../control-plane/src/store/config-store.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";
import type { XdsContext } from "../../../control-plane/src/xds/context.js";
import { encodeControlPlane } from "../../../control-plane/src/xds/wire.js";
import { type GrpcService, XdsServer } from "../../../control-plane/src/xds/xds-server.js";
import { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import { ClusterDiscoveryServiceClient } from "../../../proto/gen/envoy/service/cluster/v3/cds.js";
import { AggregatedDiscoveryServiceClient } from "../../../proto/gen/envoy/service/discovery/v3/ads.js";
import {
  DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { EndpointDiscoveryServiceClient } from "../../../proto/gen/envoy/service/endpoint/v3/eds.js";
import { ListenerDiscoveryServiceClient } from "../../../proto/gen/envoy/service/listener/v3/lds.js";
import { RouteDiscoveryServiceClient } from "../../../proto/gen/envoy/service/route/v3/rds.js";
import { SecretDiscoveryServiceClient } from "../../../proto/gen/envoy/service/secret/v3/sds.js";
import { ClientStatusDiscoveryServiceClient } from "../../../proto/gen/envoy/service/status/v3/csds.js";
import { HealthClient } from "../../../proto/gen/grpc/health/v1/health.js";
import * as reflectionV1 from "../../../proto/gen/grpc/reflection/v1/reflection.js";
import * as reflectionV1alpha from "../../../proto/gen/grpc/reflection/v1alpha/reflection.js";
import { TypeUrl } from "../../../proto/index.js";
import { type ChangeSource, until } from "../../until.js";

export const LDS = KINDS.listeners.typeUrl;
export const RDS = KINDS.routes.typeUrl;
export const CDS = KINDS.clusters.typeUrl;
export const EDS = KINDS.endpoints.typeUrl;
export const SDS = TypeUrl.secret;

export interface Harness {
  readonly store: MemoryStore;
  readonly status: StatusRegistry;
  readonly builder: SnapshotBuilder;
  readonly server: XdsServer;
  readonly address: string;
  /** Reports each change to a connection's record in `status` (connect, disconnect, ACK, NACK, request, snapshot answered). */
  readonly changes: ChangeSource;
  /**
   * Resolves once `check()` holds, re-checked as the server reports each change to a connection's
   * record; rejects after `timeoutMs` (2 s) naming `what`. For state the server updates as it handles requests.
   */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Stores resources (JSON as the API takes it) in one commit and waits for the snapshot that holds them. */
  put(...items: [KindName, unknown][]): Promise<void>;
  remove(...items: [KindName, string][]): Promise<void>;
  /** Puts and removes in one commit (one revision), then waits for the snapshot that holds it. */
  change(changes: { put?: [KindName, unknown][]; remove?: [KindName, string][] }): Promise<void>;
  ads(): Stream<DiscoveryRequest, DiscoveryResponse>;
  deltaAds(): Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  /** A SotW stream on the per-type service for `kind` (StreamListeners, StreamRoutes, ...). */
  sotw(kind: KindName): Stream<DiscoveryRequest, DiscoveryResponse>;
  /** A delta stream on the per-type service for `kind` (DeltaListeners, DeltaRoutes, ...). */
  delta(kind: KindName): Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  /** SecretDiscoveryService.StreamSecrets. */
  sds(): Stream<DiscoveryRequest, DiscoveryResponse>;
  /** SecretDiscoveryService.DeltaSecrets. */
  deltaSds(): Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  readonly csds: ClientStatusDiscoveryServiceClient;
  readonly health: HealthClient;
  readonly reflection: reflectionV1.ServerReflectionClient;
  readonly reflectionV1alpha: reflectionV1alpha.ServerReflectionClient;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly view?: XdsContext["view"];
  /** More gRPC services on the server (XdsServerOptions.services). */
  readonly services?: readonly GrpcService[];
  /** Publish the first snapshot before serving (default true); when false, call `builder.start()` yourself. */
  readonly startSnapshots?: boolean;
  /** Mark the server SERVING for grpc.health.v1 (default true). */
  readonly serving?: boolean;
  /** Told when a stream has nothing in flight (see status/convergence.ts). */
  readonly convergence?: XdsContext["convergence"];
  /** Milliseconds since the epoch that NACK and connection times are read from (default: the system's). */
  readonly now?: () => number;
  /** What the served SDS secrets are made of (SnapshotBuilderOptions.secrets); none served when absent. */
  readonly secrets?: SecretSources;
}

interface PerTypeClient extends Client {
  stream(): ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  delta(): ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
}

function perTypeClient(kind: KindName, address: string): PerTypeClient {
  const creds = credentials.createInsecure();
  switch (kind) {
    case "listeners": {
      const c = new ListenerDiscoveryServiceClient(address, creds);
      return Object.assign(c, { stream: () => c.streamListeners(), delta: () => c.deltaListeners() });
    }
    case "routes": {
      const c = new RouteDiscoveryServiceClient(address, creds);
      return Object.assign(c, { stream: () => c.streamRoutes(), delta: () => c.deltaRoutes() });
    }
    case "clusters": {
      const c = new ClusterDiscoveryServiceClient(address, creds);
      return Object.assign(c, { stream: () => c.streamClusters(), delta: () => c.deltaClusters() });
    }
    case "endpoints": {
      const c = new EndpointDiscoveryServiceClient(address, creds);
      return Object.assign(c, { stream: () => c.streamEndpoints(), delta: () => c.deltaEndpoints() });
    }
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const logger = pino({ level: "silent" });
  const store = new MemoryStore();
  const status = new StatusRegistry();
  const builder = new SnapshotBuilder({
    store,
    logger,
    debounceMs: 1,
    maxDelayMs: 5,
    ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
  });
  if (options.startSnapshots ?? true) await builder.start();
  let streamId = 0;
  const now = options.now ?? Date.now;
  const context: XdsContext = {
    snapshots: builder,
    status,
    logger,
    metrics: undefined,
    controlPlane: encodeControlPlane("weft-test"),
    now: () => new Date(now()),
    nextStreamId: () => ++streamId,
    view: options.view,
    convergence: options.convergence,
  };
  const server = new XdsServer({ context, ...(options.services ? { services: options.services } : {}) });
  const port = await server.listen("127.0.0.1", 0);
  if (options.serving ?? true) server.setServing(true);
  const address = `127.0.0.1:${port}`;
  const client = new AggregatedDiscoveryServiceClient(address, credentials.createInsecure());
  const perType = new Map<KindName, PerTypeClient>();
  const perTypeOf = (kind: KindName) => {
    let c = perType.get(kind);
    if (!c) {
      c = perTypeClient(kind, address);
      perType.set(kind, c);
    }
    return c;
  };
  const secrets = new SecretDiscoveryServiceClient(address, credentials.createInsecure());
  const csds = new ClientStatusDiscoveryServiceClient(address, credentials.createInsecure());
  const health = new HealthClient(address, credentials.createInsecure());
  const reflection = new reflectionV1.ServerReflectionClient(address, credentials.createInsecure());
  const reflectionAlpha = new reflectionV1alpha.ServerReflectionClient(address, credentials.createInsecure());
  const streams: Stream<unknown, unknown>[] = [];
  const track = <Req, Res>(stream: Stream<Req, Res>) => {
    streams.push(stream as Stream<unknown, unknown>);
    return stream;
  };

  // Bounded, so a snapshot that never comes (a build that failed: the logger is silent) fails the
  // test instead of leaving its file running forever.
  const published = (revision: number) =>
    new Promise<void>((resolve, reject) => {
      if ((builder.current()?.revision ?? 0) >= revision) return resolve();
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no snapshot with revision ${revision} within 10 s`));
      }, 10_000);
      const off = builder.subscribe((s) => {
        if (s.revision >= revision) {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    });

  const statusChanges: ChangeSource = (listener) => status.watch(() => listener());

  const change = async (changes: { put?: [KindName, unknown][]; remove?: [KindName, string][] }) => {
    const mutations: Mutation[] = [
      ...(changes.put ?? []).map(([kind, json]): Mutation => {
        const parsed = parseResource(kind, json);
        return { op: "put", kind, name: parsed.name, json: parsed.json, version: parsed.version };
      }),
      ...(changes.remove ?? []).map(([kind, name]): Mutation => ({ op: "delete", kind, name })),
    ];
    await published((await store.commit(mutations)).revision);
  };

  return {
    store,
    status,
    builder,
    server,
    address,
    changes: statusChanges,
    until: (check, what, timeoutMs) => until([statusChanges], check, what, timeoutMs),
    csds,
    health,
    reflection,
    reflectionV1alpha: reflectionAlpha,
    put: (...items) => change({ put: items }),
    remove: (...items) => change({ remove: items }),
    change,
    ads: () => track(new Stream<DiscoveryRequest, DiscoveryResponse>(client.streamAggregatedResources())),
    deltaAds: () => track(new Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(client.deltaAggregatedResources())),
    sotw: (kind) => track(new Stream<DiscoveryRequest, DiscoveryResponse>(perTypeOf(kind).stream())),
    delta: (kind) => track(new Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(perTypeOf(kind).delta())),
    sds: () => track(new Stream<DiscoveryRequest, DiscoveryResponse>(secrets.streamSecrets())),
    deltaSds: () => track(new Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(secrets.deltaSecrets())),
    async close() {
      for (const s of streams) s.cancel();
      client.close();
      for (const c of perType.values()) c.close();
      secrets.close();
      csds.close();
      health.close();
      reflection.close();
      reflectionAlpha.close();
      await server.shutdown(100);
      builder.stop();
      await store.close();
    },
  };
}

/** A client stream whose responses are read with next(), each within a timeout. */
export class Stream<Req, Res> {
  readonly #call: ClientDuplexStream<Req, Res>;
  readonly #queue: Res[] = [];
  readonly #waiters: ((value: Res | Error) => void)[] = [];
  #error: ServiceError | undefined;

  constructor(call: ClientDuplexStream<Req, Res>) {
    this.#call = call;
    call.on("data", (response: Res) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(response);
      else this.#queue.push(response);
    });
    call.on("error", (error: ServiceError) => {
      this.#error = error;
      for (const waiter of this.#waiters.splice(0)) waiter(error);
    });
  }

  send(request: Req): void {
    this.#call.write(request);
  }

  /** The next response; rejects after `timeoutMs` without one, or when the stream fails. */
  next(timeoutMs = 2_000): Promise<Res> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const waiter = (value: Res | Error) => {
        clearTimeout(timer);
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Resolves true if no response arrives within `ms` (the server stayed silent). */
  async silent(ms = 150): Promise<boolean> {
    try {
      const response = await this.next(ms);
      this.#queue.unshift(response);
      return false;
    } catch {
      return true;
    }
  }

  /** The error that ended the stream, once it has. */
  failure(timeoutMs = 2_000): Promise<ServiceError> {
    if (this.#error) return Promise.resolve(this.#error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("stream did not fail")), timeoutMs);
      this.#call.on("error", (error: ServiceError) => {
        clearTimeout(timer);
        resolve(error);
      });
    });
  }

  /** Half-closes: the client sends no more requests. */
  end(): void {
    this.#call.end();
  }

  cancel(): void {
    this.#call.cancel();
  }
}

/** A SotW request with defaults filled in. */
export function request(fields: Omit<Partial<DiscoveryRequest>, "node"> & { node?: Partial<Node> }): DiscoveryRequest {
  return DiscoveryRequest.fromPartial({ node: { id: "test-node", cluster: "test" }, ...fields } as DiscoveryRequest);
}

/** A delta request with defaults filled in (a node, like a client's first message). */
export function deltaRequest(
  fields: Omit<Partial<DeltaDiscoveryRequest>, "node"> & { node?: Partial<Node> | undefined },
): DeltaDiscoveryRequest {
  return DeltaDiscoveryRequest.fromPartial({
    node: { id: "test-node", cluster: "test" },
    ...fields,
  } as DeltaDiscoveryRequest);
}

/** The names of the resources in a delta response, sorted. */
export function deltaNames(response: DeltaDiscoveryResponse): string[] {
  return response.resources.map((r) => r.name).sort();
}

/** How the status registry sees `typeUrl` on the connection of `nodeId` (GET /v1/proxies), if connected. */
export function typeStatusOf(h: Harness, nodeId: string, typeUrl: string): TypeStatus | undefined {
  return h.status.proxies().find((p) => p.nodeId === nodeId)?.types[typeUrl];
}

/** Resolves once `nodeId`'s `typeUrl` status passes `check`; rejects after 2 s naming `what`. */
export function typeStatusReaches(
  h: Harness,
  nodeId: string,
  typeUrl: string,
  check: (t: TypeStatus) => boolean,
  what: string,
): Promise<void> {
  return h.until(() => {
    const t = typeStatusOf(h, nodeId, typeUrl);
    return t !== undefined && check(t);
  }, what);
}

/** Resource names in a SotW response, decoded from their Any. */
export function names(
  response: DiscoveryResponse,
  decode: (bytes: Uint8Array) => { name?: string; clusterName?: string },
): string[] {
  return response.resources.map((any) => {
    const message = decode(any.value);
    return message.name ?? message.clusterName ?? "";
  });
}

// Small resources for tests.
export const cluster = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: "EDS",
  eds_cluster_config: { eds_config: { ads: {} } },
  connect_timeout: "1s",
  ...extra,
});
export const endpoints = (name: string, port = 8080) => ({
  cluster_name: name,
  endpoints: [
    {
      locality: {},
      load_balancing_weight: 1,
      lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }],
    },
  ],
});
export const routeConfig = (name: string, clusterName: string, prefix = "/") => ({
  name,
  virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix }, route: { cluster: clusterName } }] }],
});
export const listener = (name: string, routeName: string, port = 10000) => ({
  name,
  address: { socket_address: { address: "127.0.0.1", port_value: port } },
  filter_chains: [
    {
      filters: [
        {
          name: "envoy.filters.network.http_connection_manager",
          typed_config: {
            "@type":
              "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            stat_prefix: "http",
            rds: { route_config_name: routeName, config_source: { ads: {} } },
            http_filters: [
              {
                name: "router",
                typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
              },
            ],
          },
        },
      ],
    },
  ],
});

/**
 * One type's side of a delta client on a stream: sends the node on its first request only (as
 * clients do), and checks every response it reads carries a nonce and the expected type_url.
 */
export class DeltaClient {
  readonly stream: Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  /** type_url written in requests ("" on a per-type service, where it is implied). */
  readonly requestTypeUrl: string;
  /** type_url every response must carry. */
  readonly typeUrl: string;
  #node: Node | undefined;

  constructor(
    stream: Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    types: { request: string; response: string },
    /** Sent on the first request; null sends none (another type on the stream sent it). */
    node: Partial<Node> | null = { id: "test-node", cluster: "test" },
  ) {
    this.stream = stream;
    this.requestTypeUrl = types.request;
    this.typeUrl = types.response;
    this.#node = node === null ? undefined : Node.fromPartial(node as Node);
  }

  send(fields: Partial<DeltaDiscoveryRequest> = {}): void {
    const node = this.#node;
    this.#node = undefined;
    this.stream.send({
      node,
      typeUrl: this.requestTypeUrl,
      resourceNamesSubscribe: [],
      resourceNamesUnsubscribe: [],
      initialResourceVersions: {},
      responseNonce: "",
      errorDetail: undefined,
      ...fields,
    });
  }

  subscribe(names: string[], fields: Partial<DeltaDiscoveryRequest> = {}): void {
    this.send({ resourceNamesSubscribe: names, ...fields });
  }

  unsubscribe(names: string[], fields: Partial<DeltaDiscoveryRequest> = {}): void {
    this.send({ resourceNamesUnsubscribe: names, ...fields });
  }

  ack(response: DeltaDiscoveryResponse): void {
    this.send({ responseNonce: response.nonce });
  }

  nack(response: DeltaDiscoveryResponse, message = "rejected by test"): void {
    this.send({ responseNonce: response.nonce, errorDetail: { code: 3, message, details: [] } });
  }

  /** The next response for this type; every one must carry a nonce (docs/xds-protocol.md #19) and this type_url. */
  async next(timeoutMs?: number): Promise<DeltaDiscoveryResponse> {
    const response = await this.stream.next(timeoutMs);
    if (response.nonce === "") throw new Error("a delta response without a nonce");
    if (response.typeUrl !== this.typeUrl)
      throw new Error(`expected a response for ${this.typeUrl}, got ${response.typeUrl}`);
    return response;
  }

  /** The next response, ACKed. */
  async nextAcked(timeoutMs?: number): Promise<DeltaDiscoveryResponse> {
    const response = await this.next(timeoutMs);
    this.ack(response);
    return response;
  }

  silent(ms?: number): Promise<boolean> {
    return this.stream.silent(ms);
  }

  cancel(): void {
    this.stream.cancel();
  }
}

/**
 * The small mesh most protocol tests start from: clusters a and b (endpoints stored for a only),
 * route configurations r1 -> a and r2 -> b, and listener l1 over r1 (left out with `listener: false`).
 */
export async function seedMesh(h: Harness, options: { listener?: boolean } = {}): Promise<void> {
  await h.put(
    ["clusters", cluster("a")],
    ["clusters", cluster("b")],
    ["endpoints", endpoints("a")],
    ["routes", routeConfig("r1", "a")],
    ["routes", routeConfig("r2", "b")],
    ...(options.listener === false ? [] : [["listeners", listener("l1", "r1")] as [KindName, unknown]]),
  );
}
