// The control plane's validator and the proxy's config builder run the same protocol-level checks
// (proto/checks), so they accept and refuse exactly the same addresses, host names, ports and
// durations: the control plane never stores what its proxies would NACK, and never refuses what
// they would run. Each property varies one field of a resource both planes accept.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { clusterType } from "../../../control-plane/src/resources/cluster.js";
import { endpointType } from "../../../control-plane/src/resources/endpoint.js";
import { listenerType } from "../../../control-plane/src/resources/listener.js";
import { buildCluster, buildEndpoints, buildListener, ConfigError } from "../../../data-plane/src/config/index.js";
import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import type { SocketAddress } from "../../../proto/gen/envoy/config/core/v3/address.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";
import { decodeJson, TypeUrl } from "../../../proto/index.js";
import { DURATION_MAX_SECONDS } from "../../../proto/json-shared.js";

type Json = Record<string, unknown>;

const endpoint = (address: string): Json => ({
  endpoint: { address: { socket_address: { address, port_value: 80 } } },
});

const LISTENER: Json = {
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
            http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": TypeUrl.router } }],
          },
        },
      ],
    },
  ],
};

const ENDPOINTS: Json = {
  cluster_name: "backend",
  endpoints: [{ locality: {}, lb_endpoints: [endpoint("10.0.0.1")] }],
};

const STATIC_CLUSTER: Json = {
  name: "backend",
  type: "STATIC",
  connect_timeout: "1s",
  outlier_detection: {},
  load_assignment: { cluster_name: "backend", endpoints: [{ locality: {}, lb_endpoints: [endpoint("10.0.0.1")] }] },
};

const DNS_CLUSTER: Json = {
  ...STATIC_CLUSTER,
  type: "STRICT_DNS",
  load_assignment: { cluster_name: "backend", endpoints: [{ locality: {}, lb_endpoints: [endpoint("db.internal")] }] },
};

/** What each plane says of one resource: the control plane's detail paths, the proxy's refusal. */
interface Verdicts {
  readonly controlPlane: readonly string[];
  readonly proxy: ConfigError | undefined;
}

function proxyVerdict(build: () => unknown): ConfigError | undefined {
  try {
    build();
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

function listenerVerdicts(edit: (listener: Listener) => void): Verdicts {
  const listener = decodeJson<Listener>("envoy.config.listener.v3.Listener", LISTENER);
  edit(listener);
  return {
    controlPlane: listenerType.validate(listener).map((d) => d.path),
    proxy: proxyVerdict(() => buildListener(listener)),
  };
}

function clusterVerdicts(json: Json, edit: (cluster: Cluster) => void): Verdicts {
  const cluster = decodeJson<Cluster>("envoy.config.cluster.v3.Cluster", json);
  edit(cluster);
  return {
    controlPlane: clusterType.validate(cluster).map((d) => d.path),
    proxy: proxyVerdict(() => buildCluster(cluster)),
  };
}

function endpointsVerdicts(edit: (assignment: ClusterLoadAssignment) => void): Verdicts {
  const assignment = decodeJson<ClusterLoadAssignment>("envoy.config.endpoint.v3.ClusterLoadAssignment", ENDPOINTS);
  edit(assignment);
  return {
    controlPlane: endpointType.validate(assignment).map((d) => d.path),
    proxy: proxyVerdict(() => buildEndpoints(assignment)),
  };
}

/** Both accept, or both refuse and the proxy's refusal names a field the control plane names too. */
function assertAgree({ controlPlane, proxy }: Verdicts, what: string): void {
  assert.equal(
    controlPlane.length === 0,
    proxy === undefined,
    `${what}: control plane ${JSON.stringify(controlPlane)}, proxy ${proxy?.message ?? "accepted"}`,
  );
  if (proxy !== undefined) assert.ok(controlPlane.includes(proxy.field), `${what}: ${proxy.field} ∉ ${controlPlane}`);
}

function socketOf(address: { socketAddress?: SocketAddress | undefined } | undefined): SocketAddress {
  const socket = address?.socketAddress;
  assert.ok(socket, "the base resource has a socket address");
  return socket;
}

function dnsEndpointSocket(cluster: Cluster): SocketAddress {
  return socketOf(cluster.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.endpoint?.address);
}

// --- what is generated -------------------------------------------------------------------------

const label = (length: number) => "x".repeat(length);
const HOST_CASES = [
  // The four the planes once disagreed on.
  "a..b",
  "a-",
  label(64),
  "fe80::1%eth0",
  // Around them.
  label(63),
  `${label(63)}.${label(63)}.${label(63)}.${label(61)}`,
  `${label(63)}.${label(63)}.${label(63)}.${label(62)}`,
  `${label(63)}.${label(63)}.${label(63)}.${label(61)}.`,
  "-a",
  "a_b",
  "_srv.example",
  "example.com.",
  ".",
  "",
  "localhost",
  "010.0.0.1",
  "1.2.3.4.5",
  "10.0.0.1%eth0",
  "fe80::1%",
  "fe80::1%eth 0",
  `fe80::1%${label(16)}`,
  "::ffff:10.0.0.1",
  ":::1",
];
const HOST_CHARS = "ab-_.:%019fe".split("");

const hosts: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOST_CASES),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc
    .tuple(fc.ipV6(), fc.string({ unit: fc.constantFrom(..."eth0_.-: ".split("")), maxLength: 17 }))
    .map(([ip, zone]) => `${ip}%${zone}`),
  fc.domain(),
  fc.string({ unit: fc.constantFrom(...HOST_CHARS), maxLength: 20 }),
);

const ports: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 80, 65_535, 65_536, 2 ** 32 - 1),
  fc.integer({ min: 0, max: 70_000 }),
);

const durations: fc.Arbitrary<Duration> = fc.record({
  seconds: fc.oneof(
    fc.integer({ min: -2, max: 2 }),
    fc.constantFrom(DURATION_MAX_SECONDS, DURATION_MAX_SECONDS + 1, -DURATION_MAX_SECONDS - 1),
  ),
  nanos: fc.oneof(
    fc.constantFrom(0, 1, 999_999, 1_000_000, 1_000_001, 999_999_999, 1_000_000_000, -1, -1_000_000),
    fc.integer({ min: -1_000_000_001, max: 1_000_000_001 }),
  ),
});

const RUNS = { numRuns: 400 };

describe("the control plane and the proxy agree", () => {
  test("the base resources are accepted by both planes", () => {
    for (const verdicts of [
      listenerVerdicts(() => {}),
      endpointsVerdicts(() => {}),
      clusterVerdicts(STATIC_CLUSTER, () => {}),
      clusterVerdicts(DNS_CLUSTER, () => {}),
    ]) {
      assert.deepEqual(verdicts.controlPlane, []);
      assert.equal(verdicts.proxy, undefined);
    }
  });

  test("on every listener address host (IP literals only)", () => {
    fc.assert(
      fc.property(hosts, (host) => {
        assertAgree(
          listenerVerdicts((l) => {
            socketOf(l.address).address = host;
          }),
          JSON.stringify(host),
        );
      }),
      RUNS,
    );
  });

  test("on every EDS endpoint host (IP literals only)", () => {
    fc.assert(
      fc.property(hosts, (host) => {
        assertAgree(
          endpointsVerdicts((a) => {
            socketOf(a.endpoints[0]?.lbEndpoints[0]?.endpoint?.address).address = host;
          }),
          JSON.stringify(host),
        );
      }),
      RUNS,
    );
  });

  test("on every DNS cluster endpoint host (IP literals and host names)", () => {
    fc.assert(
      fc.property(hosts, (host) => {
        assertAgree(
          clusterVerdicts(DNS_CLUSTER, (c) => {
            dnsEndpointSocket(c).address = host;
          }),
          JSON.stringify(host),
        );
      }),
      RUNS,
    );
  });

  test("on every port of a listener, an endpoint and a health check's alt_port", () => {
    fc.assert(
      fc.property(ports, (port) => {
        assertAgree(
          listenerVerdicts((l) => {
            socketOf(l.address).portValue = port;
          }),
          `listener port ${port}`,
        );
        assertAgree(
          endpointsVerdicts((a) => {
            socketOf(a.endpoints[0]?.lbEndpoints[0]?.endpoint?.address).portValue = port;
          }),
          `endpoint port ${port}`,
        );
        assertAgree(
          clusterVerdicts(
            {
              ...STATIC_CLUSTER,
              health_checks: [
                {
                  timeout: "1s",
                  interval: "5s",
                  unhealthy_threshold: 2,
                  healthy_threshold: 1,
                  http_health_check: { path: "/healthz" },
                },
              ],
            },
            (c) => {
              const check = c.healthChecks[0];
              assert.ok(check);
              check.altPort = port;
            },
          ),
          `alt_port ${port}`,
        );
      }),
      RUNS,
    );
  });

  test("on every duration: connect_timeout (> 0), dns_refresh_rate (> 1ms), outlier jitter (>= 0)", () => {
    fc.assert(
      fc.property(durations, (duration) => {
        const what = JSON.stringify(duration);
        assertAgree(
          clusterVerdicts(STATIC_CLUSTER, (c) => {
            c.connectTimeout = duration;
          }),
          `connect_timeout ${what}`,
        );
        assertAgree(
          clusterVerdicts(DNS_CLUSTER, (c) => {
            c.dnsRefreshRate = duration;
          }),
          `dns_refresh_rate ${what}`,
        );
        assertAgree(
          clusterVerdicts(STATIC_CLUSTER, (c) => {
            if (c.outlierDetection) c.outlierDetection.maxEjectionTimeJitter = duration;
          }),
          `outlier_detection.max_ejection_time_jitter ${what}`,
        );
      }),
      RUNS,
    );
  });
});
