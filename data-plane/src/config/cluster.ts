// Cluster → RuntimeCluster. Only what the proxy runs today is accepted: STATIC, EDS, STRICT_DNS and
// LOGICAL_DNS clusters with round robin, least request, random or ring hash balancing,
// HTTP/1.1 or HTTP/2 upstreams, plaintext or TLS; the rest is refused with a clear code.
import { POSITIVE } from "../../../proto/checks/index.js";
import { type Cluster, Cluster_DiscoveryType } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import type { HttpProtocolOptions } from "../../../proto/gen/envoy/extensions/upstreams/http/v3/http_protocol_options.js";
import { buildCircuitBreakers, type RuntimeCircuitBreakers } from "./circuit-breakers.js";
import { anyTypeName, Cursor, durationMs, join, requireAds, unpack } from "./common.js";
import { buildDns, type RuntimeDns } from "./dns.js";
import { endpointsFrom, type RuntimeEndpoints } from "./endpoints.js";
import { ConfigErrorCode as Code } from "./errors.js";
import { buildHealthChecks, type RuntimeHealthCheck } from "./health-check.js";
import { buildLoadBalancing, type LbPolicyName, type RuntimeLoadBalancing } from "./load-balancing.js";
import { buildOutlierDetection, type RuntimeOutlierDetection } from "./outlier-detection.js";
import { buildTransportSocket, type RuntimeTls } from "./tls.js";

export interface RuntimeCluster {
  readonly name: string;
  readonly type: "STATIC" | "EDS" | "STRICT_DNS" | "LOGICAL_DNS";
  /** The name to subscribe to over EDS (service_name, or the cluster's name); undefined for STATIC. */
  readonly edsServiceName: string | undefined;
  readonly connectTimeoutMs: number;
  readonly lbPolicy: LbPolicyName;
  /** Speak HTTP/2 (prior knowledge) to the upstream rather than HTTP/1.1. */
  readonly http2: boolean;
  /**
   * The endpoints of a STATIC cluster (from load_assignment); undefined for EDS. For a DNS cluster,
   * the endpoints to resolve: their `host` may be a hostname.
   */
  readonly staticEndpoints: RuntimeEndpoints | undefined;
  /** The balancer's settings; undefined means Envoy's defaults (DEFAULT_LOAD_BALANCING). */
  readonly loadBalancing?: RuntimeLoadBalancing | undefined;
  /** A STRICT_DNS or LOGICAL_DNS cluster's resolution settings; undefined for other types. */
  readonly dns?: RuntimeDns | undefined;
  /** circuit_breakers at DEFAULT priority; absent when the cluster sets none (DEFAULT_CIRCUIT_BREAKERS apply). */
  readonly circuitBreakers?: RuntimeCircuitBreakers;
  /** Active health checks (health_checks): none, or one HTTP check. buildCluster always sets it. */
  readonly healthChecks?: readonly RuntimeHealthCheck[];
  /** Consecutive-error outlier detection (outlier_detection); undefined when off. */
  readonly outlierDetection?: RuntimeOutlierDetection | undefined;
  /** TLS to the endpoints (transport_socket); undefined: plaintext. */
  readonly tls?: RuntimeTls | undefined;
}

/** Envoy's default connect_timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

export function buildCluster(cluster: Cluster): RuntimeCluster {
  const at: Cursor = new Cursor("cluster", cluster.name);
  if (cluster.name === "") at.fail(Code.missingField, "name", "a name is required");
  if (cluster.clusterType !== undefined) {
    at.fail(
      Code.unsupportedClusterType,
      "cluster_type",
      `custom cluster type ${JSON.stringify(cluster.clusterType.name)} is not supported (only STATIC, EDS, STRICT_DNS and LOGICAL_DNS)`,
    );
  }
  const discovery = cluster.type ?? Cluster_DiscoveryType.STATIC;
  const type = DISCOVERY_TYPES.get(discovery);
  if (type === undefined) {
    at.fail(
      Code.unsupportedClusterType,
      "type",
      `${Cluster_DiscoveryType[discovery] ?? String(discovery)} is not supported (only STATIC, EDS, STRICT_DNS and LOGICAL_DNS)`,
    );
  }
  const { lbPolicy, loadBalancing } = buildLoadBalancing(at, cluster);
  const tls = buildTransportSocket(at, "transport_socket", cluster.transportSocket, "upstream");
  const connectTimeoutMs = durationMs(
    at,
    "connect_timeout",
    cluster.connectTimeout,
    DEFAULT_CONNECT_TIMEOUT_MS,
    POSITIVE,
  );

  let edsServiceName: string | undefined;
  let staticEndpoints: RuntimeEndpoints | undefined;
  if (discovery === Cluster_DiscoveryType.EDS) {
    const eds = cluster.edsClusterConfig;
    if (eds === undefined) at.fail(Code.missingField, "eds_cluster_config", "an EDS cluster needs eds_cluster_config");
    requireAds(at, "eds_cluster_config.eds_config", eds.edsConfig);
    edsServiceName = eds.serviceName === "" ? cluster.name : eds.serviceName;
  } else {
    staticEndpoints =
      cluster.loadAssignment === undefined
        ? Object.freeze({ clusterName: cluster.name, localities: Object.freeze([]) })
        : endpointsFrom(at, "load_assignment", cluster.name, cluster.loadAssignment, type !== "STATIC");
    if (type === "LOGICAL_DNS") requireOneEndpoint(at, staticEndpoints);
  }

  return Object.freeze({
    name: cluster.name,
    type,
    edsServiceName,
    connectTimeoutMs,
    lbPolicy,
    http2: upstreamHttp2(at, cluster),
    staticEndpoints,
    loadBalancing,
    dns: type === "STRICT_DNS" || type === "LOGICAL_DNS" ? buildDns(at, cluster) : undefined,
    ...(cluster.circuitBreakers === undefined
      ? {}
      : { circuitBreakers: buildCircuitBreakers(cluster.circuitBreakers) }),
    healthChecks: Object.freeze(buildHealthChecks(at, "health_checks", cluster.healthChecks)),
    outlierDetection: buildOutlierDetection(at, "outlier_detection", cluster.outlierDetection),
    ...(tls === undefined ? {} : { tls }),
  });
}

const DISCOVERY_TYPES: ReadonlyMap<Cluster_DiscoveryType, RuntimeCluster["type"]> = new Map([
  [Cluster_DiscoveryType.STATIC, "STATIC"],
  [Cluster_DiscoveryType.EDS, "EDS"],
  [Cluster_DiscoveryType.STRICT_DNS, "STRICT_DNS"],
  [Cluster_DiscoveryType.LOGICAL_DNS, "LOGICAL_DNS"],
]);

/** Envoy's rule: a LOGICAL_DNS cluster has exactly one endpoint (the name it follows). */
function requireOneEndpoint(at: Cursor, endpoints: RuntimeEndpoints): void {
  const count = endpoints.localities.reduce((sum, locality) => sum + locality.endpoints.length, 0);
  if (endpoints.localities.length !== 1 || count !== 1) {
    at.fail(
      Code.invalidAddress,
      "load_assignment",
      "a LOGICAL_DNS cluster needs exactly one locality and one endpoint",
    );
  }
}

/** HTTP/2 from the typed HttpProtocolOptions' explicit config, or the deprecated http2_protocol_options. */
function upstreamHttp2(at: Cursor, cluster: Cluster): boolean {
  let http2 = cluster.http2ProtocolOptions !== undefined;
  for (const [key, any] of Object.entries(cluster.typedExtensionProtocolOptions)) {
    const field = `typed_extension_protocol_options[${JSON.stringify(key)}]`;
    if (key !== HTTP_PROTOCOL_OPTIONS || anyTypeName(any) !== HTTP_PROTOCOL_OPTIONS) {
      at.fail(Code.unsupportedFeature, field, `protocol options ${anyTypeName(any)} are not supported`);
    }
    const options = unpack<HttpProtocolOptions>(at, field, any, HTTP_PROTOCOL_OPTIONS);
    if (options.autoConfig !== undefined) {
      at.fail(Code.unsupportedFeature, join(field, "auto_config"), "auto_config needs ALPN (TLS), not supported");
    }
    if (options.useDownstreamProtocolConfig !== undefined) {
      at.fail(Code.unsupportedFeature, join(field, "use_downstream_protocol_config"), "not supported yet");
    }
    if (options.explicitHttpConfig?.http2ProtocolOptions !== undefined) http2 = true;
    else if (options.explicitHttpConfig?.httpProtocolOptions !== undefined) http2 = false;
  }
  return http2;
}
