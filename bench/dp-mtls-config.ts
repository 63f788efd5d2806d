// The raw xDS resources of the mTLS data-plane benchmark: two proxies on one control plane, told
// apart by node id (each listener is scoped to its proxy with the `weft` filter metadata), carrying
// both variants side by side so one pair of processes serves both and the runs can alternate.
//
//   wrk -> web proxy :plainIn  -> cluster catalog-plain -> catalog proxy :plainIn -> cluster app -> backend
//   wrk -> web proxy :mtlsIn   -> cluster catalog-mtls  -> catalog proxy :mtlsIn  -> cluster app -> backend
//
// The mTLS hop is set up as a STRICT mesh sets it up: the catalog listener requires a client
// certificate chaining to the mesh root whose URI SAN is the web service's SPIFFE ID, and the
// web proxy's cluster presents the web certificate and accepts only the catalog SPIFFE ID. The
// certificates are files on this machine (see dp-mtls-pki.ts).
import type { BenchPki } from "./dp-mtls-pki.js";

type Json = Record<string, unknown>;
export type Kind = "listeners" | "routes" | "clusters" | "endpoints";

export const WEB_NODE = "bench-web";
export const CATALOG_NODE = "bench-catalog";

const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
const DOWNSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const UPSTREAM_TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

export interface MtlsPorts {
  readonly backend: number;
  readonly webPlain: number;
  readonly webMtls: number;
  readonly catalogPlain: number;
  readonly catalogMtls: number;
}

const address = (port: number) => ({ socket_address: { address: "127.0.0.1", port_value: port } });
const uriSan = (spiffeId: string) => ({ san_type: "URI", matcher: { exact: spiffeId } });

function staticCluster(name: string, port: number, transportSocket?: Json): Json {
  return {
    name,
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: address(port) } }] }] },
    ...(transportSocket === undefined ? {} : { transport_socket: transportSocket }),
  };
}

/** Every request, whatever its host, to `cluster`. */
function routeTo(name: string, cluster: string): Json {
  return {
    name,
    virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster } }] }],
  };
}

function listener(name: string, node: string, port: number, routeName: string, transportSocket?: Json): Json {
  return {
    name,
    address: address(port),
    metadata: { filter_metadata: { weft: { node_ids: [node] } } },
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
            },
          },
        ],
        ...(transportSocket === undefined ? {} : { transport_socket: transportSocket }),
      },
    ],
  };
}

function certificateFiles(pki: BenchPki, service: string): Json {
  const workload = pki.workloads[service];
  if (workload === undefined) throw new Error(`no certificate minted for ${service}`);
  return { certificate_chain: { filename: workload.chainFile }, private_key: { filename: workload.keyFile } };
}

function spiffeIdOf(pki: BenchPki, service: string): string {
  const workload = pki.workloads[service];
  if (workload === undefined) throw new Error(`no certificate minted for ${service}`);
  return workload.spiffeId;
}

/** The catalog listener's context: its certificate, and a client certificate from `web` required. */
function catalogServerTls(pki: BenchPki): Json {
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": DOWNSTREAM_TLS,
      require_client_certificate: true,
      common_tls_context: {
        tls_certificates: [certificateFiles(pki, "catalog")],
        validation_context: {
          trusted_ca: { filename: pki.rootFile },
          match_typed_subject_alt_names: [uriSan(spiffeIdOf(pki, "web"))],
        },
      },
    },
  };
}

/** The web proxy's cluster context: the web certificate presented, only `catalog` accepted. */
function webClientTls(pki: BenchPki): Json {
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": UPSTREAM_TLS,
      common_tls_context: {
        tls_certificates: [certificateFiles(pki, "web")],
        validation_context: {
          trusted_ca: { filename: pki.rootFile },
          match_typed_subject_alt_names: [uriSan(spiffeIdOf(pki, "catalog"))],
        },
      },
    },
  };
}

export function mtlsResources(ports: MtlsPorts, pki: BenchPki): { kind: Kind; resource: Json }[] {
  return [
    { kind: "clusters", resource: staticCluster("app", ports.backend) },
    { kind: "clusters", resource: staticCluster("catalog-plain", ports.catalogPlain) },
    { kind: "clusters", resource: staticCluster("catalog-mtls", ports.catalogMtls, webClientTls(pki)) },
    { kind: "routes", resource: routeTo("to-app", "app") },
    { kind: "routes", resource: routeTo("to-catalog-plain", "catalog-plain") },
    { kind: "routes", resource: routeTo("to-catalog-mtls", "catalog-mtls") },
    { kind: "listeners", resource: listener("web-out-plain", WEB_NODE, ports.webPlain, "to-catalog-plain") },
    { kind: "listeners", resource: listener("web-out-mtls", WEB_NODE, ports.webMtls, "to-catalog-mtls") },
    { kind: "listeners", resource: listener("catalog-in-plain", CATALOG_NODE, ports.catalogPlain, "to-app") },
    {
      kind: "listeners",
      resource: listener("catalog-in-mtls", CATALOG_NODE, ports.catalogMtls, "to-app", catalogServerTls(pki)),
    },
  ];
}
