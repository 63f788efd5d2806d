// The TCP proxy filter as a listener's connection handler: per connection, choose the cluster
// (the one named, or one of the weighted ones), wait briefly if it is still warming, pick an
// endpoint and proxy the bytes (see ProxiedConnection). No cluster: NC; no endpoint: UH.

import type net from "node:net";
import type tls from "node:tls";
import type { RuntimeTcp } from "../config/index.js";
import type { RequestObserver } from "../observer/request-observer.js";
import { ResponseFlag } from "../observer/request-observer.js";
import { pickWeighted } from "../router/index.js";
import type { UpstreamTlsResolver } from "../tls/upstream.js";
import { ProxiedConnection } from "./proxied-connection.js";
import type { TcpUpstreamSource } from "./upstream-source.js";

export interface TcpHandlerOptions {
  /** The listener's name, for the record. */
  readonly listener: string;
  readonly tcp: RuntimeTcp;
  readonly clusters: TcpUpstreamSource;
  readonly observer: RequestObserver;
  /** Uniform in [0, 1), for weighted clusters; Math.random by default. */
  readonly random?: () => number;
  /** Milliseconds, for the record's duration; performance.now by default. */
  readonly now?: () => number;
  /** Makes a TLS cluster's connection options; without it, a TLS cluster's connections fail (UF). */
  readonly upstreamTls?: UpstreamTlsResolver;
}

/** A connection handler for a TCP listener; each call owns the socket until both sides close. */
export function createTcpHandler(options: TcpHandlerOptions): (socket: net.Socket) => void {
  const { tcp, clusters } = options;
  const random = options.random ?? Math.random;
  const context = {
    listener: options.listener,
    statPrefix: tcp.statPrefix,
    idleTimeoutMs: tcp.idleTimeoutMs,
    observer: options.observer,
    now: options.now ?? (() => performance.now()),
  };
  const weights = tcp.weightedClusters?.map((c) => c.weight);

  const chooseCluster = (): string | undefined => {
    if (tcp.cluster !== undefined) return tcp.cluster;
    const index = weights === undefined ? undefined : pickWeighted(weights, random());
    return index === undefined ? undefined : tcp.weightedClusters?.[index]?.name;
  };

  const proxy = async (connection: ProxiedConnection): Promise<void> => {
    const name = chooseCluster();
    const cluster = name === undefined ? undefined : clusters.cluster(name);
    if (name === undefined || cluster === undefined) {
      connection.fail(ResponseFlag.noClusterFound, name);
      return;
    }
    let endpoint = clusters.pick(name);
    if (endpoint === undefined) {
      // A warming EDS cluster (its endpoints not here yet) gets up to the connect timeout; any
      // other cluster answers at once, so a cluster without usable endpoints fails fast.
      if (await clusters.whenWarm(name, cluster.connectTimeoutMs)) endpoint = clusters.pick(name);
      if (connection.closed) return;
    }
    if (endpoint === undefined) {
      connection.fail(ResponseFlag.noHealthyUpstream, name);
      return;
    }
    // circuit_breakers max_connections: one upstream connection per proxied connection.
    const breaker = clusters.breaker?.(name);
    const ticket = breaker?.tryAcquire("connections");
    if (breaker !== undefined && ticket === undefined) {
      options.observer.overflowed?.(name, "connections");
      connection.fail(ResponseFlag.upstreamOverflow, name);
      return;
    }
    let tlsOptions: tls.ConnectionOptions | undefined;
    if (cluster.tls !== undefined) {
      try {
        if (options.upstreamTls === undefined) throw new Error("no TLS");
        tlsOptions = options.upstreamTls(cluster.tls).options;
      } catch {
        ticket?.release();
        connection.fail(ResponseFlag.upstreamConnectionFailure, name);
        return;
      }
    }
    connection.connect(name, endpoint, cluster.connectTimeoutMs, ticket, tlsOptions);
  };

  return (socket) => {
    void proxy(new ProxiedConnection(socket, context));
  };
}
