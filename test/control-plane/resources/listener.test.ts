import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { listenerType } from "../../../control-plane/src/resources/listener.js";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { decodeJson, TypeUrl } from "../../../proto/index.js";
import {
  API_LISTENER,
  assertAccepted,
  assertRefused,
  edited,
  LISTENER,
  REMOVE,
  type RefusalCase,
  ROUTER_FILTER,
  refusals,
  TCP_LISTENER,
} from "./fixtures.js";

const HCM = "filter_chains[0].filters[0].typed_config";
const TCP = "filter_chains[0].filters[0].typed_config";
const API = "api_listener.api_listener";
const TCP_FILTER = {
  name: "envoy.filters.network.tcp_proxy",
  typed_config: { "@type": TypeUrl.tcpProxy, stat_prefix: "t", cluster: "c" },
};

const cases: RefusalCase[] = [
  {
    rule: "a node scope with an unknown key is refused",
    base: LISTENER,
    edits: { metadata: { filter_metadata: { weft: { node_zones: ["a"] } } } },
    path: 'metadata.filter_metadata["weft"].node_zones',
    code: V.unsupported,
  },
  {
    rule: "a node scope that is not a list of strings is refused",
    base: LISTENER,
    edits: { metadata: { filter_metadata: { weft: { node_clusters: "front" } } } },
    path: 'metadata.filter_metadata["weft"].node_clusters',
    code: V.wrongType,
  },
  {
    rule: "a node scope with an empty name is refused",
    base: LISTENER,
    edits: { metadata: { filter_metadata: { weft: { node_ids: ["a", ""] } } } },
    path: 'metadata.filter_metadata["weft"].node_ids[1]',
    code: V.wrongType,
  },
  {
    rule: "an empty node scope is refused",
    base: LISTENER,
    edits: { metadata: { filter_metadata: { weft: {} } } },
    path: 'metadata.filter_metadata["weft"]',
    code: V.empty,
  },
  { rule: "a listener without a name is refused", base: LISTENER, edits: { name: "" }, path: "name", code: V.required },
  {
    rule: "a listener with neither address nor api_listener is refused",
    base: LISTENER,
    edits: { address: REMOVE },
    path: "address",
    code: V.required,
  },
  {
    rule: "a listener with both an address and an api_listener is refused",
    base: API_LISTENER,
    edits: { "address.socket_address": { address: "127.0.0.1", port_value: 1 } },
    path: "api_listener",
    code: V.conflict,
  },
  {
    rule: "a pipe address is unsupported",
    base: LISTENER,
    edits: { address: { pipe: { path: "/tmp/weft.sock" } } },
    path: "address.pipe",
    code: V.unsupported,
  },
  {
    rule: "an address without socket_address is refused",
    base: LISTENER,
    edits: { address: {} },
    path: "address.socket_address",
    code: V.required,
  },
  {
    rule: "a socket address without a host is refused",
    base: LISTENER,
    edits: { "address.socket_address.address": REMOVE },
    path: "address.socket_address.address",
    code: V.required,
  },
  {
    rule: "a listener address must be an IP literal",
    base: LISTENER,
    edits: { "address.socket_address.address": "localhost" },
    path: "address.socket_address.address",
    code: V.badAddress,
  },
  {
    rule: "an IPv6 zone that could name no interface is refused",
    base: LISTENER,
    edits: { "address.socket_address.address": "fe80::1%eth 0" },
    path: "address.socket_address.address",
    code: V.badAddress,
  },
  {
    rule: "port 0 is refused",
    base: LISTENER,
    edits: { "address.socket_address.port_value": 0 },
    path: "address.socket_address.port_value",
    code: V.outOfRange,
  },
  {
    rule: "a port above 65535 is refused",
    base: LISTENER,
    edits: { "address.socket_address.port_value": 65536 },
    path: "address.socket_address.port_value",
    code: V.outOfRange,
  },
  {
    rule: "a socket address without a port is refused",
    base: LISTENER,
    edits: { "address.socket_address.port_value": REMOVE },
    path: "address.socket_address.port_value",
    code: V.required,
  },
  {
    rule: "a named port is unsupported",
    base: LISTENER,
    edits: { "address.socket_address.port_value": REMOVE, "address.socket_address.named_port": "http" },
    path: "address.socket_address.named_port",
    code: V.unsupported,
  },
  {
    rule: "a UDP listener is unsupported",
    base: LISTENER,
    edits: { "address.socket_address.protocol": "UDP" },
    path: "address.socket_address.protocol",
    code: V.unsupported,
  },
  {
    rule: "a custom resolver is unsupported",
    base: LISTENER,
    edits: { "address.socket_address.resolver_name": "dns" },
    path: "address.socket_address.resolver_name",
    code: V.unsupported,
  },
  {
    rule: "a listener with no filter chain and no default chain is refused",
    base: LISTENER,
    edits: { filter_chains: [] },
    path: "filter_chains",
    code: V.required,
  },
  {
    rule: "a filter chain without filters is refused",
    base: LISTENER,
    edits: { "filter_chains[0].filters": [] },
    path: "filter_chains[0].filters",
    code: V.empty,
  },
  {
    rule: "a network filter without a name is refused",
    base: LISTENER,
    edits: { "filter_chains[0].filters[0].name": "" },
    path: "filter_chains[0].filters[0].name",
    code: V.required,
  },
  {
    rule: "a network filter without typed_config is refused",
    base: LISTENER,
    edits: { [HCM]: REMOVE },
    path: HCM,
    code: V.required,
  },
  {
    rule: "a network filter config Weft cannot run is unsupported",
    base: LISTENER,
    edits: { [HCM]: { "@type": TypeUrl.router } },
    path: HCM,
    code: V.unsupported,
  },
  {
    rule: "a terminal network filter that is not last is refused",
    base: LISTENER,
    edits: { "filter_chains[0].filters[1]": TCP_FILTER },
    path: "filter_chains[0].filters[0]",
    code: V.misplaced,
  },
  {
    rule: "a TLS transport socket needs its DownstreamTlsContext",
    base: LISTENER,
    edits: { "filter_chains[0].transport_socket": { name: "envoy.transport_sockets.tls" } },
    path: "filter_chains[0].transport_socket.typed_config",
    code: V.required,
  },
  {
    rule: "a listener filter other than the TLS inspector is unsupported",
    base: LISTENER,
    edits: { listener_filters: [{ name: "envoy.filters.listener.original_dst" }] },
    path: "listener_filters[0]",
    code: V.unsupported,
  },
  {
    rule: "two filter chains without a match are duplicates",
    base: TCP_LISTENER,
    edits: { "filter_chains[0].filter_chain_match": REMOVE, "filter_chains[1].filter_chain_match": REMOVE },
    path: "filter_chains[1].filter_chain_match",
    code: V.duplicate,
  },
  {
    rule: "filter chains whose server names overlap are duplicates",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filter_chain_match": { server_names: ["A.example.com", "z.example.com"] } },
    path: "filter_chains[1].filter_chain_match",
    code: V.duplicate,
  },
  {
    rule: "filter chains whose prefixes cover the same addresses are duplicates",
    base: TCP_LISTENER,
    edits: {
      "filter_chains[0].filter_chain_match": {
        server_names: ["c.example.com"],
        prefix_ranges: [{ address_prefix: "10.1.2.3", prefix_len: 8 }],
      },
    },
    path: "filter_chains[1].filter_chain_match",
    code: V.duplicate,
  },
  {
    rule: "a destination port of 0 is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[0].filter_chain_match.destination_port": 0 },
    path: "filter_chains[0].filter_chain_match.destination_port",
    code: V.outOfRange,
  },
  {
    rule: "a prefix range that is not an IP is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filter_chain_match.prefix_ranges[0].address_prefix": "ten" },
    path: "filter_chains[1].filter_chain_match.prefix_ranges[0].address_prefix",
    code: V.badAddress,
  },
  {
    rule: "an IPv4 prefix longer than 32 bits is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filter_chain_match.prefix_ranges[0].prefix_len": 33 },
    path: "filter_chains[1].filter_chain_match.prefix_ranges[0].prefix_len",
    code: V.outOfRange,
  },
  {
    rule: "a prefix range without an address is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filter_chain_match.source_prefix_ranges": [{ prefix_len: 8 }] },
    path: "filter_chains[1].filter_chain_match.source_prefix_ranges[0].address_prefix",
    code: V.required,
  },
  {
    rule: "a source port of 0 is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[0].filter_chain_match.source_ports": [0] },
    path: "filter_chains[0].filter_chain_match.source_ports[0]",
    code: V.outOfRange,
  },
  {
    rule: "a server name with an inner wildcard is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[0].filter_chain_match.server_names[0]": "a.*.com" },
    path: "filter_chains[0].filter_chain_match.server_names[0]",
    code: V.badDomain,
  },
  {
    rule: "an empty server name is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[0].filter_chain_match.server_names[0]": "" },
    path: "filter_chains[0].filter_chain_match.server_names[0]",
    code: V.required,
  },
  {
    rule: "address_suffix, which Envoy does not implement, is unsupported",
    base: TCP_LISTENER,
    edits: { "filter_chains[0].filter_chain_match.address_suffix": "x" },
    path: "filter_chains[0].filter_chain_match.address_suffix",
    code: V.unsupported,
  },
  // HttpConnectionManager in a filter chain.
  {
    rule: "an HttpConnectionManager without stat_prefix is refused",
    base: LISTENER,
    edits: { [`${HCM}.stat_prefix`]: REMOVE },
    path: `${HCM}.stat_prefix`,
    code: V.required,
  },
  {
    rule: "an HttpConnectionManager with neither rds nor route_config is refused",
    base: LISTENER,
    edits: { [`${HCM}.rds`]: REMOVE },
    path: HCM,
    code: V.required,
  },
  {
    rule: "rds without a route_config_name is refused",
    base: LISTENER,
    edits: { [`${HCM}.rds.route_config_name`]: "" },
    path: `${HCM}.rds.route_config_name`,
    code: V.required,
  },
  {
    rule: "rds without a config_source is refused",
    base: LISTENER,
    edits: { [`${HCM}.rds.config_source`]: REMOVE },
    path: `${HCM}.rds.config_source`,
    code: V.required,
  },
  {
    rule: "a config source that is neither ads nor self is refused",
    base: LISTENER,
    edits: { [`${HCM}.rds.config_source`]: { initial_fetch_timeout: "5s" } },
    path: `${HCM}.rds.config_source`,
    code: V.required,
  },
  {
    rule: "a config source asking for the v2 API is unsupported",
    base: LISTENER,
    edits: { [`${HCM}.rds.config_source.resource_api_version`]: "V2" },
    path: `${HCM}.rds.config_source.resource_api_version`,
    code: V.unsupported,
  },
  {
    rule: "a negative initial_fetch_timeout is refused",
    base: LISTENER,
    edits: { [`${HCM}.rds.config_source.initial_fetch_timeout`]: "-1s" },
    path: `${HCM}.rds.config_source.initial_fetch_timeout`,
    code: V.outOfRange,
  },
  {
    rule: "an HttpConnectionManager without HTTP filters is refused",
    base: LISTENER,
    edits: { [`${HCM}.http_filters`]: [] },
    path: `${HCM}.http_filters`,
    code: V.empty,
  },
  {
    rule: "a router that is not the last HTTP filter is refused",
    base: LISTENER,
    edits: { [`${HCM}.http_filters[1]`]: { name: "second", typed_config: { "@type": TypeUrl.router } } },
    path: `${HCM}.http_filters[0]`,
    code: V.misplaced,
  },
  {
    rule: "a last HTTP filter that is not the router is refused",
    base: LISTENER,
    edits: {
      [`${HCM}.http_filters[0]`]: { name: "optional", is_optional: true, typed_config: TCP_FILTER.typed_config },
    },
    path: `${HCM}.http_filters[0]`,
    code: V.misplaced,
  },
  {
    rule: "an HTTP filter Weft cannot run is unsupported unless optional",
    base: LISTENER,
    edits: { [`${HCM}.http_filters`]: [{ name: "tcp", typed_config: TCP_FILTER.typed_config }, ROUTER_FILTER] },
    path: `${HCM}.http_filters[0].typed_config`,
    code: V.unsupported,
  },
  {
    rule: "two HTTP filters with one name are refused",
    base: LISTENER,
    edits: { [`${HCM}.http_filters`]: [{ ...ROUTER_FILTER, is_optional: true }, ROUTER_FILTER] },
    path: `${HCM}.http_filters[1].name`,
    code: V.duplicate,
  },
  {
    rule: "an HTTP filter without a name is refused",
    base: LISTENER,
    edits: { [`${HCM}.http_filters[0].name`]: "" },
    path: `${HCM}.http_filters[0].name`,
    code: V.required,
  },
  {
    rule: "an HTTP filter without typed_config is refused",
    base: LISTENER,
    edits: { [`${HCM}.http_filters[0].typed_config`]: REMOVE },
    path: `${HCM}.http_filters[0].typed_config`,
    code: V.required,
  },
  {
    rule: "a router strict-checking an unknown header is refused",
    base: LISTENER,
    edits: { [`${HCM}.http_filters[0].typed_config.strict_check_headers`]: ["x-foo"] },
    path: `${HCM}.http_filters[0].typed_config.strict_check_headers[0]`,
    code: V.badValue,
  },
  {
    rule: "a negative drain_timeout is refused",
    base: LISTENER,
    edits: { [`${HCM}.drain_timeout`]: "-1s" },
    path: `${HCM}.drain_timeout`,
    code: V.outOfRange,
  },
  {
    rule: "a negative stream_idle_timeout is refused",
    base: LISTENER,
    edits: { [`${HCM}.stream_idle_timeout`]: "-0.5s" },
    path: `${HCM}.stream_idle_timeout`,
    code: V.outOfRange,
  },
  {
    rule: "an HTTP/3 codec is unsupported",
    base: LISTENER,
    edits: { [`${HCM}.codec_type`]: "HTTP3" },
    path: `${HCM}.codec_type`,
    code: V.unsupported,
  },
  {
    rule: "max_request_headers_kb above 8192 is refused",
    base: LISTENER,
    edits: { [`${HCM}.max_request_headers_kb`]: 9000 },
    path: `${HCM}.max_request_headers_kb`,
    code: V.outOfRange,
  },
  {
    rule: "an HTTP/2 stream window below 65535 is refused",
    base: LISTENER,
    edits: { [`${HCM}.http2_protocol_options.initial_stream_window_size`]: 100 },
    path: `${HCM}.http2_protocol_options.initial_stream_window_size`,
    code: V.outOfRange,
  },
  {
    rule: "an HTTP/2 keepalive without a timeout is refused",
    base: LISTENER,
    edits: { [`${HCM}.http2_protocol_options.connection_keepalive`]: { interval: "10s" } },
    path: `${HCM}.http2_protocol_options.connection_keepalive.timeout`,
    code: V.required,
  },
  {
    rule: "max_headers_count 0 is refused",
    base: LISTENER,
    edits: { [`${HCM}.common_http_protocol_options.max_headers_count`]: 0 },
    path: `${HCM}.common_http_protocol_options.max_headers_count`,
    code: V.outOfRange,
  },
  {
    rule: "two upgrade configs for one upgrade are refused",
    base: LISTENER,
    edits: { [`${HCM}.upgrade_configs[1]`]: { upgrade_type: "WebSocket" } },
    path: `${HCM}.upgrade_configs[1].upgrade_type`,
    code: V.duplicate,
  },
  {
    rule: "an upgrade config's own filters must end with the router",
    base: LISTENER,
    edits: {
      [`${HCM}.upgrade_configs[0].filters`]: [{ name: "x", is_optional: true, typed_config: TCP_FILTER.typed_config }],
    },
    path: `${HCM}.upgrade_configs[0].filters[0]`,
    code: V.misplaced,
  },
  {
    rule: "an inline route_config is checked with the RouteConfiguration rules, its path continuing inside the Any",
    base: LISTENER,
    edits: {
      [`${HCM}.rds`]: REMOVE,
      [`${HCM}.route_config`]: { virtual_hosts: [{ name: "v", domains: ["a.*.com"], routes: [] }] },
    },
    path: `${HCM}.route_config.virtual_hosts[0].domains[0]`,
    code: V.badDomain,
  },
  // TcpProxy.
  {
    rule: "a TcpProxy without stat_prefix is refused",
    base: TCP_LISTENER,
    edits: { [`${TCP}.stat_prefix`]: "" },
    path: `${TCP}.stat_prefix`,
    code: V.required,
  },
  {
    rule: "a TcpProxy with neither cluster nor weighted_clusters is refused",
    base: TCP_LISTENER,
    edits: { [`${TCP}.cluster`]: REMOVE },
    path: TCP,
    code: V.required,
  },
  {
    rule: "a TcpProxy with an empty cluster name is refused",
    base: TCP_LISTENER,
    edits: { [`${TCP}.cluster`]: "" },
    path: `${TCP}.cluster`,
    code: V.required,
  },
  {
    rule: "TcpProxy weighted clusters must not be empty",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters": [] },
    path: "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters",
    code: V.empty,
  },
  {
    rule: "a TcpProxy weighted cluster needs a name",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters[0].name": "" },
    path: "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters[0].name",
    code: V.required,
  },
  {
    rule: "a TcpProxy cluster weight of 0 is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters[0].weight": 0 },
    path: "filter_chains[1].filters[0].typed_config.weighted_clusters.clusters[0].weight",
    code: V.outOfRange,
  },
  {
    rule: "a negative TcpProxy idle_timeout is refused",
    base: TCP_LISTENER,
    edits: { "filter_chains[1].filters[0].typed_config.idle_timeout": "-1s" },
    path: "filter_chains[1].filters[0].typed_config.idle_timeout",
    code: V.outOfRange,
  },
  {
    rule: "max_connect_attempts 0 is refused",
    base: TCP_LISTENER,
    edits: { [`${TCP}.max_connect_attempts`]: 0 },
    path: `${TCP}.max_connect_attempts`,
    code: V.outOfRange,
  },
  {
    rule: "a TcpProxy takes at most one hash policy",
    base: TCP_LISTENER,
    edits: { [`${TCP}.hash_policy`]: [{ source_ip: {} }, { source_ip: {} }] },
    path: `${TCP}.hash_policy`,
    code: V.outOfRange,
  },
  {
    rule: "a TcpProxy hash policy needs a specifier",
    base: TCP_LISTENER,
    edits: { [`${TCP}.hash_policy`]: [{}] },
    path: `${TCP}.hash_policy[0]`,
    code: V.required,
  },
  {
    rule: "a filter in the default filter chain is checked too",
    base: TCP_LISTENER,
    edits: { "default_filter_chain.filters[0].typed_config.stat_prefix": "" },
    path: "default_filter_chain.filters[0].typed_config.stat_prefix",
    code: V.required,
  },
  // api_listener, as gRPC clients read it.
  {
    rule: "an api_listener that is not an HttpConnectionManager is refused",
    base: API_LISTENER,
    edits: { [API]: { "@type": TypeUrl.router } },
    path: API,
    code: V.wrongType,
  },
  {
    rule: "an api_listener without its Any is refused",
    base: API_LISTENER,
    edits: { [API]: REMOVE },
    path: API,
    code: V.required,
  },
  {
    rule: "an api_listener takes no filter chains",
    base: API_LISTENER,
    edits: { filter_chains: LISTENER.filter_chains },
    path: "filter_chains",
    code: V.conflict,
  },
  {
    rule: "an api_listener takes no default filter chain",
    base: API_LISTENER,
    edits: { default_filter_chain: TCP_LISTENER.default_filter_chain },
    path: "default_filter_chain",
    code: V.conflict,
  },
  {
    rule: "an api_listener needs the router filter",
    base: API_LISTENER,
    edits: { [`${API}.http_filters`]: [] },
    path: `${API}.http_filters`,
    code: V.empty,
  },
  {
    rule: "an api_listener rds must come over ADS",
    base: API_LISTENER,
    edits: { [`${API}.rds.config_source`]: {} },
    path: `${API}.rds.config_source`,
    code: V.required,
  },
];

describe("listener validation", () => {
  test("a proxy listener with RDS, a TCP listener and an api_listener are valid", () => {
    assertAccepted("listeners", LISTENER);
    assertAccepted("listeners", TCP_LISTENER);
    assertAccepted("listeners", API_LISTENER);
  });

  test("a listener scoped to node clusters and node ids is valid", () => {
    assertAccepted(
      "listeners",
      edited(LISTENER, { metadata: { filter_metadata: { weft: { node_clusters: ["front"], node_ids: ["edge-1"] } } } }),
    );
  });

  test("validate() on a decoded valid listener returns no details", () => {
    for (const doc of [LISTENER, TCP_LISTENER, API_LISTENER]) {
      assert.deepEqual(listenerType.validate(decodeJson<Listener>("envoy.config.listener.v3.Listener", doc)), []);
    }
  });

  test("a listener on an IPv6 address scoped to one interface (fe80::1%eth0) is valid, as Envoy parses it", () => {
    assertAccepted("listeners", edited(LISTENER, { "address.socket_address.address": "fe80::1%eth0" }));
  });

  test("a listener with only a default filter chain is valid", () => {
    assertAccepted("listeners", edited(TCP_LISTENER, { filter_chains: [] }));
  });

  test("an api_listener needs no stat_prefix, which gRPC clients do not send", () => {
    assertAccepted("listeners", API_LISTENER);
  });

  test("an optional HTTP filter Weft cannot run is accepted before the router", () => {
    assertAccepted(
      "listeners",
      edited(LISTENER, {
        [`${HCM}.http_filters`]: [
          { name: "tcp", is_optional: true, typed_config: TCP_FILTER.typed_config },
          ROUTER_FILTER,
        ],
      }),
    );
  });

  test("filter chains told apart by any one field are not duplicates", () => {
    const chain = (TCP_LISTENER.filter_chains as unknown[])[0];
    assertAccepted(
      "listeners",
      edited(TCP_LISTENER, {
        "filter_chains[1]": chain,
        "filter_chains[1].filter_chain_match": { server_names: ["a.example.com"], transport_protocol: "tls" },
      }),
    );
  });

  test("an Any whose bytes do not decode is reported at its path", () => {
    const listener = decodeJson<Listener>("envoy.config.listener.v3.Listener", LISTENER);
    const filter = listener.filterChains[0]?.filters[0];
    assert.ok(filter?.typedConfig);
    filter.typedConfig = { typeUrl: filter.typedConfig.typeUrl, value: new Uint8Array([0xff, 0xff, 0xff]) };
    const details = listenerType.validate(listener);
    assert.deepEqual(
      details.map((d) => [d.path, d.code]),
      [[HCM, V.malformed]],
    );
  });

  test("every problem is reported, not only the first", () => {
    const doc = edited(LISTENER, {
      name: "",
      "address.socket_address.port_value": 0,
      [`${HCM}.stat_prefix`]: "",
      [`${HCM}.http_filters`]: [],
    });
    const paths = refusals("listeners", doc)
      .filter((d) => d.code !== undefined)
      .map((d) => d.path);
    for (const path of ["name", "address.socket_address.port_value", `${HCM}.stat_prefix`, `${HCM}.http_filters`]) {
      assert.ok(paths.includes(path), `missing ${path} in ${paths.join(", ")}`);
    }
  });

  for (const c of cases) {
    test(c.rule, () => {
      assertRefused("listeners", edited(c.base, c.edits), c.path, c.code);
    });
  }
});
