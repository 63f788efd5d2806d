// What the TCP proxy needs from the upstream layer, narrowed so tests can pass fakes;
// ClusterManager satisfies it.
import type { RuntimeTls } from "../config/tls.js";
import type { CircuitBreaker } from "../upstream/circuit-breaker.js";

export interface TcpUpstream {
  readonly endpoint: { readonly host: string; readonly port: number };
  /** `host:port`, for the record. */
  readonly address: string;
  /** Called when a connection to this endpoint starts… */
  begin(): void;
  /** …and once when it has closed or failed. */
  end(): void;
}

export interface TcpUpstreamSource {
  /** The next endpoint of the cluster; undefined when it is unknown or has no usable endpoint. */
  pick(clusterName: string): TcpUpstream | undefined;
  /** The cluster as configured; undefined when the proxy does not have it. */
  cluster(
    clusterName: string,
  ): { readonly connectTimeoutMs: number; readonly tls?: RuntimeTls | undefined } | undefined;
  /** Resolves true once a warming cluster has its endpoints, false when it is gone or `timeoutMs` passes. */
  whenWarm(clusterName: string, timeoutMs: number): Promise<boolean>;
  /** The cluster's circuit breaker (its `connections` bound the upstream connections); none: no limit. */
  breaker?(clusterName: string): Pick<CircuitBreaker, "tryAcquire"> | undefined;
}
