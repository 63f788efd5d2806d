// Listener (LDS): a proxy listener (address and filter chains) or an api_listener for gRPC clients.

import { cidrKey } from "../../../proto/checks/index.js";
import type { CidrRange } from "../../../proto/gen/envoy/config/core/v3/address.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { type FilterChain, FilterChainMatch } from "../../../proto/gen/envoy/config/listener/v3/listener_components.js";
import type { HttpConnectionManager } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import type { TcpProxy } from "../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.js";
import { typeNameOf } from "../../../proto/index.js";
import { checkAddress, checkCidr, checkRange } from "./core-checks.js";
import { checkHttpConnectionManager, HTTP_CONNECTION_MANAGER } from "./http-connection-manager.js";
import { field, item, Problems, unpackChecked, unpackRequired } from "./problems.js";
import type { ResourceType } from "./resource-type.js";
import { checkTcpProxy, TCP_PROXY } from "./tcp-proxy.js";
import { checkTransportSocket } from "./tls.js";
import { ValidationCode } from "./validation-codes.js";

/** Above this many (prefix, source, port, server name, ALPN) combinations, matches are compared whole. */
const MATCH_EXPANSION_MAX = 4096;

export const listenerType: ResourceType<Listener> = {
  validate(listener) {
    const problems = new Problems();
    checkListener(problems, listener);
    return problems.details;
  },
};

const TLS_INSPECTOR_NAME = "envoy.filters.listener.tls_inspector";
const TLS_INSPECTOR_TYPE = "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";

function checkListener(problems: Problems, listener: Listener): void {
  if (listener.name === "") problems.add("name", ValidationCode.required, "a name is required");
  checkNodeScope(problems, listener);
  const { address, apiListener: api } = listener;
  if (address !== undefined && api !== undefined) {
    problems.add(
      "api_listener",
      ValidationCode.conflict,
      "set either address (a proxy listener) or api_listener (read by gRPC clients), not both",
    );
  } else if (address === undefined && api === undefined) {
    problems.add("address", ValidationCode.required, "needs an address (socket_address) or an api_listener");
  }
  if (address !== undefined) checkAddress(problems, "address", address, "ip");
  if (api !== undefined) {
    const at = "api_listener.api_listener";
    const manager = unpackRequired<HttpConnectionManager>(problems, at, api.apiListener, HTTP_CONNECTION_MANAGER);
    if (manager !== undefined) checkHttpConnectionManager(problems, at, manager, true);
    if (listener.filterChains.length > 0) {
      problems.add("filter_chains", ValidationCode.conflict, "an api_listener takes no filter chains");
    }
    if (listener.defaultFilterChain !== undefined) {
      problems.add("default_filter_chain", ValidationCode.conflict, "an api_listener takes no filter chains");
    }
  } else if (listener.filterChains.length === 0 && listener.defaultFilterChain === undefined) {
    problems.add("filter_chains", ValidationCode.required, "a listener needs filter_chains or a default_filter_chain");
  }
  listener.filterChains.forEach((chain, i) => {
    checkFilterChain(problems, item("filter_chains", i), chain);
  });
  // The TLS inspector is the only listener filter: it is what lets chains match transport_protocol
  // (Weft's proxy reads the first byte itself; gRPC servers ignore listener filters).
  listener.listenerFilters.forEach((filter, i) => {
    const typeUrl = filter.typedConfig?.typeUrl;
    if (filter.name !== TLS_INSPECTOR_NAME && typeUrl !== TLS_INSPECTOR_TYPE) {
      problems.add(
        item("listener_filters", i),
        ValidationCode.unsupported,
        `${typeUrl === undefined ? JSON.stringify(filter.name) : `"${typeUrl}"`} is not a listener filter Weft runs; only ${TLS_INSPECTOR_NAME}`,
      );
    }
  });
  if (listener.defaultFilterChain !== undefined) {
    checkFilterChain(problems, "default_filter_chain", listener.defaultFilterChain);
  }
  checkDistinctMatches(problems, listener.filterChains);
}

function checkFilterChain(problems: Problems, path: string, chain: FilterChain): void {
  if (chain.filters.length === 0) {
    problems.add(
      field(path, "filters"),
      ValidationCode.empty,
      "a filter chain needs a network filter: HttpConnectionManager or TcpProxy",
    );
  }
  const last = chain.filters.length - 1;
  chain.filters.forEach((filter, j) => {
    const at = item(field(path, "filters"), j);
    if (filter.name === "") problems.add(field(at, "name"), ValidationCode.required, "a filter name is required");
    const any = filter.typedConfig;
    const configAt = field(at, "typed_config");
    if (any === undefined) {
      problems.add(configAt, ValidationCode.required, "a typed_config is required");
      return;
    }
    switch (typeNameOf(any.typeUrl)) {
      case HTTP_CONNECTION_MANAGER: {
        const manager = unpackChecked<HttpConnectionManager>(problems, configAt, any);
        if (manager !== undefined) checkHttpConnectionManager(problems, configAt, manager, false);
        break;
      }
      case TCP_PROXY: {
        const proxy = unpackChecked<TcpProxy>(problems, configAt, any);
        if (proxy !== undefined) checkTcpProxy(problems, configAt, proxy);
        break;
      }
      default:
        problems.add(
          configAt,
          ValidationCode.unsupported,
          `"${any.typeUrl}" is not a network filter Weft runs; use HttpConnectionManager or TcpProxy`,
        );
        return;
    }
    // Both filters Weft runs end the chain: Envoy refuses a terminal filter that is not last.
    if (j !== last) {
      problems.add(
        at,
        ValidationCode.misplaced,
        "a terminal filter (HttpConnectionManager, TcpProxy) must be the last in its chain",
      );
    }
  });
  if (chain.transportSocket !== undefined) {
    checkTransportSocket(problems, field(path, "transport_socket"), chain.transportSocket, "downstream");
  }
  if (chain.filterChainMatch !== undefined)
    checkFilterChainMatch(problems, field(path, "filter_chain_match"), chain.filterChainMatch);
}

function checkFilterChainMatch(problems: Problems, path: string, match: FilterChainMatch): void {
  checkRange(problems, field(path, "destination_port"), match.destinationPort, 1, 65535);
  for (const [name, ranges] of [
    ["prefix_ranges", match.prefixRanges],
    ["direct_source_prefix_ranges", match.directSourcePrefixRanges],
    ["source_prefix_ranges", match.sourcePrefixRanges],
  ] as const) {
    ranges.forEach((range, i) => {
      checkCidr(problems, item(field(path, name), i), range);
    });
  }
  match.sourcePorts.forEach((port, i) => {
    checkRange(problems, item(field(path, "source_ports"), i), port, 1, 65535);
  });
  match.serverNames.forEach((name, i) => {
    const at = item(field(path, "server_names"), i);
    if (name === "") problems.add(at, ValidationCode.required, "a server name must not be empty");
    else if (name.includes("*") && !(name.startsWith("*.") && name.lastIndexOf("*") === 0)) {
      problems.add(
        at,
        ValidationCode.badDomain,
        `"${name}": only a leading "*." wildcard is supported in server_names`,
      );
    }
  });
  if (match.addressSuffix !== "" || match.suffixLen !== undefined) {
    problems.add(
      field(path, "address_suffix"),
      ValidationCode.unsupported,
      "address_suffix and suffix_len are not implemented by Envoy",
    );
  }
}

/**
 * Envoy refuses "multiple filter chains with the same matching rules": no two chains may match the
 * same combination of destination port, prefix, source, port, server name, transport and ALPN. An
 * empty list means "any" and is its own branch, distinct from every listed value.
 */
function checkDistinctMatches(problems: Problems, chains: readonly FilterChain[]): void {
  const owners = new Map<string, number>();
  const reported = new Set<number>();
  chains.forEach((chain, i) => {
    for (const key of matchKeys(chain.filterChainMatch ?? FilterChainMatch.fromPartial({}))) {
      const owner = owners.get(key);
      if (owner === undefined) owners.set(key, i);
      else if (owner !== i && !reported.has(i)) {
        reported.add(i);
        problems.add(
          field(item("filter_chains", i), "filter_chain_match"),
          ValidationCode.duplicate,
          `matches connections that filter_chains[${owner}] already matches; each combination may select one chain only`,
        );
      }
    }
  });
}

function matchKeys(match: FilterChainMatch): string[] {
  const cidrs = (ranges: readonly CidrRange[]) =>
    ranges.map((r) => cidrKey(r.addressPrefix, r.prefixLen) ?? `${r.addressPrefix}/${r.prefixLen}`);
  const dimensions = [
    cidrs(match.prefixRanges),
    cidrs(match.directSourcePrefixRanges),
    cidrs(match.sourcePrefixRanges),
    match.sourcePorts.map(String),
    match.serverNames.map((name) => name.toLowerCase()),
    match.applicationProtocols,
  ].map((values) => (values.length === 0 ? ["*any*"] : [...new Set(values)].sort()));
  const fixed = JSON.stringify([match.destinationPort ?? 0, match.sourceType, match.transportProtocol]);
  const combinations = dimensions.reduce((n, values) => n * values.length, 1);
  if (combinations > MATCH_EXPANSION_MAX) return [JSON.stringify([fixed, dimensions])];
  let keys = [fixed];
  for (const values of dimensions)
    keys = keys.flatMap((key) => values.map((value) => `${key}|${JSON.stringify(value)}`));
  return keys;
}

/**
 * metadata.filter_metadata.weft, when present, scopes the listener to some nodes (see
 * snapshot/node-scope.ts): only `node_clusters` and `node_ids`, each a non-empty list of non-empty
 * strings.
 */
function checkNodeScope(problems: Problems, listener: Listener): void {
  const weft = listener.metadata?.filterMetadata.weft;
  if (weft === undefined) return;
  const at = 'metadata.filter_metadata["weft"]';
  const keys = Object.keys(weft);
  if (keys.length === 0) {
    problems.add(at, ValidationCode.empty, "give node_clusters, node_ids or both, or leave the entry out");
  }
  for (const key of keys) {
    const value: unknown = weft[key];
    if (key !== "node_clusters" && key !== "node_ids") {
      problems.add(field(at, key), ValidationCode.unsupported, "only node_clusters and node_ids scope a listener");
    } else if (!Array.isArray(value) || value.length === 0) {
      problems.add(field(at, key), ValidationCode.wrongType, "must be a non-empty list of strings");
    } else {
      value.forEach((v: unknown, i) => {
        if (typeof v !== "string" || v === "") {
          problems.add(item(field(at, key), i), ValidationCode.wrongType, "must be a non-empty string");
        }
      });
    }
  }
}
