// A real xDS server on 127.0.0.1 (port 0) over an in-memory store, and real gRPC clients that
// read responses one at a time with a timeout. For tests that drive the protocol step by step.
import { type ClientDuplexStream, credentials, type ServiceError } from "@grpc/grpc-js";
import pino from "pino";
import { KINDS, parseResource, type ResourceKind } from "../../../control-plane/src/resources/index.js";
import { SnapshotBuilder } from "../../../control-plane/src/snapshot/snapshot-builder.js";
import { StatusRegistry } from "../../../control-plane/src/status/registry.js";
import { MemoryStore } from "../../../control-plane/src/store/memory-store.js";
import type { XdsContext } from "../../../control-plane/src/xds/context.js";
import { encodeControlPlane } from "../../../control-plane/src/xds/wire.js";
import { XdsServer } from "../../../control-plane/src/xds/xds-server.js";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base.js";
import { AggregatedDiscoveryServiceClient } from "../../../proto/gen/envoy/service/discovery/v3/ads.js";
import {
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";

export const LDS = KINDS.listeners.typeUrl;
export const RDS = KINDS.routes.typeUrl;
export const CDS = KINDS.clusters.typeUrl;
export const EDS = KINDS.endpoints.typeUrl;

export interface Harness {
  readonly store: MemoryStore;
  readonly status: StatusRegistry;
  readonly builder: SnapshotBuilder;
  readonly address: string;
  /** Stores resources (JSON as the API takes it) in one commit and waits for the snapshot that holds them. */
  put(...items: [ResourceKind, unknown][]): Promise<void>;
  remove(...items: [ResourceKind, string][]): Promise<void>;
  ads(): Stream<DiscoveryRequest, DiscoveryResponse>;
  deltaAds(): Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  close(): Promise<void>;
}

export async function startHarness(options: { view?: XdsContext["view"] } = {}): Promise<Harness> {
  const logger = pino({ level: "silent" });
  const store = new MemoryStore();
  const status = new StatusRegistry();
  const builder = new SnapshotBuilder({ store, logger, debounceMs: 1, maxDelayMs: 5 });
  await builder.start();
  let streamId = 0;
  const context: XdsContext = {
    snapshots: builder,
    status,
    logger,
    metrics: undefined,
    controlPlane: encodeControlPlane("weft-test"),
    now: () => new Date(),
    nextStreamId: () => ++streamId,
    view: options.view,
  };
  const server = new XdsServer({ context });
  const port = await server.listen("127.0.0.1", 0);
  server.setServing(true);
  const address = `127.0.0.1:${port}`;
  const client = new AggregatedDiscoveryServiceClient(address, credentials.createInsecure());
  const streams: Stream<unknown, unknown>[] = [];

  const published = (revision: number) =>
    new Promise<void>((resolve) => {
      if ((builder.current()?.revision ?? 0) >= revision) return resolve();
      const off = builder.subscribe((s) => {
        if (s.revision >= revision) {
          off();
          resolve();
        }
      });
    });

  return {
    store,
    status,
    builder,
    address,
    async put(...items) {
      const mutations = items.map(([kind, json]) => {
        const parsed = parseResource(kind, json);
        return { op: "put" as const, kind, name: parsed.name, json: parsed.json, version: parsed.version };
      });
      await published((await store.commit(mutations)).revision);
    },
    async remove(...items) {
      const result = await store.commit(items.map(([kind, name]) => ({ op: "delete" as const, kind, name })));
      await published(result.revision);
    },
    ads() {
      const stream = new Stream<DiscoveryRequest, DiscoveryResponse>(client.streamAggregatedResources());
      streams.push(stream as Stream<unknown, unknown>);
      return stream;
    },
    deltaAds() {
      const stream = new Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(client.deltaAggregatedResources());
      streams.push(stream as Stream<unknown, unknown>);
      return stream;
    },
    async close() {
      for (const s of streams) s.cancel();
      client.close();
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

  cancel(): void {
    this.#call.cancel();
  }
}

/** A SotW request with defaults filled in. */
export function request(fields: Omit<Partial<DiscoveryRequest>, "node"> & { node?: Partial<Node> }): DiscoveryRequest {
  return DiscoveryRequest.fromPartial({ node: { id: "test-node", cluster: "test" }, ...fields } as DiscoveryRequest);
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
