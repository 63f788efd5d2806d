// What the request paths (HTTP forwarding, TCP proxying) report when a request or connection ends,
// for the access log and the proxy's metrics. Producers build one record per request; consumers
// must not keep a reference past the call or do blocking work in it (it runs on the hot path).
import type { BreakerResource } from "../upstream/resilience.js";

/**
 * Envoy's response flags (the short names its access logs use), for what went wrong or was done
 * locally. A record carries the ones that apply, usually none or one.
 */
export const ResponseFlag = {
  /** No route matched (404). */
  noRoute: "NR",
  /** The route names a cluster the proxy does not have. */
  noClusterFound: "NC",
  /** The cluster has no healthy endpoint (503). */
  noHealthyUpstream: "UH",
  /** Connecting to the upstream failed (refused, unreachable, connect_timeout). */
  upstreamConnectionFailure: "UF",
  /** The upstream reset the stream or closed the connection. */
  upstreamRemoteReset: "UR",
  /** The upstream connection ended before the response did. */
  upstreamConnectionTermination: "UC",
  /** The route's timeout (or the gRPC deadline) passed before the upstream answered (504). */
  upstreamRequestTimeout: "UT",
  /** The downstream client went away before the response was complete. */
  downstreamConnectionTermination: "DC",
  /** The proxy reset the stream itself (e.g. a timeout after the response had started). */
  localReset: "LR",
  /** The stream saw no activity for the stream idle timeout. */
  streamIdleTimeout: "SI",
  /** A circuit breaker refused the request (issue 6). */
  upstreamOverflow: "UO",
  /** Retries ran out (issue 6). */
  upstreamRetryLimitExceeded: "URX",
  /** The answer came from the route itself (direct_response, redirect). */
  directResponse: "DR",
  /** The fault filter aborted the request. */
  faultInjected: "FI",
  /** The fault filter delayed the request. */
  delayInjected: "DI",
} as const;

export type ResponseFlag = (typeof ResponseFlag)[keyof typeof ResponseFlag];

/** One HTTP request (HTTP/1.1 or HTTP/2, gRPC included) as it ended. */
export interface HttpRequestRecord {
  readonly kind: "http";
  readonly listener: string;
  /** The HCM's stat_prefix. */
  readonly statPrefix: string;
  /** "HTTP/1.1" or "HTTP/2". */
  readonly protocol: string;
  readonly method: string;
  readonly authority: string;
  /** The path as the client sent it (with its query string). */
  readonly path: string;
  /** The status sent downstream; 0 when the stream was reset before any status was sent. */
  readonly status: number;
  /** For gRPC requests, the grpc-status sent downstream (trailer or trailers-only), else undefined. */
  readonly grpcStatus: number | undefined;
  /** From the start of the request to the end of the response, in milliseconds (fractional). */
  readonly durationMs: number;
  /** Until the upstream's response headers arrived, in milliseconds; undefined when none did. */
  readonly upstreamDurationMs: number | undefined;
  /** The cluster the route chose; undefined when no cluster was chosen. */
  readonly cluster: string | undefined;
  /** `host:port` of the endpoint used; undefined when none was. */
  readonly upstreamAddress: string | undefined;
  readonly responseFlags: readonly ResponseFlag[];
  /** x-request-id as sent upstream (generated when the request had none). */
  readonly requestId: string | undefined;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  /** The downstream peer, `host:port`. */
  readonly downstreamAddress: string;
  readonly userAgent: string | undefined;
  /**
   * The URI SAN of the client certificate the request's connection proved (an mTLS caller's SPIFFE
   * ID; empty when the certificate has none); absent for plaintext and TLS without a client certificate.
   */
  readonly downstreamPeerUri?: string;
}

/** One TCP-proxied connection as it ended. */
export interface TcpConnectionRecord {
  readonly kind: "tcp";
  readonly listener: string;
  readonly statPrefix: string;
  readonly cluster: string | undefined;
  readonly upstreamAddress: string | undefined;
  readonly durationMs: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly responseFlags: readonly ResponseFlag[];
  readonly downstreamAddress: string;
}

export type RequestRecord = HttpRequestRecord | TcpConnectionRecord;

export interface RequestObserver {
  /** Called once per request or connection, when it has ended. */
  ended(record: RequestRecord): void;
  /** Called when a request to `cluster` starts a retry (after its back-off). */
  retried?(cluster: string): void;
  /** Called when a request to `cluster` wanted another retry but had used num_retries (URX). */
  retriesExhausted?(cluster: string): void;
  /** Called when a circuit breaker of `cluster` refused a slot of `resource` (503 UO, or no retry). */
  overflowed?(cluster: string, resource: BreakerResource): void;
  /**
   * Called when an RBAC filter of `listener` decided (`allowed` or `denied`; LOG filters and
   * filters without rules are not counted), with the policy that matched, if one did, and the
   * caller's principal (its certificate's URI SAN) when it came over mTLS.
   */
  authorized?(
    listener: string,
    decision: "allowed" | "denied",
    policy: string | undefined,
    peer: string | undefined,
  ): void;
}
