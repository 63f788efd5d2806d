import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster.js";
import type { Listener } from "../../proto/gen/envoy/config/listener/v3/listener.js";
import type { RouteConfiguration } from "../../proto/gen/envoy/config/route/v3/route.js";
import type { HttpConnectionManager } from "../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import {
  canonicalJson,
  decodeJson,
  encodeJson,
  FieldErrorCode,
  messageTypeNames,
  ProtoError,
  ProtoErrorCode,
  packAny,
  TypeUrl,
  unpackAny,
  unpackAnyAs,
} from "../../proto/index.js";
import { populatedSamples } from "./wire-samples.js";

const LISTENER = "envoy.config.listener.v3.Listener";
const ROUTE = "envoy.config.route.v3.RouteConfiguration";
const CLUSTER = "envoy.config.cluster.v3.Cluster";
const ENDPOINT = "envoy.config.endpoint.v3.ClusterLoadAssignment";

const routeConfig = {
  name: "local_route",
  virtual_hosts: [
    {
      name: "backend",
      domains: ["example.com", "*.example.com"],
      routes: [
        {
          match: { prefix: "/api", headers: [{ name: "x-canary", string_match: { exact: "1" } }] },
          route: { cluster: "v2" },
        },
        {
          match: { safe_regex: { regex: "^/v[0-9]+/.*" }, query_parameters: [{ name: "debug", present_match: true }] },
          route: {
            weighted_clusters: {
              clusters: [
                { name: "v1", weight: 90 },
                { name: "v2", weight: 10 },
              ],
            },
            timeout: "2.5s",
            retry_policy: { retry_on: "5xx,reset", num_retries: 3, per_try_timeout: "0.250s" },
          },
        },
        { match: { path: "/old" }, redirect: { path_redirect: "/new", response_code: "PERMANENT_REDIRECT" } },
        { match: { prefix: "/" }, direct_response: { status: 404, body: { inline_string: "nothing here" } } },
      ],
    },
  ],
};

const listener = {
  name: "ingress",
  address: { socket_address: { address: "127.0.0.1", port_value: 10000 } },
  filter_chains: [
    {
      filters: [
        {
          name: "envoy.filters.network.http_connection_manager",
          typed_config: {
            "@type": TypeUrl.httpConnectionManager,
            stat_prefix: "ingress_http",
            codec_type: "AUTO",
            route_config: routeConfig,
            http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": TypeUrl.router } }],
            drain_timeout: "5s",
          },
        },
      ],
    },
  ],
  metadata: { filter_metadata: { "weft.io": { team: "payments", tier: 1, tags: ["a", "b"], extra: null } } },
};

const cluster = {
  name: "v1",
  type: "EDS",
  eds_cluster_config: { eds_config: { ads: {} } },
  connect_timeout: "0.5s",
  lb_policy: "RING_HASH",
  ring_hash_lb_config: { minimum_ring_size: "1024" },
  circuit_breakers: { thresholds: [{ priority: "DEFAULT", max_connections: 100, max_requests: 1000 }] },
  outlier_detection: { consecutive_5xx: 5, base_ejection_time: "30s", max_ejection_percent: 50 },
  health_checks: [
    {
      timeout: "1s",
      interval: "5s",
      unhealthy_threshold: 3,
      healthy_threshold: 2,
      http_health_check: { path: "/healthz", expected_statuses: [{ start: "200", end: "300" }] },
    },
  ],
  typed_extension_protocol_options: {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
      "@type": TypeUrl.upstreamHttpProtocolOptions,
      explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } },
    },
  },
};

const endpoints = {
  cluster_name: "v1",
  endpoints: [
    {
      locality: { region: "eu", zone: "eu-1" },
      load_balancing_weight: 10,
      lb_endpoints: [
        {
          endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: 8080 } } },
          health_status: "HEALTHY",
        },
        {
          endpoint: { address: { socket_address: { address: "10.0.0.2", port_value: 8080 } } },
          load_balancing_weight: 2,
        },
      ],
    },
  ],
};

/** Runs `fn`, which must throw a ProtoError, and returns it. */
function protoError(fn: () => unknown): ProtoError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProtoError, `expected a ProtoError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected an error, but none was thrown");
}

/** The field errors decoding `json` as `typeName` produces, as [path, code] pairs. */
function refusals(typeName: string, json: unknown): [string, string][] {
  const error = protoError(() => decodeJson(typeName, json));
  assert.equal(error.code, ProtoErrorCode.invalidJson);
  return error.fieldErrors.map((e) => [e.path, e.code]);
}

/** Rewrites every object key of a JSON value from snake_case to lowerCamelCase (not inside Struct data). */
function camelCased(value: unknown, inStruct = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camelCased(v, inStruct));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const key = inStruct || k.startsWith("@") ? k : k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      return [key, camelCased(v, inStruct || k === "filter_metadata")];
    }),
  );
}

describe("JSON codec: round trips", () => {
  for (const [typeName, json] of [
    [LISTENER, listener],
    [ROUTE, routeConfig],
    [CLUSTER, cluster],
    [ENDPOINT, endpoints],
  ] as const) {
    test(`a ${typeName.split(".").pop()} decodes and encodes back to the same document`, () => {
      const message = decodeJson(typeName, json);
      const again = decodeJson(typeName, encodeJson(typeName, message));
      assert.deepEqual(again, message);
      assert.equal(canonicalJson(typeName, again), canonicalJson(typeName, message));
    });
  }

  test("camelCase and snake_case field names decode to the same message", () => {
    assert.deepEqual(decodeJson(LISTENER, camelCased(listener)), decodeJson(LISTENER, listener));
    assert.deepEqual(decodeJson(CLUSTER, camelCased(cluster)), decodeJson(CLUSTER, cluster));
  });

  test("the canonical form uses proto field names, leaves defaults out and writes well-known types as JSON does", () => {
    const message = decodeJson(CLUSTER, {
      name: "c",
      connectTimeout: "0.250s",
      perConnectionBufferLimitBytes: 0,
      lbPolicy: "ROUND_ROBIN",
      ringHashLbConfig: { minimumRingSize: 2048 },
      respectDnsTtl: false,
      dnsRefreshRate: "60s",
    });
    assert.equal(
      canonicalJson(CLUSTER, message),
      '{"name":"c","connect_timeout":"0.250s","per_connection_buffer_limit_bytes":0,"dns_refresh_rate":"60s","ring_hash_lb_config":{"minimum_ring_size":"2048"}}',
    );
  });

  test("Any fields decode into the packed message, inside other Any fields too", () => {
    const decoded = decodeJson<Listener>(LISTENER, listener);
    const typedConfig = decoded.filterChains[0]?.filters[0]?.typedConfig;
    assert.ok(typedConfig);
    assert.equal(typedConfig.typeUrl, TypeUrl.httpConnectionManager);
    const hcm = unpackAnyAs<HttpConnectionManager>(
      typedConfig,
      "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    );
    assert.equal(hcm.statPrefix, "ingress_http");
    assert.deepEqual(hcm.drainTimeout, { seconds: 5, nanos: 0 });
    assert.equal(hcm.routeConfig?.virtualHosts[0]?.routes.length, 4);
    assert.equal(hcm.httpFilters[0]?.typedConfig?.typeUrl, TypeUrl.router);
  });

  test('well-known types inside an Any sit under "value"', () => {
    const json = {
      filter_metadata: {},
      typed_filter_metadata: { d: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "1.5s" } },
    };
    const message = decodeJson("envoy.config.core.v3.Metadata", json);
    assert.deepEqual(encodeJson("envoy.config.core.v3.Metadata", message), {
      typed_filter_metadata: { d: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "1.500s" } },
    });
  });

  test("durations, timestamps, 64-bit integers, floats and bytes keep their values", () => {
    const status = decodeJson("envoy.admin.v3.UpdateFailureState", {
      last_update_attempt: "2026-11-25T10:00:00.5+01:00",
      details: "x",
    });
    assert.deepEqual(encodeJson("envoy.admin.v3.UpdateFailureState", status), {
      last_update_attempt: "2026-11-25T09:00:00.500Z",
      details: "x",
    });
    const negative = decodeJson("envoy.config.route.v3.RouteAction", { cluster: "c", timeout: "-1.000000001s" });
    assert.equal(encodeJson("envoy.config.route.v3.RouteAction", negative) instanceof Object, true);
    assert.deepEqual((negative as { timeout: unknown }).timeout, { seconds: -1, nanos: -1 });
    const range = decodeJson("envoy.type.v3.Int64Range", { start: "-9007199254740991", end: 9007199254740991 });
    assert.deepEqual(encodeJson("envoy.type.v3.Int64Range", range), {
      start: "-9007199254740991",
      end: "9007199254740991",
    });
    const percent = decodeJson("envoy.type.v3.Percent", { value: "NaN" });
    assert.deepEqual(encodeJson("envoy.type.v3.Percent", percent), { value: "NaN" });
    const header = decodeJson("envoy.config.core.v3.HeaderValue", { key: "k", raw_value: "AAEC/w==" });
    assert.deepEqual([...(header as { rawValue: Uint8Array }).rawValue], [0, 1, 2, 255]);
    assert.deepEqual(encodeJson("envoy.config.core.v3.HeaderValue", header), { key: "k", raw_value: "AAEC/w==" });
  });

  test("null stands for an unset field", () => {
    assert.deepEqual(
      decodeJson(CLUSTER, { name: "c", connect_timeout: null, lb_policy: null }),
      decodeJson(CLUSTER, { name: "c" }),
    );
  });

  test('a top-level "@type" naming the resource\'s own type is accepted', () => {
    assert.deepEqual(decodeJson(CLUSTER, { "@type": TypeUrl.cluster, name: "c" }), decodeJson(CLUSTER, { name: "c" }));
  });

  test("the canonical form does not depend on the order of keys in the input", () => {
    const shuffle = (value: unknown, order: number[]): unknown => {
      if (Array.isArray(value)) return value.map((v) => shuffle(v, order));
      if (value === null || typeof value !== "object") return value;
      const entries = Object.entries(value);
      const rotated = entries.map(
        (_, i) => entries[(i + (order[i % order.length] ?? 0)) % entries.length] as [string, unknown],
      );
      const unique = new Map([...rotated, ...entries]);
      return Object.fromEntries([...unique].map(([k, v]) => [k, shuffle(v, order)]));
    };
    const expected = canonicalJson(LISTENER, decodeJson(LISTENER, listener));
    fc.assert(
      fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 8 }), (order) => {
        assert.equal(canonicalJson(LISTENER, decodeJson(LISTENER, shuffle(listener, order))), expected);
      }),
      { numRuns: 50 },
    );
  });
});

describe("JSON codec: every refusal names its field", () => {
  test("an unknown field is refused with its full path", () => {
    const json = structuredClone(routeConfig) as { virtual_hosts: { routes: { match: Record<string, unknown> }[] }[] };
    const match = json.virtual_hosts[0]?.routes[2]?.match;
    assert.ok(match);
    match.regex = "x";
    assert.deepEqual(refusals(ROUTE, json), [["virtual_hosts[0].routes[2].match.regex", FieldErrorCode.unknownField]]);
  });

  test("an Any whose @type Weft does not know, or that has no @type, is refused", () => {
    const unknownType = {
      name: "l",
      filter_chains: [{ filters: [{ name: "f", typed_config: { "@type": "type.googleapis.com/x.y.Z", a: 1 } }] }],
    };
    assert.deepEqual(refusals(LISTENER, unknownType), [
      ['filter_chains[0].filters[0].typed_config["@type"]', FieldErrorCode.unknownType],
    ]);
    const missing = { name: "l", filter_chains: [{ filters: [{ name: "f", typed_config: { stat_prefix: "x" } }] }] };
    assert.deepEqual(refusals(LISTENER, missing), [
      ['filter_chains[0].filters[0].typed_config["@type"]', FieldErrorCode.unknownType],
    ]);
  });

  test("fields inside an Any are checked against the packed type", () => {
    const json = structuredClone(listener);
    const typedConfig = json.filter_chains[0]?.filters[0]?.typed_config as Record<string, unknown>;
    typedConfig.stat_prefix = 7;
    typedConfig.route_config = {
      name: "r",
      virtual_hosts: [{ name: "v", domains: ["*"], routes: [{ match: { prefix: "/", safe_regex: { regex: "x" } } }] }],
    };
    assert.deepEqual(refusals(LISTENER, json), [
      ["filter_chains[0].filters[0].typed_config.stat_prefix", FieldErrorCode.wrongType],
      [
        "filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match.safe_regex",
        FieldErrorCode.oneofConflict,
      ],
    ]);
  });

  test("values of the wrong JSON type are refused", () => {
    assert.deepEqual(refusals(CLUSTER, { name: 5 }), [["name", FieldErrorCode.wrongType]]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", per_connection_buffer_limit_bytes: "lots" }), [
      ["per_connection_buffer_limit_bytes", FieldErrorCode.badValue],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", respect_dns_ttl: "true" }), [
      ["respect_dns_ttl", FieldErrorCode.wrongType],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", health_checks: { timeout: "1s" } }), [
      ["health_checks", FieldErrorCode.wrongType],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", eds_cluster_config: "ads" }), [
      ["eds_cluster_config", FieldErrorCode.wrongType],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", connect_timeout: { seconds: 1 } }), [
      ["connect_timeout", FieldErrorCode.wrongType],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", health_checks: [null] }), [
      ["health_checks[0]", FieldErrorCode.wrongType],
    ]);
    assert.deepEqual(refusals(CLUSTER, []), [["", FieldErrorCode.wrongType]]);
  });

  test("numbers outside their field's range, and fractions where integers belong, are refused", () => {
    const port = (value: unknown) => ({
      cluster_name: "c",
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: "a", port_value: value } } } }] },
      ],
    });
    const path = "endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value";
    assert.deepEqual(refusals(ENDPOINT, port(-1)), [[path, FieldErrorCode.outOfRange]]);
    assert.deepEqual(refusals(ENDPOINT, port(2 ** 32)), [[path, FieldErrorCode.outOfRange]]);
    assert.deepEqual(refusals(ENDPOINT, port(80.5)), [[path, FieldErrorCode.outOfRange]]);
    assert.deepEqual(refusals("envoy.type.v3.Int64Range", { start: "9007199254740993" }), [
      ["start", FieldErrorCode.outOfRange],
    ]);
    assert.deepEqual(refusals("google.rpc.Status", { code: 2 ** 31 }), [["code", FieldErrorCode.outOfRange]]);
    assert.deepEqual(refusals("envoy.config.core.v3.HealthCheck", { interval_jitter_percent: -3 }), [
      ["interval_jitter_percent", FieldErrorCode.outOfRange],
    ]);
  });

  test("strings that do not parse as their field's format are refused", () => {
    assert.deepEqual(refusals(CLUSTER, { name: "c", connect_timeout: "5" }), [
      ["connect_timeout", FieldErrorCode.badValue],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", connect_timeout: "1m" }), [
      ["connect_timeout", FieldErrorCode.badValue],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", connect_timeout: "315576000001s" }), [
      ["connect_timeout", FieldErrorCode.outOfRange],
    ]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", lb_policy: "FASTEST" }), [["lb_policy", FieldErrorCode.badValue]]);
    assert.deepEqual(refusals(CLUSTER, { name: "c", lb_policy: 99 }), [["lb_policy", FieldErrorCode.outOfRange]]);
    assert.deepEqual(refusals("envoy.config.core.v3.HeaderValue", { raw_value: "a*b" }), [
      ["raw_value", FieldErrorCode.badValue],
    ]);
    assert.deepEqual(refusals("envoy.admin.v3.UpdateFailureState", { last_update_attempt: "2026-02-30T00:00:00Z" }), [
      ["last_update_attempt", FieldErrorCode.outOfRange],
    ]);
    assert.deepEqual(refusals("envoy.admin.v3.UpdateFailureState", { last_update_attempt: "yesterday" }), [
      ["last_update_attempt", FieldErrorCode.badValue],
    ]);
  });

  test("the same field given twice, in snake_case and camelCase, is refused", () => {
    assert.deepEqual(refusals(CLUSTER, { name: "c", connect_timeout: "1s", connectTimeout: "2s" }), [
      ["connectTimeout", FieldErrorCode.duplicateField],
    ]);
  });

  test("two members of one oneof are refused", () => {
    const json = {
      name: "r",
      virtual_hosts: [
        {
          name: "v",
          domains: ["*"],
          routes: [{ match: { prefix: "/" }, route: { cluster: "a", weighted_clusters: { clusters: [] } } }],
        },
      ],
    };
    assert.deepEqual(refusals(ROUTE, json), [
      ["virtual_hosts[0].routes[0].route.weighted_clusters", FieldErrorCode.oneofConflict],
    ]);
  });

  test("nesting deeper than the limit is refused", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 70; i++) deep = { nested: deep };
    const [refusal] = refusals(LISTENER, { name: "l", metadata: { filter_metadata: { x: deep as object } } });
    assert.equal(refusal?.[1], FieldErrorCode.tooDeep);
    let list: unknown = [];
    for (let i = 0; i < 70; i++) list = [list];
    assert.equal(
      refusals(LISTENER, { name: "l", metadata: { filter_metadata: { x: { list } } } })[0]?.[1],
      FieldErrorCode.tooDeep,
    );
    const shallow = protoError(() => decodeJson(ROUTE, routeConfig, { maxDepth: 3 }));
    assert.ok(shallow.fieldErrors.every((e) => e.code === FieldErrorCode.tooDeep));
  });

  test('a top-level "@type" naming another type is refused', () => {
    assert.deepEqual(refusals(CLUSTER, { "@type": TypeUrl.listener, name: "c" }), [
      ['["@type"]', FieldErrorCode.typeMismatch],
    ]);
  });

  test("every refusal in a document is reported, not only the first", () => {
    const codes = refusals(CLUSTER, {
      name: 1,
      lb_policy: "X",
      bogus: true,
      connect_timeout: 5,
      circuit_breakers: { thresholds: [{ max_connections: -1 }] },
    });
    assert.deepEqual(codes, [
      ["name", FieldErrorCode.wrongType],
      ["lb_policy", FieldErrorCode.badValue],
      ["bogus", FieldErrorCode.unknownField],
      ["connect_timeout", FieldErrorCode.wrongType],
      ["circuit_breakers.thresholds[0].max_connections", FieldErrorCode.outOfRange],
    ]);
  });

  test("error paths can carry a prefix naming where the resource sits", () => {
    const error = protoError(() => decodeJson(CLUSTER, { name: 1 }, { path: "resources[3].resource" }));
    assert.equal(error.fieldErrors[0]?.path, "resources[3].resource.name");
  });

  test("a type the subset does not define is refused as a whole", () => {
    assert.equal(protoError(() => decodeJson("envoy.config.listener.v3.Nope", {})).code, ProtoErrorCode.unknownType);
  });

  test("arbitrary JSON never crashes the decoder: it decodes or is refused with field errors", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.constantFrom(LISTENER, ROUTE, CLUSTER, ENDPOINT),
        (json, typeName) => {
          try {
            decodeJson(typeName, json);
          } catch (error) {
            assert.ok(error instanceof ProtoError);
            assert.equal(error.code, ProtoErrorCode.invalidJson);
            assert.ok(error.fieldErrors.length > 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("mutations of a valid resource decode or are refused, never crash", () => {
    const leaves = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
    );
    const mutate = (value: unknown, path: number[], replacement: unknown): unknown => {
      if (path.length === 0 || value === null || typeof value !== "object") return replacement;
      const entries = Object.entries(value);
      if (entries.length === 0) return replacement;
      const [head = 0, ...rest] = path;
      const index = head % entries.length;
      const copy = entries.map(([k, v], i) => [k, i === index ? mutate(v, rest, replacement) : v] as const);
      return Array.isArray(value) ? copy.map(([, v]) => v) : Object.fromEntries(copy);
    };
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), leaves, (path, replacement) => {
        try {
          const message = decodeJson<Listener>(LISTENER, mutate(listener, path, replacement));
          assert.equal(
            canonicalJson(LISTENER, decodeJson(LISTENER, encodeJson(LISTENER, message))),
            canonicalJson(LISTENER, message),
          );
        } catch (error) {
          assert.ok(error instanceof ProtoError, String(error));
          assert.equal(error.code, ProtoErrorCode.invalidJson);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("Any packing", () => {
  test("a packed message unpacks to the same message under its standard type URL", () => {
    const routes = decodeJson<RouteConfiguration>(ROUTE, routeConfig);
    const any = packAny(ROUTE, routes);
    assert.equal(any.typeUrl, TypeUrl.route);
    assert.deepEqual(unpackAny(any), { typeName: ROUTE, message: routes });
    assert.deepEqual(unpackAnyAs<RouteConfiguration>(any, ROUTE), routes);
  });

  test("unpacking checks the type and the bytes", () => {
    const any = packAny(CLUSTER, decodeJson<Cluster>(CLUSTER, cluster));
    assert.equal(protoError(() => unpackAnyAs(any, LISTENER)).code, ProtoErrorCode.typeMismatch);
    assert.equal(
      protoError(() => unpackAny({ typeUrl: "type.googleapis.com/no.Such", value: new Uint8Array() })).code,
      ProtoErrorCode.unknownType,
    );
    assert.equal(
      protoError(() => unpackAny({ typeUrl: TypeUrl.cluster, value: new Uint8Array([0x0a, 0xff]) })).code,
      ProtoErrorCode.malformed,
    );
    assert.equal(protoError(() => packAny("no.Such", {})).code, ProtoErrorCode.unknownType);
  });

  test("encoding an Any of an unknown type is an error, not silent data loss", () => {
    const message = { name: "f", typedConfig: { typeUrl: "type.googleapis.com/no.Such", value: new Uint8Array([1]) } };
    assert.equal(
      protoError(() => encodeJson("envoy.config.listener.v3.Filter", message)).code,
      ProtoErrorCode.unknownType,
    );
  });
});

describe("JSON codec: every message Weft defines", () => {
  test("every fully populated sample survives canonical JSON and back unchanged", () => {
    let checked = 0;
    for (const typeName of messageTypeNames().filter((name) => !name.startsWith("google.protobuf."))) {
      for (const sample of populatedSamples(typeName)) {
        const json = encodeJson(typeName, sample);
        assert.deepEqual(decodeJson(typeName, json), sample, `${typeName}: ${JSON.stringify(json)}`);
        assert.deepEqual(
          decodeJson(typeName, JSON.parse(JSON.stringify(json))),
          sample,
          `${typeName} through JSON text`,
        );
        checked++;
      }
    }
    assert.ok(checked > 137, `only ${checked} samples`);
  });
});
