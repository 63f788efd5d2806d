// The proxy's upstream clusters. Each cluster keeps its hosts (a HostState per address, with
// health-check, outlier and in-flight state) across config updates while the address stays, and
// an undici Pool per address is shared by every cluster naming it. A pool no host uses any more
// is closed, which lets its in-flight requests finish first. STRICT_DNS and LOGICAL_DNS clusters
// get their hosts from DNS (dns/dns-resolution.ts) and are warming until their first resolution.
import { lookup as dnsLookup } from "node:dns/promises";
import { buildConnector, Pool } from "undici";
import { type Clock, systemClock } from "../../../time/index.js";
import {
  DEFAULT_CIRCUIT_BREAKERS,
  type EndpointHealth,
  type LbPolicyName,
  type RuntimeCluster,
  type RuntimeEndpoints,
} from "../config/index.js";
import { ProxyError, ProxyErrorCode } from "../errors.js";
import type { UpstreamTlsOptions, UpstreamTlsResolver } from "../tls/upstream.js";
import { registerBuiltinLoadBalancers } from "./balancers/builtin.js";
import { ClusterState } from "./cluster-state.js";
import { type DnsLogger, type DnsLookup, DnsResolution } from "./dns/dns-resolution.js";
import type { ClusterHosts, HostHealthFlag, HostLocality, HostMonitor, HostMonitorFactory, HostState } from "./host.js";
import { PoolSlots } from "./pool-slots.js";
import type { AttemptOutcome, PickContext } from "./resilience.js";

/** undici's default idle keep-alive for upstream connections. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4000;

export interface ClusterManagerOptions {
  readonly keepAliveTimeoutMs?: number;
  /** Uniform numbers in [0, 1) for the balancers and DNS jitter; default Math.random. */
  readonly random?: () => number;
  /** The resolver for DNS clusters; default dns.promises.lookup (the system's getaddrinfo). */
  readonly lookup?: DnsLookup;
  /**
   * DNS refresh timers, DNS resolution times (in the view) and whenWarm's time-outs; the system
   * clock by default.
   */
  readonly clock?: Clock;
  /** Where DNS failures and recoveries are logged. */
  readonly logger?: DnsLogger;
  /**
   * Health checking, outlier detection and the like: each factory is called once per cluster
   * when it appears, its monitor told of config changes and closed when the cluster goes.
   */
  readonly monitors?: readonly HostMonitorFactory[];
  /** Makes a TLS cluster's connection options (from its transport socket) for each new connection. */
  readonly upstreamTls?: UpstreamTlsResolver;
}

interface ClusterEntry {
  readonly state: ClusterState;
  readonly monitors: HostMonitor[];
  dns: DnsResolution | undefined;
  /** What the DNS resolution was started from; a change restarts it. */
  dnsKey: string | undefined;
}

export interface EndpointView {
  readonly address: string;
  readonly priority: number;
  readonly weight: number;
  /** The EDS (or configured) health status. */
  readonly health: EndpointHealth;
  readonly activeRequests: number;
  /** Envoy's health_flags; empty when healthy. */
  readonly healthFlags?: readonly HostHealthFlag[];
  /** Takes traffic outside panic mode (degraded hosts are not counted healthy). */
  readonly healthy?: boolean;
  readonly locality?: HostLocality;
}

export interface ClusterView {
  readonly name: string;
  /** An EDS cluster whose endpoints have not arrived yet, or a DNS cluster not resolved yet. */
  readonly warming: boolean;
  readonly endpoints: readonly EndpointView[];
  readonly lbPolicy?: LbPolicyName;
  /** Some priority level with load is in panic mode (balancing over unhealthy hosts too). */
  readonly panic?: boolean;
  /** A DNS cluster's names and when they were last resolved (wall clock ms; undefined before the first). */
  readonly dns?: { readonly hostnames: readonly string[]; readonly lastResolvedAt: number | undefined };
}

export class ClusterManager {
  readonly #keepAliveTimeoutMs: number;
  readonly #random: () => number;
  readonly #lookup: DnsLookup;
  readonly #clock: Clock;
  readonly #logger: DnsLogger | undefined;
  readonly #monitorFactories: readonly HostMonitorFactory[];
  readonly #upstreamTls: UpstreamTlsResolver | undefined;
  readonly #slots = new PoolSlots();
  readonly #newPool = (address: string, cluster: RuntimeCluster): Pool => this.#makePool(address, cluster);
  /** Requests waiting for a warming cluster's endpoints, by cluster name. */
  readonly #waiters = new Map<string, Set<(ready: boolean) => void>>();
  #entries: ReadonlyMap<string, ClusterEntry> = new Map();
  #closed = false;

  constructor(options: ClusterManagerOptions = {}) {
    registerBuiltinLoadBalancers();
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
    this.#random = options.random ?? Math.random;
    this.#lookup = options.lookup ?? ((hostname, lookupOptions) => dnsLookup(hostname, lookupOptions));
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#monitorFactories = options.monitors ?? [];
    this.#upstreamTls = options.upstreamTls;
  }

  /**
   * Replaces every cluster. STATIC clusters carry their endpoints; an EDS cluster takes those in
   * `endpointsByCluster` under its EDS service name (none yet: warming, and pick() finds nothing);
   * a DNS cluster resolves its names. Resolves once the pools of removed endpoints have drained
   * and closed.
   */
  update(
    clusters: readonly RuntimeCluster[],
    endpointsByCluster: ReadonlyMap<string, RuntimeEndpoints>,
  ): Promise<void> {
    // An assert, not a user-reachable error: the runtime stops taking config before it closes this.
    if (this.#closed) throw new Error("ClusterManager is closed");
    const previous = this.#entries;
    const entries = new Map<string, ClusterEntry>();
    const removed: HostState[] = [];
    const created: ClusterEntry[] = [];
    for (const cluster of clusters) {
      let entry = previous.get(cluster.name);
      const changed = entry !== undefined && entry.state.cluster !== cluster;
      if (entry === undefined) {
        entry = {
          state: new ClusterState(cluster, this.#random, true),
          monitors: [],
          dns: undefined,
          dnsKey: undefined,
        };
        created.push(entry);
      }
      const state = entry.state;
      state.cluster = cluster;
      if (cluster.type === "EDS") {
        const endpoints = endpointsByCluster.get(cluster.edsServiceName ?? "");
        state.warming = endpoints === undefined;
        removed.push(...state.assign(endpoints, this.#slots, this.#newPool));
      } else if (cluster.type === "STATIC") {
        state.warming = false;
        removed.push(...state.assign(cluster.staticEndpoints, this.#slots, this.#newPool));
      } else {
        // Hosts already resolved are re-keyed if the cluster's connection options changed.
        removed.push(...state.assign(state.endpoints, this.#slots, this.#newPool));
        this.#resolve(entry, cluster);
      }
      if (changed) for (const monitor of entry.monitors) monitor.configure?.(cluster);
      entries.set(cluster.name, entry);
    }
    for (const [name, entry] of previous) {
      if (entries.has(name)) continue;
      closeEntry(entry);
      removed.push(...entry.state.hosts());
    }
    this.#entries = entries;
    for (const entry of created) {
      for (const factory of this.#monitorFactories) {
        const monitor = factory(entry.state.cluster, entry.state);
        if (monitor !== undefined) entry.monitors.push(monitor);
      }
    }
    this.#wakeWaiters();
    return this.#release(removed);
  }

  /** Starts (or restarts, when its names or settings changed) a DNS cluster's resolution. */
  #resolve(entry: ClusterEntry, cluster: RuntimeCluster): void {
    const key = JSON.stringify([cluster.type, cluster.staticEndpoints, cluster.dns]);
    if (entry.dnsKey === key) return;
    entry.dns?.close();
    entry.dnsKey = key;
    const resolution: DnsResolution = new DnsResolution({
      cluster,
      lookup: this.#lookup,
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger,
      resolved: (endpoints) => {
        if (this.#closed || entry.dns !== resolution || this.#entries.get(cluster.name) !== entry) return;
        const removed = entry.state.assign(endpoints, this.#slots, this.#newPool);
        entry.state.warming = false;
        this.#wakeWaiters();
        void this.#release(removed);
      },
    });
    entry.dns = resolution;
    resolution.start();
  }

  #release(hosts: readonly HostState[]): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const host of hosts) {
      const done = this.#slots.release(host.slot);
      if (done !== undefined) closing.push(done);
    }
    return Promise.all(closing).then(() => undefined);
  }

  /**
   * An endpoint of `clusterName` chosen by its balancer, or undefined (unknown cluster, no usable
   * endpoint: a 503). `context.hash` feeds ring hash; `context.avoid` steers a retry elsewhere.
   */
  pick(clusterName: string, context?: PickContext): HostState | undefined {
    return this.#entries.get(clusterName)?.state.pick(context);
  }

  /**
   * How an attempt on `address` of `clusterName` ended: handed to the host's outcome listeners
   * (outlier detection). Nothing happens when the host has gone meanwhile.
   */
  attemptEnded(clusterName: string, address: string, outcome: AttemptOutcome): void {
    this.#entries.get(clusterName)?.state.host(address)?.report(outcome);
  }

  has(clusterName: string): boolean {
    return this.#entries.has(clusterName);
  }

  /** The cluster as configured, or undefined when unknown. */
  cluster(clusterName: string): RuntimeCluster | undefined {
    return this.#entries.get(clusterName)?.state.cluster;
  }

  /** A cluster's hosts, for health checking and outlier detection; undefined when unknown. */
  hosts(clusterName: string): ClusterHosts | undefined {
    return this.#entries.get(clusterName)?.state;
  }

  /** Whether `clusterName` is waiting for its first endpoints (EDS) or first resolution (DNS). */
  warming(clusterName: string): boolean {
    return this.#entries.get(clusterName)?.state.warming === true;
  }

  /**
   * Waits until a warming cluster has received its endpoints (true), or is gone, the manager is
   * closed or `timeoutMs` passes (false). A cluster that is not warming answers at once. A route
   * and the new cluster it names can arrive in separate responses; waiting here, bounded by the
   * request's own timeout, turns that gap into a short delay instead of a 503.
   */
  whenWarm(clusterName: string, timeoutMs: number): Promise<boolean> {
    const entry = this.#entries.get(clusterName);
    if (entry === undefined || this.#closed) return Promise.resolve(false);
    if (!entry.state.warming) return Promise.resolve(true);
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(clusterName);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(clusterName, waiters);
      }
      const set = waiters;
      const done = (ready: boolean): void => {
        this.#clock.clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiters.get(clusterName) === set) this.#waiters.delete(clusterName);
        resolve(ready);
      };
      const timer = this.#clock.setTimeout(() => done(false), timeoutMs);
      set.add(done);
    });
  }

  #wakeWaiters(): void {
    for (const [name, waiters] of this.#waiters) {
      const entry = this.#entries.get(name);
      if (entry?.state.warming && !this.#closed) continue;
      for (const done of [...waiters]) done(entry !== undefined && !this.#closed);
    }
  }

  /** Each cluster's endpoints, their health and requests in flight, for the admin /clusters view. */
  view(): ClusterView[] {
    return [...this.#entries.values()].map(({ state, dns }) => ({
      name: state.name,
      warming: state.warming,
      lbPolicy: state.cluster.lbPolicy,
      panic: state.prioritySet.inPanic,
      endpoints: state.hosts().map((host) => ({
        address: host.address,
        priority: host.priority,
        weight: host.weight,
        health: host.edsHealth,
        activeRequests: host.activeRequests,
        healthFlags: host.healthFlags(),
        healthy: host.healthy,
        locality: host.locality,
      })),
      ...(dns === undefined ? {} : { dns: { hostnames: dns.hostnames, lastResolvedAt: dns.lastResolvedAt } }),
    }));
  }

  /** Closes every pool, letting in-flight requests finish; the manager takes no more updates. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = this.#entries;
    this.#entries = new Map();
    for (const entry of entries.values()) closeEntry(entry);
    this.#wakeWaiters();
    await this.#slots.closeAll();
  }

  #makePool(address: string, cluster: RuntimeCluster): Pool {
    // useH2c (HTTP/2 by prior knowledge over cleartext) is honoured by undici's connector but
    // missing from its types, hence a variable rather than an object literal.
    const tlsConfig = cluster.tls;
    if (tlsConfig !== undefined) {
      const resolve = this.#upstreamTls ?? withoutTls;
      return new Pool(`https://${address}`, {
        connect: tlsConnector(() => resolve(tlsConfig), cluster.connectTimeoutMs),
        keepAliveTimeout: this.#keepAliveTimeoutMs,
        connections: (cluster.circuitBreakers ?? DEFAULT_CIRCUIT_BREAKERS).maxConnections,
      });
    }
    const connect = { timeout: cluster.connectTimeoutMs, useH2c: cluster.http2 };
    return new Pool(`http://${address}`, {
      connect,
      allowH2: cluster.http2,
      keepAliveTimeout: this.#keepAliveTimeoutMs,
      // circuit_breakers max_connections: beyond it, requests wait in the pool for a connection
      // (counted as pending requests, which max_pending_requests bounds).
      connections: (cluster.circuitBreakers ?? DEFAULT_CIRCUIT_BREAKERS).maxConnections,
    });
  }
}

/**
 * undici's connector with a TLS cluster's options as they are at each connection: a certificate
 * rotated since reaches the next connection. A context that cannot be made fails the connection.
 */
function tlsConnector(current: () => UpstreamTlsOptions, timeout: number): buildConnector.connector {
  const connectors = new WeakMap<UpstreamTlsOptions, buildConnector.connector>();
  return (options, callback) => {
    let tls: UpstreamTlsOptions;
    try {
      tls = current();
    } catch (error) {
      callback(error as Error, null);
      return;
    }
    let connector = connectors.get(tls);
    if (connector === undefined) {
      connector = buildConnector({ ...tls.options, timeout } as buildConnector.BuildOptions);
      connectors.set(tls, connector);
    }
    connector(options, callback);
  };
}

function withoutTls(): never {
  throw new ProxyError(ProxyErrorCode.tlsUnavailable, "this cluster manager makes no TLS connections");
}

function closeEntry(entry: ClusterEntry): void {
  entry.dns?.close();
  entry.dns = undefined;
  for (const monitor of entry.monitors.splice(0)) monitor.close();
}
