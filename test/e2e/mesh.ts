// Envoy-style resources for the end-to-end tests, and a small client of the REST API that puts them.
import assert from "node:assert/strict";

export type Json = Record<string, unknown>;

const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
const TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const HTTP_OPTIONS = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

/** An HTTP listener on 127.0.0.1:port whose routes come over RDS as `routeName`. */
export function httpListener(name: string, port: number, routeName: string, hcmExtra: Json = {}): Json {
  return {
    name,
    address: { socket_address: { address: "127.0.0.1", port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": HCM,
              stat_prefix: name,
              rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: "V3" } },
              http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": ROUTER } }],
              ...hcmExtra,
            },
          },
        ],
      },
    ],
  };
}

/** A TCP proxy listener on 127.0.0.1:port to `cluster`. */
export function tcpListener(name: string, port: number, cluster: string): Json {
  return {
    name,
    address: { socket_address: { address: "127.0.0.1", port_value: port } },
    filter_chains: [
      {
        filters: [
          { name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": TCP_PROXY, stat_prefix: name, cluster } },
        ],
      },
    ],
  };
}

/** A route configuration sending every request to the clusters by weight (one cluster: plain). */
export function routes(name: string, weights: Readonly<Record<string, number>>, routeExtra: Json = {}): Json {
  const entries = Object.entries(weights);
  const action =
    entries.length === 1
      ? { cluster: entries[0]?.[0] }
      : { weighted_clusters: { clusters: entries.map(([cluster, weight]) => ({ name: cluster, weight })) } };
  return {
    name,
    virtual_hosts: [
      { name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { ...action, ...routeExtra } }] },
    ],
  };
}

/** An EDS cluster; `http2` makes it speak HTTP/2 (h2c) upstream. */
export function edsCluster(name: string, http2 = false): Json {
  return {
    name,
    type: "EDS",
    connect_timeout: "1s",
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: "V3" } },
    ...(http2
      ? {
          typed_extension_protocol_options: {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
              "@type": HTTP_OPTIONS,
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        }
      : {}),
  };
}

/** The endpoints of `cluster`: 127.0.0.1 at each port. */
export function endpoints(cluster: string, ports: readonly number[]): Json {
  return {
    cluster_name: cluster,
    endpoints: [
      {
        locality: {},
        lb_endpoints: ports.map((port) => ({
          endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } },
        })),
      },
    ],
  };
}

export type Kind = "listeners" | "routes" | "clusters" | "endpoints";

/** A client of the control plane's REST API at `base` (e.g. http://127.0.0.1:18080). */
export class Api {
  constructor(readonly base: string) {}

  async put(kind: Kind, name: string, body: Json): Promise<Json> {
    const res = await fetch(`${this.base}/v1/resources/${kind}/${encodeURIComponent(name)}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Json;
    assert.equal(res.status, 200, `PUT ${kind}/${name}: ${JSON.stringify(json)}`);
    return json;
  }

  async apply(resources: readonly { kind: Kind; resource: Json }[]): Promise<Json> {
    const res = await fetch(`${this.base}/v1/apply`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resources }),
    });
    const json = (await res.json()) as Json;
    assert.equal(res.status, 200, `apply: ${JSON.stringify(json)}`);
    return json;
  }

  async delete(kind: Kind, name: string): Promise<void> {
    const res = await fetch(`${this.base}/v1/resources/${kind}/${encodeURIComponent(name)}?force=true`, {
      method: "DELETE",
    });
    await res.body?.cancel();
    assert.equal(res.status, 200, `DELETE ${kind}/${name}`);
  }

  async proxies(): Promise<ProxyStatus[]> {
    const res = await fetch(`${this.base}/v1/proxies`);
    return ((await res.json()) as { proxies: ProxyStatus[] }).proxies;
  }
}

export interface ProxyStatus {
  readonly nodeId: string;
  readonly types: Record<
    string,
    { state: string; versionSent: string; versionAcked: string; lastNack: { message: string } | null }
  >;
}
