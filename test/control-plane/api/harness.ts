// An API built on a MemoryStore and a fake status source, driven with fastify's inject(): the
// whole HTTP layer (routing, hooks, parsers, serialization) without a socket.
import assert from "node:assert/strict";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import pino from "pino";
import type { ApiApp } from "../../../control-plane/src/api/api-context.js";
import { type ApiOptions, buildApi } from "../../../control-plane/src/api/app.js";
import { Metrics } from "../../../control-plane/src/metrics.js";
import type { NackRecord, ProxyStatus, ProxyStatusSource } from "../../../control-plane/src/status/proxy-status.js";
import type { StoreState } from "../../../control-plane/src/store/config-store.js";
import { MemoryStore, type MemoryStoreOptions } from "../../../control-plane/src/store/memory-store.js";

export type Json = Record<string, unknown>;

/** A STATIC cluster: references nothing, so writing it gives no warnings. */
export function staticCluster(name: string, port = 8080): Json {
  return {
    name,
    type: "STATIC",
    connect_timeout: "0.25s",
    load_assignment: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] },
      ],
    },
  };
}

/** An EDS cluster taking its endpoints from `service`. */
export function edsCluster(name: string, service = name): Json {
  return {
    name,
    type: "EDS",
    connect_timeout: "1s",
    eds_cluster_config: { eds_config: { ads: {} }, service_name: service },
  };
}

export function endpoints(clusterName: string, port = 9000): Json {
  return {
    cluster_name: clusterName,
    endpoints: [
      {
        locality: { zone: "a" },
        lb_endpoints: [{ endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: port } } } }],
      },
    ],
  };
}

/** A route configuration sending everything to `cluster`. */
export function route(name: string, cluster: string): Json {
  return {
    name,
    virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster } }] }],
  };
}

/** A listener whose HTTP connection manager takes its routes from RDS `routeName`. */
export function listener(name: string, routeName: string, port = 10000): Json {
  return {
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
                  name: "envoy.filters.http.router",
                  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

export class FakeProxies implements ProxyStatusSource {
  list: ProxyStatus[] = [];
  proxies(): ProxyStatus[] {
    return this.list;
  }
  nacks: NackRecord[] = [];
  recentNacks(): NackRecord[] {
    return this.nacks;
  }
}

export interface Harness {
  readonly app: ApiApp;
  readonly store: MemoryStore;
  readonly metrics: Metrics;
  readonly proxies: FakeProxies;
  setReady(ready: boolean): void;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function harness(
  options: Partial<Omit<ApiOptions, "store" | "proxies" | "metrics" | "logger" | "ready">> & {
    store?: MemoryStoreOptions;
  } = {},
): Promise<Harness> {
  const { store: storeOptions, ...apiOptions } = options;
  const store = new MemoryStore(storeOptions);
  const metrics = new Metrics();
  const proxies = new FakeProxies();
  let ready = true;
  const app = buildApi({
    store,
    proxies,
    metrics,
    logger: pino({ level: "silent" }),
    ready: () => ready,
    ...apiOptions,
  });
  await app.ready();
  return {
    app,
    store,
    metrics,
    proxies,
    setReady: (value) => {
      ready = value;
    },
    inject: (injectOptions) => app.inject(injectOptions),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** PUT a resource as JSON. */
export function put(h: Harness, kind: string, name: string, body: unknown, headers: Record<string, string> = {}) {
  return h.inject({
    method: "PUT",
    url: `/v1/resources/${kind}/${encodeURIComponent(name)}`,
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify(body),
  });
}

/** Asserts an error response: status, the README's error shape, and the WEFT_ code. */
export function assertError(response: LightMyRequestResponse, status: number, code: string): Json {
  assert.equal(response.statusCode, status, `expected ${status} ${code}, got ${response.statusCode}: ${response.body}`);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  const body = response.json() as {
    error: { code: string; message: string; details: { path: string; message: string }[] };
  };
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, "string");
  assert.ok(Array.isArray(body.error.details));
  for (const detail of body.error.details) {
    assert.equal(typeof detail.path, "string");
    assert.equal(typeof detail.message, "string");
  }
  return body.error as unknown as Json;
}

/** Runs `action` and asserts the store's state (revision and every resource) did not change. */
export async function assertNothingStored(h: Harness, action: () => Promise<unknown>): Promise<void> {
  const before: StoreState = await h.store.current();
  await action();
  const after: StoreState = await h.store.current();
  assert.equal(after.revision, before.revision, "the store revision changed");
  assert.deepEqual(after.resources, before.resources);
}
