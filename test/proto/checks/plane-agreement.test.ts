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
import type { Address, SocketAddress } from "../../../proto/gen/envoy/config/core/v3/address.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import type { Duration } from "../../../proto/gen/google/protobuf/duration.js";
import { DURATION_MAX_SECONDS } from "../../../proto/json-shared.js";
import {
  assignment as decodeAssignment,
  cluster as decodeCluster,
  listener as decodeListener,
  endpointJson,
  httpListener,
  type Json,
  staticCluster,
} from "../../data-plane/config/fixtures.js";

const STATIC_CLUSTER = staticCluster({ outlier_detection: {} });
const DNS_CLUSTER = staticCluster({
  type: "STRICT_DNS",
  load_assignment: { cluster_name: "backend", endpoints: [{ lb_endpoints: [endpointJson("db.internal", 80)] }] },
});
const ASSIGNMENT = {
  cluster_name: "backend",
  endpoints: [{ locality: {}, lb_endpoints: [endpointJson("10.0.0.1", 80)] }],
};
const HEALTH_CHECKED = staticCluster({
  health_checks: [
    { timeout: "1s", interval: "5s", unhealthy_threshold: 2, healthy_threshold: 1, http_health_check: { path: "/" } },
  ],
});

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
  const listener = decodeListener(httpListener());
  edit(listener);
  return {
    controlPlane: listenerType.validate(listener).map((d) => d.path),
    proxy: proxyVerdict(() => buildListener(listener)),
  };
}

function clusterVerdicts(json: Json, edit: (cluster: Cluster) => void): Verdicts {
  const cluster = decodeCluster(json);
  edit(cluster);
  return {
    controlPlane: clusterType.validate(cluster).map((d) => d.path),
    proxy: proxyVerdict(() => buildCluster(cluster)),
  };
}

function endpointsVerdicts(edit: (assignment: ClusterLoadAssignment) => void): Verdicts {
  const assignment = decodeAssignment(ASSIGNMENT);
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

function socketOf(address: Address | undefined): SocketAddress {
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

/** One field of one resource, set to a generated value, as both planes judge it. */
type Probe<T> = readonly [name: string, verdicts: (value: T) => Verdicts];

function assertAgreeOn<T>(values: fc.Arbitrary<T>, probes: readonly Probe<T>[]): void {
  fc.assert(
    fc.property(values, (value) => {
      for (const [name, verdicts] of probes) assertAgree(verdicts(value), `${name} = ${JSON.stringify(value)}`);
    }),
    { numRuns: 400 },
  );
}

const firstEndpoint = (a: ClusterLoadAssignment) => socketOf(a.endpoints[0]?.lbEndpoints[0]?.endpoint?.address);

/** Where a socket address sits in each resource kind both planes judge, and what each takes as host. */
const SOCKETS: readonly [string, (edit: (socket: SocketAddress) => void) => Verdicts][] = [
  ["listener (IP literals)", (edit) => listenerVerdicts((l) => edit(socketOf(l.address)))],
  ["EDS endpoint (IP literals)", (edit) => endpointsVerdicts((a) => edit(firstEndpoint(a)))],
  ["DNS cluster endpoint (host names too)", (edit) => clusterVerdicts(DNS_CLUSTER, (c) => edit(dnsEndpointSocket(c)))],
];

/** Cluster duration fields of each lower bound, and the cluster each is set in. */
const DURATIONS: readonly [string, Json, (cluster: Cluster, d: Duration) => void][] = [
  ["connect_timeout (> 0)", STATIC_CLUSTER, (c, d) => Object.assign(c, { connectTimeout: d })],
  ["dns_refresh_rate (> 1ms)", DNS_CLUSTER, (c, d) => Object.assign(c, { dnsRefreshRate: d })],
  [
    "max_ejection_time_jitter (>= 0)",
    STATIC_CLUSTER,
    (c, d) => Object.assign(c.outlierDetection ?? {}, { maxEjectionTimeJitter: d }),
  ],
];

describe("the control plane and the proxy agree", () => {
  test("the base resources are accepted by both planes", () => {
    const bases = [...SOCKETS.map(([, at]) => at(() => {})), clusterVerdicts(STATIC_CLUSTER, () => {})];
    for (const verdicts of [...bases, clusterVerdicts(HEALTH_CHECKED, () => {})]) {
      assert.deepEqual(verdicts.controlPlane, []);
      assert.equal(verdicts.proxy, undefined);
    }
  });

  test("on every host of a listener, an EDS endpoint and a DNS cluster endpoint", () => {
    assertAgreeOn(
      hosts,
      SOCKETS.map(
        ([name, at]): Probe<string> => [name, (host) => at((socket) => Object.assign(socket, { address: host }))],
      ),
    );
  });

  test("on every port of a listener, an endpoint and a health check's alt_port", () => {
    const altPort: Probe<number> = [
      "health check alt_port",
      (port) =>
        clusterVerdicts(HEALTH_CHECKED, (c) => c.healthChecks.map((check) => Object.assign(check, { altPort: port }))),
    ];
    assertAgreeOn(ports, [
      ...SOCKETS.map(
        ([name, at]): Probe<number> => [name, (port) => at((socket) => Object.assign(socket, { portValue: port }))],
      ),
      altPort,
    ]);
  });

  test("on every duration of a field bounded >= 0, > 0 or > 1ms", () => {
    assertAgreeOn(
      durations,
      DURATIONS.map(([name, json, set]): Probe<Duration> => [name, (d) => clusterVerdicts(json, (c) => set(c, d))]),
    );
  });
});
