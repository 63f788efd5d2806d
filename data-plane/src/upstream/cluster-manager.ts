// The proxy's upstream clusters: immutable entries by name, swapped in one assignment on each
// config update, and an undici Pool per endpoint address kept across updates while the endpoint
// stays. A removed endpoint's pool is closed, which lets its in-flight requests finish first.
import { Pool } from "undici";
import type { EndpointHealth, RuntimeCluster, RuntimeEndpoints } from "../config/index.js";
import { endpointAddress, PoolSlot, Upstream } from "./upstream.js";
import { SmoothWeightedRoundRobin, usableEndpoints } from "./weighted-round-robin.js";

/** undici's default idle keep-alive for upstream connections. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4000;

export interface ClusterManagerOptions {
  readonly keepAliveTimeoutMs?: number;
}

interface ClusterEntry {
  readonly cluster: RuntimeCluster;
  /** An EDS cluster whose endpoints have not arrived yet (Envoy's warming cluster). */
  readonly warming: boolean;
  /** Every endpoint of the cluster, usable or not, in assignment order. */
  readonly members: readonly (Upstream & { readonly priority: number })[];
  readonly balancer: SmoothWeightedRoundRobin<Upstream>;
}

export interface EndpointView {
  readonly address: string;
  readonly priority: number;
  readonly weight: number;
  readonly health: EndpointHealth;
  readonly activeRequests: number;
}

export interface ClusterView {
  readonly name: string;
  /** An EDS cluster whose endpoints have not arrived yet. */
  readonly warming: boolean;
  readonly endpoints: readonly EndpointView[];
}

export class ClusterManager {
  readonly #keepAliveTimeoutMs: number;
  /** Requests waiting for a warming cluster's endpoints, by cluster name. */
  readonly #waiters = new Map<string, Set<(ready: boolean) => void>>();
  #entries: ReadonlyMap<string, ClusterEntry> = new Map();
  #slots: ReadonlyMap<string, PoolSlot> = new Map();
  #closed = false;

  constructor(options: ClusterManagerOptions = {}) {
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  }

  /**
   * Replaces every cluster. STATIC clusters carry their endpoints; an EDS cluster takes those in
   * `endpointsByCluster` under its EDS service name (none yet: no endpoint, so pick() fails).
   * Resolves once the pools of removed endpoints have drained and closed.
   */
  update(
    clusters: readonly RuntimeCluster[],
    endpointsByCluster: ReadonlyMap<string, RuntimeEndpoints>,
  ): Promise<void> {
    if (this.#closed) throw new Error("ClusterManager is closed");
    const slots = new Map<string, PoolSlot>();
    const entries = new Map<string, ClusterEntry>();
    for (const cluster of clusters) {
      const endpoints =
        cluster.type === "STATIC" ? cluster.staticEndpoints : endpointsByCluster.get(cluster.edsServiceName ?? "");
      const members: (Upstream & { priority: number })[] = [];
      const byEndpoint = new Map<object, Upstream>();
      for (const locality of endpoints?.localities ?? []) {
        for (const endpoint of locality.endpoints) {
          const address = endpointAddress(endpoint);
          const key = `${cluster.http2 ? "h2c" : "http"} ${cluster.connectTimeoutMs} ${address}`;
          let slot = slots.get(key);
          if (slot === undefined) {
            slot = this.#slots.get(key) ?? new PoolSlot(key, this.#newPool(address, cluster));
            slots.set(key, slot);
          }
          const member = Object.assign(new Upstream(endpoint, address, slot), { priority: locality.priority });
          byEndpoint.set(endpoint, member);
          members.push(member);
        }
      }
      const weighted = endpoints === undefined ? [] : usableEndpoints(endpoints);
      const balancer = new SmoothWeightedRoundRobin(
        weighted.flatMap(({ item, weight }) => {
          const upstream = byEndpoint.get(item);
          return upstream === undefined ? [] : [{ item: upstream, weight }];
        }),
      );
      const warming = cluster.type === "EDS" && endpoints === undefined;
      entries.set(cluster.name, Object.freeze({ cluster, warming, members: Object.freeze(members), balancer }));
    }
    const previous = this.#slots;
    this.#entries = entries;
    this.#slots = slots;
    this.#wakeWaiters();
    const removed = [...previous.values()].filter((slot) => !slots.has(slot.key));
    return closeAll(removed);
  }

  /** The next endpoint of `clusterName`, or undefined (unknown cluster, no usable endpoint: a 503). */
  pick(clusterName: string): Upstream | undefined {
    return this.#entries.get(clusterName)?.balancer.next();
  }

  has(clusterName: string): boolean {
    return this.#entries.has(clusterName);
  }

  /** The cluster as configured, or undefined when unknown. */
  cluster(clusterName: string): RuntimeCluster | undefined {
    return this.#entries.get(clusterName)?.cluster;
  }

  /** Whether `clusterName` is an EDS cluster still waiting for its first endpoints. */
  warming(clusterName: string): boolean {
    return this.#entries.get(clusterName)?.warming === true;
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
    if (!entry.warming) return Promise.resolve(true);
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(clusterName);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(clusterName, waiters);
      }
      const set = waiters;
      const done = (ready: boolean): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiters.get(clusterName) === set) this.#waiters.delete(clusterName);
        resolve(ready);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      set.add(done);
    });
  }

  #wakeWaiters(): void {
    for (const [name, waiters] of this.#waiters) {
      const entry = this.#entries.get(name);
      if (entry?.warming && !this.#closed) continue;
      for (const done of [...waiters]) done(entry !== undefined && !this.#closed);
    }
  }

  /** Each cluster's endpoints, their health and requests in flight, for the admin /clusters view. */
  view(): ClusterView[] {
    return [...this.#entries.values()].map(({ cluster, warming, members }) => ({
      name: cluster.name,
      warming,
      endpoints: members.map((m) => ({
        address: m.address,
        priority: m.priority,
        weight: m.endpoint.weight,
        health: m.endpoint.health,
        activeRequests: m.activeRequests,
      })),
    }));
  }

  /** Closes every pool, letting in-flight requests finish; the manager takes no more updates. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots.values()];
    this.#entries = new Map();
    this.#wakeWaiters();
    this.#slots = new Map();
    await closeAll(slots);
  }

  #newPool(address: string, cluster: RuntimeCluster): Pool {
    // useH2c (HTTP/2 by prior knowledge over cleartext) is honoured by undici's connector but
    // missing from its types, hence a variable rather than an object literal.
    const connect = { timeout: cluster.connectTimeoutMs, useH2c: cluster.http2 };
    return new Pool(`http://${address}`, {
      connect,
      allowH2: cluster.http2,
      keepAliveTimeout: this.#keepAliveTimeoutMs,
    });
  }
}

async function closeAll(slots: readonly PoolSlot[]): Promise<void> {
  // A pool already closed or destroyed rejects; there is nothing left to drain then.
  await Promise.all(slots.map((slot) => slot.pool.close().catch(() => undefined)));
}
