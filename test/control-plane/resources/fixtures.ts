// Valid resources of each kind, a path-based editor to derive invalid ones, and assertions on the
// details parseResource refuses them with. Paths in edits use the same snake_case syntax as details.
import assert from "node:assert/strict";
import type { ErrorDetail } from "../../../control-plane/src/errors.js";
import { WeftError } from "../../../control-plane/src/errors.js";
import { type KindName, parseResource } from "../../../control-plane/src/resources/index.js";
import type { ValidationCode } from "../../../control-plane/src/resources/validation-codes.js";
import { TypeUrl } from "../../../proto/index.js";

export type Json = Record<string, unknown>;

export const ROUTER_FILTER = { name: "envoy.filters.http.router", typed_config: { "@type": TypeUrl.router } };

/** A proxy listener whose HttpConnectionManager takes its routes from RDS. */
export const LISTENER: Json = {
  name: "ingress",
  address: { socket_address: { address: "0.0.0.0", port_value: 10000 } },
  filter_chains: [
    {
      filters: [
        {
          name: "envoy.filters.network.http_connection_manager",
          typed_config: {
            "@type": TypeUrl.httpConnectionManager,
            stat_prefix: "ingress_http",
            rds: { route_config_name: "local_route", config_source: { ads: {} } },
            http_filters: [ROUTER_FILTER],
            stream_idle_timeout: "300s",
            upgrade_configs: [{ upgrade_type: "websocket" }],
          },
        },
      ],
    },
  ],
};

/** A TCP listener with two chains told apart by server name, and a default chain. */
export const TCP_LISTENER: Json = {
  name: "tcp",
  address: { socket_address: { address: "::", port_value: 9000 } },
  filter_chains: [
    {
      filter_chain_match: { server_names: ["a.example.com", "*.b.example.com"] },
      filters: [
        {
          name: "envoy.filters.network.tcp_proxy",
          typed_config: { "@type": TypeUrl.tcpProxy, stat_prefix: "tcp_a", cluster: "a" },
        },
      ],
    },
    {
      filter_chain_match: {
        server_names: ["c.example.com"],
        prefix_ranges: [{ address_prefix: "10.0.0.0", prefix_len: 8 }],
      },
      filters: [
        {
          name: "envoy.filters.network.tcp_proxy",
          typed_config: {
            "@type": TypeUrl.tcpProxy,
            stat_prefix: "tcp_c",
            weighted_clusters: {
              clusters: [
                { name: "c1", weight: 1 },
                { name: "c2", weight: 3 },
              ],
            },
            idle_timeout: "60s",
          },
        },
      ],
    },
  ],
  default_filter_chain: {
    filters: [
      {
        name: "envoy.filters.network.tcp_proxy",
        typed_config: { "@type": TypeUrl.tcpProxy, stat_prefix: "d", cluster: "d" },
      },
    ],
  },
};

/** The listener a gRPC client asks for by target name (`xds:///echo`). */
export const API_LISTENER: Json = {
  name: "echo",
  api_listener: {
    api_listener: {
      "@type": TypeUrl.httpConnectionManager,
      rds: { route_config_name: "echo-routes", config_source: { ads: {} } },
      http_filters: [ROUTER_FILTER],
    },
  },
};

export const ROUTE: Json = {
  name: "local_route",
  virtual_hosts: [
    {
      name: "backend",
      domains: ["example.com", "*.example.com", "example.*"],
      routes: [
        {
          match: { prefix: "/api", headers: [{ name: "x-canary", string_match: { exact: "1" } }] },
          route: { cluster: "v2", prefix_rewrite: "/" },
        },
        {
          match: {
            safe_regex: { regex: "^/v[0-9]+/.*" },
            query_parameters: [{ name: "debug", present_match: true }],
          },
          route: {
            weighted_clusters: {
              clusters: [
                { name: "v1", weight: 90 },
                { name: "v2", weight: 10 },
              ],
            },
            timeout: "2.5s",
            retry_policy: {
              retry_on: "5xx,reset, retriable-status-codes",
              num_retries: 3,
              per_try_timeout: "0.250s",
              retriable_status_codes: [503],
              retry_back_off: { base_interval: "0.1s", max_interval: "1s" },
            },
            hash_policy: [{ header: { header_name: "x-user" } }],
          },
        },
        { match: { path: "/old" }, redirect: { path_redirect: "/new", response_code: "PERMANENT_REDIRECT" } },
        { match: { prefix: "/" }, direct_response: { status: 404, body: { inline_string: "nothing here" } } },
      ],
      response_headers_to_add: [{ header: { key: "x-served-by", value: "weft" } }],
    },
    {
      name: "other",
      domains: ["*"],
      routes: [{ match: { path_separated_prefix: "/static" }, route: { cluster_header: "x-cluster" } }],
    },
  ],
};

export const CLUSTER_EDS: Json = {
  name: "backend",
  type: "EDS",
  eds_cluster_config: { eds_config: { ads: {} }, service_name: "backend-eds" },
  connect_timeout: "0.25s",
  lb_policy: "ROUND_ROBIN",
};

/** A DNS cluster using most of what a Cluster can say. */
export const CLUSTER_DNS: Json = {
  name: "search",
  type: "STRICT_DNS",
  connect_timeout: "1s",
  lb_policy: "RING_HASH",
  ring_hash_lb_config: { minimum_ring_size: 1024, maximum_ring_size: 8192 },
  dns_refresh_rate: "5s",
  dns_failure_refresh_rate: { base_interval: "1s", max_interval: "10s" },
  load_assignment: {
    cluster_name: "search",
    endpoints: [
      {
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: "search.internal", port_value: 443 } } } },
          { endpoint: { address: { socket_address: { address: "10.1.0.7", port_value: 443 } } } },
        ],
      },
    ],
  },
  health_checks: [
    {
      timeout: "1s",
      interval: "5s",
      healthy_threshold: 2,
      unhealthy_threshold: 3,
      http_health_check: { path: "/healthz", expected_statuses: [{ start: 200, end: 300 }] },
    },
    {
      timeout: "1s",
      interval: "5s",
      healthy_threshold: 1,
      unhealthy_threshold: 1,
      tcp_health_check: { send: { text: "0a0d" } },
    },
  ],
  circuit_breakers: {
    thresholds: [
      { priority: "DEFAULT", max_requests: 100 },
      { priority: "HIGH", max_requests: 200 },
    ],
  },
  outlier_detection: { consecutive_5xx: 5, interval: "10s", base_ejection_time: "30s", max_ejection_percent: 50 },
  typed_extension_protocol_options: {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
      "@type": TypeUrl.upstreamHttpProtocolOptions,
      explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } },
      common_http_protocol_options: { idle_timeout: "60s" },
    },
  },
  common_lb_config: { healthy_panic_threshold: { value: 50 } },
};

export const CLUSTER_AGGREGATE: Json = {
  name: "failover",
  cluster_type: {
    name: "envoy.clusters.aggregate",
    typed_config: { "@type": TypeUrl.aggregateCluster, clusters: ["primary", "secondary"] },
  },
  connect_timeout: "0.25s",
  lb_policy: "CLUSTER_PROVIDED",
};

export const ENDPOINTS: Json = {
  cluster_name: "backend-eds",
  endpoints: [
    {
      locality: { region: "eu", zone: "a" },
      load_balancing_weight: 10,
      lb_endpoints: [
        { endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: 8080 } } } },
        {
          endpoint: {
            address: { socket_address: { address: "10.0.0.2", port_value: 8080 } },
            health_check_config: { port_value: 9090 },
          },
          load_balancing_weight: 2,
          health_status: "HEALTHY",
        },
      ],
    },
    {
      locality: { region: "eu", zone: "b" },
      priority: 1,
      lb_endpoints: [{ endpoint: { address: { socket_address: { address: "fd00::1", port_value: 8080 } } } }],
    },
  ],
  policy: {
    overprovisioning_factor: 140,
    drop_overloads: [{ category: "throttle", drop_percentage: { numerator: 5, denominator: "HUNDRED" } }],
  },
};

/** Marks a key or array element to delete in `edited`. */
export const REMOVE = Symbol("remove");

type Segment = string | number;

function segments(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

type Container = Record<Segment, unknown>;

/**
 * A deep copy of `doc` with each `path: value` edit applied (values copied too, so fixtures are never
 * shared); missing objects and arrays on the way are created, and REMOVE deletes the key or element.
 */
export function edited(doc: Json, edits: Readonly<Record<string, unknown>>): Json {
  const copy = structuredClone(doc);
  for (const [path, value] of Object.entries(edits)) {
    const segs = segments(path);
    let node = copy as Container;
    segs.slice(0, -1).forEach((seg, i) => {
      if (node[seg] === undefined) node[seg] = typeof segs[i + 1] === "number" ? [] : {};
      node = node[seg] as Container;
    });
    const last = segs.at(-1) as Segment;
    if (value !== REMOVE) node[last] = structuredClone(value);
    else if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  }
  return copy;
}

/** Every detail parseResource refuses `json` with; empty when it accepts it. */
export function refusals(kind: KindName, json: unknown): readonly ErrorDetail[] {
  try {
    parseResource(kind, json);
    return [];
  } catch (error) {
    if (error instanceof WeftError) return error.details;
    throw error;
  }
}

export function assertAccepted(kind: KindName, json: unknown): void {
  assert.deepEqual(refusals(kind, json), []);
}

/** parseResource refuses `json` with (at least) a detail carrying `code` at `path`. */
export function assertRefused(kind: KindName, json: unknown, path: string, code: ValidationCode): ErrorDetail {
  const details = refusals(kind, json);
  const found = details.find((d) => d.path === path && d.code === code);
  assert.ok(found, `expected ${code} at ${path}; got ${JSON.stringify(details, null, 1)}`);
  return found;
}

/** One refusal rule: `edits` applied to `base` make parseResource refuse with `code` at `path`. */
export interface RefusalCase {
  readonly rule: string;
  readonly base: Json;
  readonly edits: Readonly<Record<string, unknown>>;
  readonly path: string;
  readonly code: ValidationCode;
}
