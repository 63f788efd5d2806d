// `weft proxy` as a function: the xDS client, the runtime it feeds, listeners, upstream pools,
// the admin server, metrics and the access log, started together and closed in order.
import type { Logger } from "pino";
import { type Clock, systemClock } from "../../../time/index.js";
import { type AccessLog, createAccessLog } from "../access-log/index.js";
import { startAdmin } from "../admin/index.js";
import { createHttpHandler, Http2Sessions, type UpstreamClusters } from "../http/index.js";
import { ListenerManager, type PortHolds } from "../listeners/index.js";
import { ProxyMetrics } from "../metrics/index.js";
import { ResilienceMetrics } from "../metrics/resilience-metrics.js";
import { TrafficResilienceMetrics } from "../metrics/traffic-resilience-metrics.js";
import type { RequestObserver, RequestRecord } from "../observer/request-observer.js";
import { createTcpHandler, type TcpUpstreamSource } from "../tcp/index.js";
import {
  downstreamTransport,
  ProxySecrets,
  TlsContexts,
  type UpstreamTlsResolver,
  upstreamTlsOptions,
} from "../tls/index.js";
import { ClusterManager } from "../upstream/index.js";
import {
  AdsClient,
  type AdsClientListener,
  DEFAULT_BACKOFF,
  type NodeIdentity,
  type XdsChannel,
} from "../xds-client/index.js";
import { ClusterResilience } from "./cluster-resilience.js";
import { ProxyRuntime } from "./runtime.js";

export interface ProxyOptions {
  readonly node: NodeIdentity;
  /** Control planes as "host:port", in fail-over order. */
  readonly xdsServers: readonly string[];
  readonly delta: boolean;
  readonly admin: { readonly host: string; readonly port: number };
  /** "stdout", "off" or a file path. */
  readonly accessLog: string;
  readonly logger: Logger;
  /** How long a listener waits for its route configuration before serving without it. */
  readonly warmingTimeoutMs?: number;
  /** The longest wait between two attempts to reach a control plane (DEFAULT_BACKOFF's cap if unset). */
  readonly xdsReconnectMaxDelayMs?: number;
  /**
   * The one clock every timer of the proxy's own runs on (xDS reconnects, warming, DNS refreshes,
   * health checks, outlier detection, cluster warm-up waits, listener drains) and the times it
   * reports; the system clock by default. The request paths' socket and per-request timers are
   * Node's own.
   */
  readonly clock?: Clock;
  /**
   * Addresses bound before the proxy started (a sidecar's inbound port): the listener on one of
   * them takes its socket over rather than binding it; the proxy's close releases the rest.
   */
  readonly portHolds?: PortHolds;
  /**
   * The secrets TLS contexts name by SDS: a sidecar puts its own certificate here, and those
   * names are not asked of the control plane. The proxy makes an empty set when none is given
   * (then only SDS fills it).
   */
  readonly secrets?: ProxySecrets;
  /** How to reach the control planes: plaintext when unset, else TLS (xds-client/control-plane-tls.ts). */
  readonly xdsChannel?: XdsChannel;
}

export interface RunningProxy {
  readonly admin: { readonly host: string; readonly port: number };
  readonly runtime: ProxyRuntime;
  readonly listeners: ListenerManager;
  /** Calls `listener` on each change of the xDS client's state (connected, ...) until the returned function is called. */
  xdsEvents(listener: AdsClientListener): () => void;
  /**
   * Stops taking config, drains every listener (each within its drain timeout: in-flight
   * requests finish, idle connections close), closes upstream pools, the admin server and the
   * access log. Idempotent.
   */
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  // The metrics need the listeners (connection gauge) and the listeners the metrics (counter).
  let metrics: ProxyMetrics | undefined;
  const listeners = new ListenerManager({
    connectionOpened: (name) => metrics?.connectionOpened(name),
    clock,
    ...(options.portHolds === undefined ? {} : { holds: options.portHolds }),
  });
  // TLS contexts are made from the current secrets, and made again when one changes.
  const secrets = options.secrets ?? new ProxySecrets();
  const contexts = new TlsContexts(secrets);
  const stopSecrets = secrets.onChange(() => contexts.secretsChanged());
  const upstreamTls: UpstreamTlsResolver = (config) => upstreamTlsOptions(config, contexts);
  const tlsLogger = logger.child({ component: "tls" });
  // Health checks, outlier detection and circuit breakers live beside each cluster.
  const resilience = new ClusterResilience(logger, clock);
  const clusters = new ClusterManager({
    clock,
    logger: logger.child({ component: "upstream" }),
    monitors: [resilience.monitor],
    upstreamTls,
  });
  // The HTTP path's view of the clusters: the manager, plus each cluster's circuit breaker.
  const upstreams: UpstreamClusters = {
    has: (name) => clusters.has(name),
    cluster: (name) => clusters.cluster(name),
    warming: (name) => clusters.warming(name),
    whenWarm: (name, ms) => clusters.whenWarm(name, ms),
    pick: (name, context) => clusters.pick(name, context),
    attemptEnded: (name, address, outcome) => clusters.attemptEnded(name, address, outcome),
    breaker: (name) => resilience.breaker(name),
  };
  const tcpUpstreams: TcpUpstreamSource = {
    pick: (name) => clusters.pick(name),
    cluster: (name) => clusters.cluster(name),
    whenWarm: (name, ms) => clusters.whenWarm(name, ms),
    breaker: (name) => resilience.breaker(name),
  };
  // One set of HTTP/2 upstream sessions for every listener, so listeners share connections.
  const http2Sessions = new Http2Sessions({ tls: upstreamTls });
  metrics = new ProxyMetrics({
    activeConnections: () => listeners.activeConnections(),
    clusters: () => clusters.view(),
    now: () => clock.now(),
  });
  resilience.setMetrics(
    new ResilienceMetrics(metrics.registry, { ejectedEndpoints: () => resilience.ejectedCounts() }),
  );
  const trafficMetrics = new TrafficResilienceMetrics({
    registry: metrics.registry,
    breakers: () => resilience.breakerCounts(),
  });
  const proxyMetrics = metrics;
  const accessLog: AccessLog = createAccessLog(options.accessLog);
  const observer = fanOut(metrics, accessLog, trafficMetrics, logger.child({ component: "rbac" }));
  const runtime = new ProxyRuntime({
    listeners,
    clusters,
    protocol: options.delta ? "delta" : "sotw",
    logger,
    clock,
    secrets,
    ...(options.warmingTimeoutMs === undefined ? {} : { warmingTimeoutMs: options.warmingTimeoutMs }),
    handlers: {
      http: (listener, http, routeTable) =>
        createHttpHandler({ listener, http, routeTable, clusters: upstreams, observer, http2Sessions }),
      tcp: (listener, tcp) => createTcpHandler({ listener, tcp, clusters: tcpUpstreams, observer, upstreamTls }),
      transport: (listener, transport) =>
        downstreamTransport(transport.tls, contexts, {
          plaintext: transport.plaintext,
          refused: (reason, detail, error) => {
            proxyMetrics.tlsRefused(listener, reason);
            tlsLogger.debug(
              { listener, reason, detail, ...(error instanceof Error ? { err: error.message } : {}) },
              "connection refused",
            );
          },
        }),
    },
  });
  const backoff = { ...DEFAULT_BACKOFF, capMs: options.xdsReconnectMaxDelayMs ?? DEFAULT_BACKOFF.capMs };
  const ads = new AdsClient({
    servers: options.xdsServers,
    node: options.node,
    protocol: options.delta ? "delta" : "sotw",
    logger,
    subscriptions: runtime.subscriptions,
    backoff,
    clock,
    ...(options.xdsChannel === undefined
      ? {}
      : { credentials: options.xdsChannel.credentials, channelOptions: options.xdsChannel.options }),
  });
  runtime.attach(ads);
  ads.subscribe((event) => proxyMetrics.onXdsEvent(event));

  let admin: Awaited<ReturnType<typeof startAdmin>>;
  try {
    admin = await startAdmin({
      host: options.admin.host,
      port: options.admin.port,
      logger,
      metrics,
      source: {
        readiness: () => runtime.readiness(),
        configDump: () => ({
          node: { id: options.node.id, cluster: options.node.cluster },
          xds: {
            server: ads.server,
            connected: ads.connected,
            protocol: options.delta ? "delta" : "sotw",
            lastNack:
              ads.lastNack === undefined ? null : { ...ads.lastNack, at: new Date(ads.lastNack.at).toISOString() },
          },
          ...runtime.configDump(),
        }),
        clusters: () => resilience.view(clusters.view()),
      },
    });
  } catch (error) {
    await accessLog.close();
    await clusters.close();
    throw error;
  }
  ads.start();
  logger.info(
    {
      admin: admin.address,
      xds: options.xdsServers,
      node: options.node.id,
      protocol: options.delta ? "delta" : "sotw",
      xdsReconnectMaxDelayMs: backoff.capMs,
    },
    "proxy started",
  );

  let closing: Promise<void> | undefined;
  return {
    admin: admin.address,
    runtime,
    listeners,
    xdsEvents: (listener) => ads.subscribe(listener),
    close: () => {
      closing ??= (async () => {
        ads.close();
        runtime.close();
        await listeners.close();
        await Promise.all([clusters.close(), http2Sessions.close()]);
        await admin.close();
        await accessLog.close();
        stopSecrets();
        logger.info("proxy stopped");
      })();
      return closing;
    },
  };
}

/**
 * One observer feeding the metrics and the access log (whose `ended` only queues a line), and the
 * resilience counters' hooks.
 */
function fanOut(
  metrics: ProxyMetrics,
  accessLog: AccessLog,
  traffic: TrafficResilienceMetrics,
  rbacLogger: Logger,
): RequestObserver {
  return {
    ended(record: RequestRecord): void {
      metrics.ended(record);
      accessLog.ended(record);
    },
    retried: (cluster) => traffic.retried(cluster),
    retriesExhausted: (cluster) => traffic.retriesExhausted(cluster),
    overflowed: (cluster, resource) => traffic.overflowed(cluster, resource),
    authorized: (listener, decision, policy, peer) => {
      metrics.authorized(listener, decision);
      // Every request's line is in the access log (status 403, downstream_peer_uri_san); this
      // one says which policy decided, at debug, so a flood of denials does not flood the log.
      if (decision === "denied")
        rbacLogger.debug({ listener, policy: policy ?? null, peer: peer ?? null }, "request denied by RBAC");
    },
  };
}
