// A sidecar's own listeners: the outbound one (HTTP/1.1 and h2c, routed by the Service names of
// OUTBOUND_ROUTES, fetched over ADS) and the inbound one with the cluster of its app
// (docs/mesh.md, "Sidecar listeners"). These are the only per-instance resources of a view.

import { parseIp } from "../../../../proto/checks/index.js";
import { adsSource, http2ProtocolOptions } from "./clusters.js";
import { type CompiledResource, compiled, type EnvoyJson } from "./compiled-resource.js";
import { CONNECT_UPGRADE } from "./connect.js";
import { faultHttpFilter } from "./fault.js";
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_ROUTE_TIMEOUT } from "./mesh-defaults.js";
import { inboundChains, type MtlsMode } from "./mtls.js";
import { INBOUND_APP_CLUSTER, INBOUND_LISTENER, INBOUND_ROUTES, OUTBOUND_LISTENER, OUTBOUND_ROUTES } from "./names.js";
import { UNKNOWN_HOST_BODY } from "./outbound-routes.js";

const HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = "envoy.extensions.filters.http.router.v3.Router";
const TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

/** An address a listener binds or an app listens on. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** How the sidecar talks to its app: HTTP/1.1, HTTP/2 with prior knowledge (h2c, gRPC), or raw TCP. */
export type AppProtocol = "http" | "http2" | "tcp";

function socketAddress({ host, port }: HostPort): EnvoyJson {
  return { socketAddress: { address: host, portValue: port } };
}

/** `faults`: the fault filter goes before the router (outbound only: faults apply where routes pick backends). */
function httpConnectionManager(
  statPrefix: string,
  routes: EnvoyJson,
  faults: boolean,
  extra: EnvoyJson = {},
  filters: readonly EnvoyJson[] = [],
): EnvoyJson {
  const router = { name: "envoy.filters.http.router", typedConfig: { "@type": `type.googleapis.com/${ROUTER}` } };
  return {
    name: "envoy.filters.network.http_connection_manager",
    typedConfig: {
      "@type": `type.googleapis.com/${HCM}`,
      statPrefix,
      codecType: "AUTO",
      ...routes,
      // The fault filter injects only what a route's typed_per_filter_config asks for (fault.ts).
      httpFilters: [...filters, ...(faults ? [faultHttpFilter()] : []), router],
      ...extra,
    },
  };
}

/**
 * The outbound listener's rewrite of the router's 404 NR, which only a host naming no callable
 * Service gets (outbound-routes.ts): a body naming the host and how to list the Services.
 */
const UNKNOWN_HOST_REPLY: EnvoyJson = {
  mappers: [
    {
      filter: { responseFlagFilter: { flags: ["NR"] } },
      bodyFormatOverride: { textFormatSource: { inlineString: UNKNOWN_HOST_BODY } },
    },
  ],
};

/** The outbound listener on `address`: HTTP/1.1 and h2c, routes from OUTBOUND_ROUTES over ADS. */
export function compileOutboundListener(address: HostPort): CompiledResource<"listeners"> {
  const routes = { rds: { configSource: adsSource(), routeConfigName: OUTBOUND_ROUTES } };
  return compiled("listeners", {
    name: OUTBOUND_LISTENER,
    address: socketAddress(address),
    filterChains: [{ filters: [outboundManager(httpConnectionManager("outbound", routes, true))] }],
  });
}

/** The outbound connection manager: the unknown host's reply, and CONNECT terminated (connect.ts). */
function outboundManager(manager: EnvoyJson): EnvoyJson {
  const typedConfig = { ...(manager.typedConfig as EnvoyJson), localReplyConfig: UNKNOWN_HOST_REPLY };
  return { ...manager, typedConfig: { ...typedConfig, upgradeConfigs: CONNECT_UPGRADE } };
}

export interface InboundOptions {
  /** Where the inbound listener binds: the instance's endpoint in the mesh, a real port (not 0: the control plane refuses it). */
  readonly listen: HostPort;
  /** The app the sidecar fronts (an IP address, or a host name resolved by DNS). */
  readonly app: HostPort;
  readonly protocol: AppProtocol;
  /** How the inbound listener takes its callers (mtls.ts); DISABLE (plaintext) when absent. */
  readonly mtls?: MtlsMode;
  /** HTTP filters deciding who may call (authorization.ts), run before the router; HTTP apps only. */
  readonly authorization?: readonly EnvoyJson[];
}

export interface Inbound {
  readonly listener: CompiledResource<"listeners">;
  readonly cluster: CompiledResource<"clusters">;
}

/**
 * The inbound listener and the app's cluster. HTTP apps are reached through an HTTP connection
 * manager (HTTP/1.1 and h2c downstream) with one route to the app and no timeout or retries: the
 * caller's sidecar applies those; tcp apps through a TCP proxy.
 */
export function compileInbound(options: InboundOptions): Inbound {
  const { listen, app, protocol } = options;
  const filter =
    protocol === "tcp"
      ? {
          name: "envoy.filters.network.tcp_proxy",
          typedConfig: {
            "@type": `type.googleapis.com/${TCP_PROXY}`,
            statPrefix: "inbound",
            cluster: INBOUND_APP_CLUSTER,
          },
        }
      : httpConnectionManager(
          "inbound",
          {
            routeConfig: {
              name: INBOUND_ROUTES,
              virtualHosts: [
                {
                  name: INBOUND_ROUTES,
                  domains: ["*"],
                  routes: [
                    { match: { prefix: "/" }, route: { cluster: INBOUND_APP_CLUSTER, timeout: DEFAULT_ROUTE_TIMEOUT } },
                  ],
                },
              ],
            },
          },
          false,
          // The app learns its caller's identity as Envoy tells it (Istio's sidecar setting):
          // what came from further back, then this hop's client certificate (mTLS callers only).
          {
            forwardClientCertDetails: "APPEND_FORWARD",
            setCurrentClientCertDetails: { subject: true, dns: true, uri: true },
          },
          options.authorization ?? [],
        );
  const listener = compiled("listeners", {
    name: INBOUND_LISTENER,
    address: socketAddress(listen),
    ...inboundChains(options.mtls ?? "DISABLE", [filter]),
  });
  const byIp = parseIp(app.host) !== undefined;
  const cluster: EnvoyJson = {
    name: INBOUND_APP_CLUSTER,
    type: byIp ? "STATIC" : "STRICT_DNS",
    connectTimeout: DEFAULT_CONNECT_TIMEOUT,
    loadAssignment: {
      clusterName: INBOUND_APP_CLUSTER,
      endpoints: [{ locality: {}, lbEndpoints: [{ endpoint: { address: socketAddress(app) } }] }],
    },
  };
  if (protocol === "http2") cluster.typedExtensionProtocolOptions = http2ProtocolOptions();
  return { listener, cluster: compiled("clusters", cluster) };
}
