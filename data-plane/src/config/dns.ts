// The DNS settings of a STRICT_DNS or LOGICAL_DNS cluster.
import { MORE_THAN_1MS } from "../../../proto/checks/index.js";
import { type Cluster, Cluster_DnsLookupFamily } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { type Cursor, durationMs } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

export type DnsLookupFamily = "AUTO" | "V4_ONLY" | "V6_ONLY" | "V4_PREFERRED" | "ALL";

export interface RuntimeDns {
  /** dns_refresh_rate: how often every hostname is resolved again. */
  readonly refreshRateMs: number;
  /**
   * respect_dns_ttl, kept for the record: Node's resolver (getaddrinfo) does not report TTLs, so
   * the refresh rate always applies.
   */
  readonly respectDnsTtl: boolean;
  readonly lookupFamily: DnsLookupFamily;
}

/** Envoy's default dns_refresh_rate. */
export const DEFAULT_DNS_REFRESH_RATE_MS = 5000;

const FAMILIES: Readonly<Record<number, DnsLookupFamily>> = {
  [Cluster_DnsLookupFamily.AUTO]: "AUTO",
  [Cluster_DnsLookupFamily.V4_ONLY]: "V4_ONLY",
  [Cluster_DnsLookupFamily.V6_ONLY]: "V6_ONLY",
  [Cluster_DnsLookupFamily.V4_PREFERRED]: "V4_PREFERRED",
  [Cluster_DnsLookupFamily.ALL]: "ALL",
};

export function buildDns(at: Cursor, cluster: Cluster): RuntimeDns {
  const lookupFamily = FAMILIES[cluster.dnsLookupFamily];
  if (lookupFamily === undefined) {
    at.fail(Code.unsupportedFeature, "dns_lookup_family", `unknown lookup family ${cluster.dnsLookupFamily}`);
  }
  return Object.freeze({
    refreshRateMs: durationMs(
      at,
      "dns_refresh_rate",
      cluster.dnsRefreshRate,
      DEFAULT_DNS_REFRESH_RATE_MS,
      MORE_THAN_1MS,
    ),
    respectDnsTtl: cluster.respectDnsTtl,
    lookupFamily,
  });
}
