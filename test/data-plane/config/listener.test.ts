import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildListener, ConfigErrorCode as Code } from "../../../data-plane/src/config/index.js";
import { assertDeepFrozen, assertRefused } from "./assert-refusal.js";
import {
  HCM_TYPE,
  hcm,
  httpListener,
  INLINE_ROUTES,
  inlineListener,
  listener,
  listenerJson,
  omit,
  ROUTER_FILTER,
  TCP_TYPE,
  tcpListener,
} from "./fixtures.js";

const HCM_PATH = "filter_chains[0].filters[0].typed_config";

describe("buildListener: valid listeners", () => {
  it("builds an HTTP listener over RDS with Envoy's defaults", () => {
    const built = buildListener(listener(httpListener()));
    assert.equal(built.name, "ingress");
    assert.equal(built.host, "0.0.0.0");
    assert.equal(built.port, 10000);
    assert.equal(built.kind, "http");
    assert.equal(built.tcp, undefined);
    assert.deepEqual(built.http, {
      codec: "auto",
      routeConfigName: "local_route",
      routeTable: undefined,
      statPrefix: "ingress_http",
      drainTimeoutMs: 5000,
      streamIdleTimeoutMs: 300_000,
      requestTimeoutMs: 0,
      requestHeadersTimeoutMs: 0,
      generateRequestId: true,
      preserveExternalRequestId: false,
      alwaysSetRequestIdInResponse: false,
      useRemoteAddress: false,
      xffNumTrustedHops: 0,
      skipXffAppend: false,
      serverName: "",
      via: "",
    });
    assertDeepFrozen(built);
  });

  it("reads codec, durations and request-id settings", () => {
    const built = buildListener(
      listener(
        httpListener({
          codec_type: "HTTP2",
          drain_timeout: "1.5s",
          stream_idle_timeout: "0s",
          request_timeout: "30s",
          generate_request_id: false,
        }),
      ),
    );
    assert.equal(built.http?.codec, "http2");
    assert.equal(built.http?.drainTimeoutMs, 1500);
    assert.equal(built.http?.streamIdleTimeoutMs, 0);
    assert.equal(built.http?.requestTimeoutMs, 30_000);
    assert.equal(built.http?.generateRequestId, false);
  });

  it("compiles an inline route configuration", () => {
    const built = buildListener(listener(inlineListener(INLINE_ROUTES)));
    const table = built.http?.routeTable;
    assert.ok(table);
    assert.equal(built.http?.routeConfigName, undefined);
    assert.equal(table.name, "inline");
    assert.ok(Object.isFrozen(table));
    const decision = table.match({ authority: "example.com", path: "/x", headers: new Map() });
    assert.equal(decision?.action.type, "forward");
  });

  it("builds a TCP proxy listener to one cluster or weighted clusters", () => {
    const one = buildListener(listener(tcpListener({ cluster: "db", idle_timeout: "10s" })));
    assert.equal(one.kind, "tcp");
    assert.deepEqual(one.tcp, { statPrefix: "tcp", cluster: "db", weightedClusters: undefined, idleTimeoutMs: 10_000 });
    assertDeepFrozen(one);
    const weighted = buildListener(
      listener(
        tcpListener({
          weighted_clusters: {
            clusters: [
              { name: "a", weight: 1 },
              { name: "b", weight: 3 },
            ],
          },
        }),
      ),
    );
    assert.deepEqual(weighted.tcp?.weightedClusters, [
      { name: "a", weight: 1 },
      { name: "b", weight: 3 },
    ]);
    assert.equal(weighted.tcp?.idleTimeoutMs, 3_600_000);
    assertDeepFrozen(weighted);
  });

  it("accepts an IPv6 address and a default_filter_chain alone", () => {
    const json = httpListener({}, { address: { socket_address: { address: "::", port_value: 65535 } } });
    const chain = (json.filter_chains as unknown[])[0];
    const built = buildListener(listener({ ...json, filter_chains: [], default_filter_chain: chain }));
    assert.equal(built.host, "::");
    assert.equal(built.port, 65535);
  });
});

describe("buildListener: refusals (one per NACK reason)", () => {
  it("refuses an api_listener", () => {
    const json = { name: "ingress", api_listener: { api_listener: { "@type": HCM_TYPE, ...hcm() } } };
    assertRefused(() => buildListener(listener(json)), Code.apiListener, "ingress", "api_listener");
  });

  it("refuses a missing address, a pipe, a hostname and ports out of range", () => {
    const base = httpListener();
    assertRefused(() => buildListener(listener(omit(base, "address"))), Code.missingField, "ingress", "address");
    assertRefused(
      () => buildListener(listener({ ...base, address: { pipe: { path: "/tmp/sock" } } })),
      Code.invalidAddress,
      "ingress",
      "address.pipe",
    );
    assertRefused(
      () => buildListener(listener({ ...base, address: { socket_address: { address: "localhost", port_value: 80 } } })),
      Code.invalidAddress,
      "ingress",
      "address.socket_address.address",
    );
    for (const port of [0, 70000]) {
      assertRefused(
        () =>
          buildListener(listener({ ...base, address: { socket_address: { address: "0.0.0.0", port_value: port } } })),
        Code.invalidAddress,
        "ingress",
        "address.socket_address.port_value",
      );
    }
  });

  it("refuses an unsupported network filter, naming its type", () => {
    const json = listenerJson([
      {
        name: "redis",
        typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
      },
    ]);
    assertRefused(
      () => buildListener(listener(json)),
      Code.unsupportedFilter,
      "ingress",
      HCM_PATH,
      /unsupported filter type/,
    );
  });

  it("refuses a chain with no filters, or a terminal filter that is not last", () => {
    assertRefused(
      () => buildListener(listener(listenerJson([]))),
      Code.invalidFilterChain,
      "ingress",
      "filter_chains[0].filters",
    );
    const two = listenerJson([
      { name: "tcp", typed_config: { "@type": TCP_TYPE, stat_prefix: "t", cluster: "c" } },
      { name: "hcm", typed_config: hcm() },
    ]);
    assertRefused(
      () => buildListener(listener(two)),
      Code.invalidFilterChain,
      "ingress",
      "filter_chains[0].filters[0]",
    );
    assertRefused(
      () => buildListener(listener({ ...httpListener(), filter_chains: [] })),
      Code.invalidFilterChain,
      "ingress",
      "filter_chains",
    );
  });

  it("refuses several filter chains, and a TLS socket without its context", () => {
    const json = httpListener();
    const chain = (json.filter_chains as unknown[])[0];
    assertRefused(
      () => buildListener(listener({ ...json, filter_chains: [chain, chain] })),
      Code.unsupportedFeature,
      "ingress",
      "filter_chains",
    );
    const tls = { ...(chain as Record<string, unknown>), transport_socket: { name: "envoy.transport_sockets.tls" } };
    assertRefused(
      () => buildListener(listener({ ...json, filter_chains: [tls] })),
      Code.missingField,
      "ingress",
      "filter_chains[0].transport_socket.typed_config",
    );
  });

  it("refuses an HTTP filter chain whose router is missing or not last", () => {
    assertRefused(
      () => buildListener(listener(httpListener({ http_filters: [] }))),
      Code.routerNotLast,
      "ingress",
      `${HCM_PATH}.http_filters`,
    );
    assertRefused(
      () => buildListener(listener(httpListener({ http_filters: [ROUTER_FILTER, ROUTER_FILTER] }))),
      Code.routerNotLast,
      "ingress",
      `${HCM_PATH}.http_filters[0]`,
    );
  });

  it("refuses an unsupported HTTP filter unless it is optional", () => {
    const other = { name: "x", typed_config: { "@type": TCP_TYPE, stat_prefix: "t", cluster: "c" } };
    assertRefused(
      () => buildListener(listener(httpListener({ http_filters: [other, ROUTER_FILTER] }))),
      Code.unsupportedFilter,
      "ingress",
      `${HCM_PATH}.http_filters[0].typed_config`,
    );
    const built = buildListener(
      listener(httpListener({ http_filters: [{ ...other, is_optional: true }, ROUTER_FILTER] })),
    );
    assert.equal(built.kind, "http");
  });

  it("refuses an RDS config source other than ads", () => {
    const rds = { route_config_name: "r", config_source: { self: {}, resource_api_version: "V3" } };
    assertRefused(
      () => buildListener(listener(httpListener({ rds }))),
      Code.unsupportedConfigSource,
      "ingress",
      `${HCM_PATH}.rds.config_source`,
    );
  });

  it("refuses an HCM with neither rds nor route_config", () => {
    assertRefused(
      () => buildListener(listener(httpListener({}, {}, ["rds"]))),
      Code.missingField,
      "ingress",
      `${HCM_PATH}.route_specifier`,
    );
  });

  it("refuses the HTTP/3 codec", () => {
    assertRefused(
      () => buildListener(listener(httpListener({ codec_type: "HTTP3" }))),
      Code.unsupportedFeature,
      "ingress",
      `${HCM_PATH}.codec_type`,
    );
  });

  it("refuses a negative duration", () => {
    assertRefused(
      () => buildListener(listener(httpListener({ drain_timeout: "-1s" }))),
      Code.invalidDuration,
      "ingress",
      `${HCM_PATH}.drain_timeout`,
    );
  });

  it("refuses an inline route configuration the router cannot compile", () => {
    const bad = {
      name: "inline",
      virtual_hosts: [
        { name: "all", domains: ["*"], routes: [{ match: { safe_regex: { regex: "(" } }, route: { cluster: "c" } }] },
      ],
    };
    assertRefused(
      () => buildListener(listener(inlineListener(bad))),
      Code.invalidRouteConfig,
      "ingress",
      `${HCM_PATH}.route_config.virtual_hosts`,
    );
  });

  it("refuses a TCP proxy with no cluster, and a zero weight", () => {
    const path = "filter_chains[0].filters[0].typed_config";
    assertRefused(
      () => buildListener(listener(tcpListener())),
      Code.missingField,
      "ingress",
      `${path}.cluster_specifier`,
    );
    assertRefused(
      () => buildListener(listener(tcpListener({ weighted_clusters: { clusters: [{ name: "a", weight: 0 }] } }))),
      Code.invalidWeight,
      "ingress",
      `${path}.weighted_clusters.clusters[0].weight`,
    );
  });
});
