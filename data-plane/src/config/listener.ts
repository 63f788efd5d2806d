// Listener → RuntimeListener: one filter chain whose only network filter is the HTTP connection
// manager (router last; routes over ADS-delivered RDS or inline) or the TCP proxy, plaintext or
// TLS (its transport socket); or two such chains, alike but for their transport, told apart by
// filter_chain_match.transport_protocol ("tls" and "raw_buffer"): TLS and plaintext clients on one
// port, as Istio's PERMISSIVE mode sets a listener up.

import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import {
  Filter,
  type FilterChain,
  type FilterChainMatch,
  FilterChainMatch_ConnectionSourceType,
} from "../../../proto/gen/envoy/config/listener/v3/listener_components.js";
import {
  type HttpConnectionManager,
  HttpConnectionManager_CodecType,
  HttpConnectionManager_ForwardClientCertDetails,
} from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import type { TcpProxy } from "../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.js";
import type { RouteTable } from "../router/index.js";
import { anyTypeName, Cursor, durationMs, join, requireAds, socketAddress, unpack } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";
import { compileHttpFault, isHttpFault, type RuntimeFault } from "./http-fault.js";
import { buildLocalReply, type RuntimeLocalReply } from "./local-reply.js";
import { compileRbac, isRbacFilter, type RuntimeRbac } from "./rbac.js";
import { compileAt } from "./route-config.js";
import { buildTransportSocket, type RuntimeTls } from "./tls.js";

export interface RuntimeHttp {
  readonly codec: "auto" | "http1" | "http2";
  /** The route configuration to fetch over RDS; exactly one of this and routeTable is set. */
  readonly routeConfigName: string | undefined;
  /** The inline route configuration, compiled. */
  readonly routeTable: RouteTable | undefined;
  readonly statPrefix: string;
  readonly drainTimeoutMs: number;
  /** 0 disables. */
  readonly streamIdleTimeoutMs: number;
  /** 0 disables. */
  readonly requestTimeoutMs: number;
  /** 0 disables. */
  readonly requestHeadersTimeoutMs: number;
  readonly generateRequestId: boolean;
  readonly preserveExternalRequestId: boolean;
  readonly alwaysSetRequestIdInResponse: boolean;
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  readonly skipXffAppend: boolean;
  readonly serverName: string;
  readonly via: string;
  /** The fault filter, when http_filters lists it: its name (the key of per-route overrides) and own config. */
  readonly fault?: { readonly name: string; readonly config: RuntimeFault } | undefined;
  /** The RBAC filters http_filters lists, in order: a request must pass each. */
  readonly rbac?: readonly RuntimeRbac[] | undefined;
  /** How the proxy rewrites the replies it makes itself (local_reply_config); absent: as they are. */
  readonly localReply?: RuntimeLocalReply | undefined;
  /**
   * upgrade_configs enables CONNECT: a CONNECT matching a route that terminates it opens a tunnel.
   * Absent: CONNECT is answered 403, as Envoy does.
   */
  readonly connect?: boolean;
  /**
   * forward_client_cert_details and set_current_client_cert_details (x-forwarded-client-cert);
   * absent: SANITIZE, Envoy's default (the header is never sent on).
   */
  readonly clientCert?: RuntimeClientCert | undefined;
}

export interface RuntimeClientCert {
  readonly mode: "SANITIZE" | "FORWARD_ONLY" | "APPEND_FORWARD" | "SANITIZE_SET" | "ALWAYS_FORWARD_ONLY";
  readonly subject: boolean;
  readonly cert: boolean;
  readonly dns: boolean;
  readonly uri: boolean;
}

export interface RuntimeWeightedCluster {
  readonly name: string;
  readonly weight: number;
}

export interface RuntimeTcp {
  readonly statPrefix: string;
  /** Exactly one of cluster and weightedClusters is set. */
  readonly cluster: string | undefined;
  readonly weightedClusters: readonly RuntimeWeightedCluster[] | undefined;
  /** 0 disables. */
  readonly idleTimeoutMs: number;
}

export interface RuntimeListener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly kind: "http" | "tcp";
  readonly http: RuntimeHttp | undefined;
  readonly tcp: RuntimeTcp | undefined;
  /** TLS on accepted connections, and whether plaintext ones are served too; undefined: plaintext. */
  readonly transport?: RuntimeDownstreamTransport | undefined;
}

export interface RuntimeDownstreamTransport {
  readonly tls: RuntimeTls;
  /** A second filter chain, matching transport_protocol "raw_buffer", serves plaintext clients. */
  readonly plaintext: boolean;
}

// Envoy's defaults.
export const DEFAULT_DRAIN_TIMEOUT_MS = 5000;
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 3_600_000;

const HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const ROUTER = "envoy.extensions.filters.http.router.v3.Router";

export function buildListener(listener: Listener): RuntimeListener {
  const at: Cursor = new Cursor("listener", listener.name);
  if (listener.name === "") at.fail(Code.missingField, "name", "a name is required");
  if (listener.apiListener !== undefined) {
    at.fail(Code.apiListener, "api_listener", "an API listener is for gRPC clients, not for a proxy");
  }
  const { host, port } = socketAddress(at, "address", listener.address);

  const chains: { chain: FilterChain; field: string }[] = listener.filterChains.map((chain, i) => ({
    chain,
    field: `filter_chains[${i}]`,
  }));
  if (listener.defaultFilterChain !== undefined) {
    chains.push({ chain: listener.defaultFilterChain, field: "default_filter_chain" });
  }
  for (const [i, filter] of listener.listenerFilters.entries()) {
    const typeName = filter.typedConfig === undefined ? undefined : anyTypeName(filter.typedConfig);
    if (filter.name !== TLS_INSPECTOR_NAME && typeName !== TLS_INSPECTOR) {
      at.fail(
        Code.unsupportedFilter,
        `listener_filters[${i}]`,
        `unsupported listener filter ${typeName ?? JSON.stringify(filter.name)} (only the TLS inspector)`,
      );
    }
  }
  const { chain, field, transport } = pickChains(at, chains);
  const last = chain.filters.length - 1;
  if (last < 0) at.fail(Code.invalidFilterChain, join(field, "filters"), "a filter chain needs a terminal filter");
  let terminal: { typeName: string; path: string } | undefined;
  for (const [i, filter] of chain.filters.entries()) {
    const path = join(field, `filters[${i}]`);
    if (filter.typedConfig === undefined)
      at.fail(Code.missingField, join(path, "typed_config"), "typed_config is required");
    const typeName = anyTypeName(filter.typedConfig);
    if (typeName !== HCM && typeName !== TCP_PROXY) {
      at.fail(Code.unsupportedFilter, join(path, "typed_config"), `unsupported filter type ${typeName}`);
    }
    if (i !== last) {
      at.fail(Code.invalidFilterChain, path, `${typeName} is a terminal filter and must be the last and only one`);
    }
    terminal = { typeName, path };
  }
  const terminalFilter = chain.filters[last];
  if (terminal === undefined || terminalFilter?.typedConfig === undefined) {
    return at.fail(Code.invalidFilterChain, join(field, "filters"), "a filter chain needs a terminal filter");
  }
  const configPath = join(terminal.path, "typed_config");
  if (terminal.typeName === HCM) {
    const hcm = unpack<HttpConnectionManager>(at, configPath, terminalFilter.typedConfig, HCM);
    return Object.freeze({
      name: listener.name,
      host,
      port,
      kind: "http",
      http: buildHttp(at, configPath, hcm, listener.name),
      tcp: undefined,
      ...(transport === undefined ? {} : { transport }),
    });
  }
  const tcp = unpack<TcpProxy>(at, configPath, terminalFilter.typedConfig, TCP_PROXY);
  return Object.freeze({
    name: listener.name,
    host,
    port,
    kind: "tcp",
    http: undefined,
    tcp: buildTcp(at, configPath, tcp),
    ...(transport === undefined ? {} : { transport }),
  });
}

/** Whether a filter chain match sets anything besides transport_protocol. */
function matchesMoreThanTransport(match: FilterChainMatch): boolean {
  return (
    match.destinationPort !== undefined ||
    match.prefixRanges.length > 0 ||
    match.addressSuffix !== "" ||
    match.suffixLen !== undefined ||
    match.directSourcePrefixRanges.length > 0 ||
    match.sourceType !== FilterChainMatch_ConnectionSourceType.ANY ||
    match.sourcePrefixRanges.length > 0 ||
    match.sourcePorts.length > 0 ||
    match.serverNames.length > 0 ||
    match.applicationProtocols.length > 0
  );
}

const TLS_INSPECTOR_NAME = "envoy.filters.listener.tls_inspector";
const TLS_INSPECTOR = "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";

interface PickedChain {
  readonly chain: FilterChain;
  readonly field: string;
  readonly transport: RuntimeDownstreamTransport | undefined;
}

/**
 * The chain the listener runs: the only one, or of two chains that differ only in their
 * transport (one matching transport_protocol "tls" with a TLS socket, one "raw_buffer" or
 * unmatched without), the TLS one, serving plaintext too. Other filter chain matching is refused.
 */
function pickChains(at: Cursor, chains: readonly { chain: FilterChain; field: string }[]): PickedChain {
  const [first, second] = chains;
  if (first === undefined) return at.fail(Code.invalidFilterChain, "filter_chains", "a listener needs a filter chain");
  if (second === undefined) {
    const tls = buildTransportSocket(
      at,
      join(first.field, "transport_socket"),
      first.chain.transportSocket,
      "downstream",
    );
    return { ...first, transport: tls === undefined ? undefined : Object.freeze({ tls, plaintext: false }) };
  }
  const refuse: () => never = () =>
    at.fail(
      Code.unsupportedFeature,
      "filter_chains",
      'filter chain matching is not supported beyond two chains told apart by transport_protocol ("tls" with a TLS transport socket, "raw_buffer" without); give one chain',
    );
  if (chains.length > 2) refuse();
  const protocolOf = (chain: FilterChain): string => chain.filterChainMatch?.transportProtocol ?? "";
  const secure = [first, second].find((c) => protocolOf(c.chain) === "tls");
  const plain = [first, second].find((c) => c !== secure);
  if (secure === undefined || plain === undefined || !["", "raw_buffer"].includes(protocolOf(plain.chain))) refuse();
  for (const { chain, field } of [first, second]) {
    const match = chain.filterChainMatch;
    if (match === undefined) continue;
    if (matchesMoreThanTransport(match)) {
      at.fail(
        Code.unsupportedFeature,
        join(field, "filter_chain_match"),
        "only transport_protocol is matched on; other match fields are not supported",
      );
    }
  }
  const tls = buildTransportSocket(
    at,
    join(secure.field, "transport_socket"),
    secure.chain.transportSocket,
    "downstream",
  );
  if (tls === undefined) {
    return at.fail(
      Code.invalidFilterChain,
      join(secure.field, "transport_socket"),
      'the chain matching transport_protocol "tls" needs a TLS transport socket',
    );
  }
  const plainChain = plain.chain;
  if (plainChain.transportSocket !== undefined) {
    const other = buildTransportSocket(
      at,
      join(plain.field, "transport_socket"),
      plainChain.transportSocket,
      "downstream",
    );
    if (other !== undefined) {
      at.fail(
        Code.invalidFilterChain,
        join(plain.field, "transport_socket"),
        "the plaintext chain cannot have a TLS transport socket",
      );
    }
  }
  const sameFilters = (a: FilterChain, b: FilterChain): boolean =>
    a.filters.length === b.filters.length &&
    a.filters.every((f, i) => {
      const g = b.filters[i];
      return g !== undefined && Buffer.from(Filter.encode(f).finish()).equals(Filter.encode(g).finish());
    });
  if (!sameFilters(secure.chain, plainChain)) {
    at.fail(
      Code.unsupportedFeature,
      "filter_chains",
      "the TLS and plaintext chains must have the same filters (per-transport filters are not supported)",
    );
  }
  return { ...secure, transport: Object.freeze({ tls, plaintext: true }) };
}

const CODECS: Readonly<Partial<Record<HttpConnectionManager_CodecType, RuntimeHttp["codec"]>>> = {
  [HttpConnectionManager_CodecType.AUTO]: "auto",
  [HttpConnectionManager_CodecType.HTTP1]: "http1",
  [HttpConnectionManager_CodecType.HTTP2]: "http2",
};

function buildHttp(at: Cursor, base: string, hcm: HttpConnectionManager, listenerName: string): RuntimeHttp {
  const codec = CODECS[hcm.codecType];
  if (codec === undefined) {
    at.fail(
      Code.unsupportedFeature,
      join(base, "codec_type"),
      `${HttpConnectionManager_CodecType[hcm.codecType] ?? String(hcm.codecType)} is not supported (AUTO, HTTP1, HTTP2)`,
    );
  }

  const filters = hcm.httpFilters;
  if (filters.length === 0) at.fail(Code.routerNotLast, join(base, "http_filters"), "the router filter is required");
  let fault: RuntimeHttp["fault"];
  const rbac: RuntimeRbac[] = [];
  for (const [i, filter] of filters.entries()) {
    const path = join(base, `http_filters[${i}]`);
    const typeName = filter.typedConfig === undefined ? undefined : anyTypeName(filter.typedConfig);
    const isRouter = typeName === ROUTER || (typeName === undefined && filter.name === "envoy.filters.http.router");
    if (i === filters.length - 1) {
      if (!isRouter) at.fail(Code.routerNotLast, path, "the last HTTP filter must be the router");
    } else if (isRouter) {
      at.fail(Code.routerNotLast, path, "the router must be the last HTTP filter");
    } else if (filter.typedConfig !== undefined && isRbacFilter(filter.typedConfig) && !filter.disabled) {
      rbac.push(compileRbac(at, join(path, "typed_config"), filter.name, filter.typedConfig));
    } else if (filter.typedConfig !== undefined && isHttpFault(filter.typedConfig) && !filter.disabled) {
      if (fault !== undefined) at.fail(Code.unsupportedFilter, path, "the fault filter is listed twice");
      fault = Object.freeze({
        name: filter.name,
        config: compileHttpFault(at, join(path, "typed_config"), filter.typedConfig),
      });
    } else if (!filter.isOptional && !filter.disabled) {
      at.fail(
        Code.unsupportedFilter,
        join(path, "typed_config"),
        `unsupported HTTP filter type ${typeName ?? JSON.stringify(filter.name)}`,
      );
    }
  }

  let routeConfigName: string | undefined;
  let routeTable: RouteTable | undefined;
  if (hcm.rds !== undefined && hcm.routeConfig !== undefined) {
    at.fail(Code.invalidFilterChain, join(base, "route_config"), "give rds or route_config, not both");
  }
  if (hcm.rds !== undefined) {
    requireAds(at, join(base, "rds.config_source"), hcm.rds.configSource);
    if (hcm.rds.routeConfigName === "") {
      at.fail(Code.missingField, join(base, "rds.route_config_name"), "a route configuration name is required");
    }
    routeConfigName = hcm.rds.routeConfigName;
  } else if (hcm.routeConfig !== undefined) {
    routeTable = compileAt(at, join(base, "route_config"), hcm.routeConfig);
  } else {
    at.fail(Code.missingField, join(base, "route_specifier"), "rds or route_config is required");
  }

  return Object.freeze({
    codec,
    routeConfigName,
    routeTable,
    statPrefix: hcm.statPrefix === "" ? listenerName : hcm.statPrefix,
    drainTimeoutMs: durationMs(at, join(base, "drain_timeout"), hcm.drainTimeout, DEFAULT_DRAIN_TIMEOUT_MS),
    streamIdleTimeoutMs: durationMs(
      at,
      join(base, "stream_idle_timeout"),
      hcm.streamIdleTimeout,
      DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    ),
    requestTimeoutMs: durationMs(at, join(base, "request_timeout"), hcm.requestTimeout, 0),
    requestHeadersTimeoutMs: durationMs(at, join(base, "request_headers_timeout"), hcm.requestHeadersTimeout, 0),
    generateRequestId: hcm.generateRequestId ?? true,
    preserveExternalRequestId: hcm.preserveExternalRequestId,
    alwaysSetRequestIdInResponse: hcm.alwaysSetRequestIdInResponse,
    useRemoteAddress: hcm.useRemoteAddress ?? false,
    xffNumTrustedHops: hcm.xffNumTrustedHops,
    skipXffAppend: hcm.skipXffAppend,
    serverName: hcm.serverName,
    via: hcm.via,
    // Only when listed, so a listener without the fault filter builds exactly as before.
    ...(fault === undefined ? {} : { fault }),
    // The RBAC filters in their order; only when listed.
    ...(rbac.length === 0 ? {} : { rbac: Object.freeze(rbac) }),
    // Only when given, so a listener without one builds exactly as before.
    ...(hcm.localReplyConfig === undefined
      ? {}
      : { localReply: buildLocalReply(at, join(base, "local_reply_config"), hcm.localReplyConfig) }),
    ...(hcm.upgradeConfigs.some((u) => u.upgradeType.toLowerCase() === "connect" && u.enabled !== false)
      ? { connect: true }
      : {}),
    ...clientCertOf(at, join(base, "forward_client_cert_details"), hcm),
  });
}

const CLIENT_CERT_MODES: Readonly<Record<number, RuntimeClientCert["mode"]>> = {
  [HttpConnectionManager_ForwardClientCertDetails.SANITIZE]: "SANITIZE",
  [HttpConnectionManager_ForwardClientCertDetails.FORWARD_ONLY]: "FORWARD_ONLY",
  [HttpConnectionManager_ForwardClientCertDetails.APPEND_FORWARD]: "APPEND_FORWARD",
  [HttpConnectionManager_ForwardClientCertDetails.SANITIZE_SET]: "SANITIZE_SET",
  [HttpConnectionManager_ForwardClientCertDetails.ALWAYS_FORWARD_ONLY]: "ALWAYS_FORWARD_ONLY",
};

function clientCertOf(at: Cursor, field: string, hcm: HttpConnectionManager): { clientCert?: RuntimeClientCert } {
  const mode = CLIENT_CERT_MODES[hcm.forwardClientCertDetails];
  if (mode === undefined) at.fail(Code.invalidValue, field, `unknown mode ${String(hcm.forwardClientCertDetails)}`);
  if (mode === "SANITIZE" && hcm.setCurrentClientCertDetails === undefined) return {};
  const set = hcm.setCurrentClientCertDetails;
  return {
    clientCert: Object.freeze({
      mode,
      subject: set?.subject ?? false,
      cert: set?.cert ?? false,
      dns: set?.dns ?? false,
      uri: set?.uri ?? false,
    }),
  };
}

function buildTcp(at: Cursor, base: string, tcp: TcpProxy): RuntimeTcp {
  const hasCluster = tcp.cluster !== undefined && tcp.cluster !== "";
  if (hasCluster === (tcp.weightedClusters !== undefined)) {
    at.fail(
      Code.missingField,
      join(base, "cluster_specifier"),
      "exactly one of cluster and weighted_clusters is required",
    );
  }
  let weightedClusters: readonly RuntimeWeightedCluster[] | undefined;
  if (tcp.weightedClusters !== undefined) {
    const path = join(base, "weighted_clusters.clusters");
    if (tcp.weightedClusters.clusters.length === 0)
      at.fail(Code.missingField, path, "at least one cluster is required");
    weightedClusters = Object.freeze(
      tcp.weightedClusters.clusters.map((entry, i) => {
        if (entry.name === "") at.fail(Code.missingField, join(path, `[${i}].name`), "a cluster name is required");
        if (!Number.isInteger(entry.weight) || entry.weight < 1) {
          at.fail(Code.invalidWeight, join(path, `[${i}].weight`), `weight ${entry.weight} must be at least 1`);
        }
        return Object.freeze({ name: entry.name, weight: entry.weight });
      }),
    );
  }
  return Object.freeze({
    statPrefix: tcp.statPrefix,
    cluster: hasCluster ? tcp.cluster : undefined,
    weightedClusters,
    idleTimeoutMs: durationMs(at, join(base, "idle_timeout"), tcp.idleTimeout, DEFAULT_TCP_IDLE_TIMEOUT_MS),
  });
}
