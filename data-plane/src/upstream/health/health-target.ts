// What active health checking and outlier detection need of a cluster's host. The cluster
// manager's per-host state satisfies it; each setter is expected to take effect for load
// balancing at once (the host leaves or rejoins the healthy set).

export interface HealthTarget {
  /** `host:port` (an IPv6 host in brackets): the host's identity within its cluster. */
  readonly address: string;
  /** The IP to connect to. */
  readonly host: string;
  readonly port: number;
  /** The host failed active health checks (Envoy's FAILED_ACTIVE_HC). */
  readonly activeHealthFailed: boolean;
  /** The host is ejected by outlier detection (Envoy's FAILED_OUTLIER_CHECK). */
  readonly ejected: boolean;
  setActiveHealthFailed(failed: boolean): void;
  setEjected(ejected: boolean): void;
}
