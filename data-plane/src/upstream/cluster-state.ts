// One cluster's live state: its hosts by address (kept across updates while the address stays),
// the balancer over them, and the listeners health checking and outlier detection register.
// The balancer is rebuilt lazily: a membership or health change only marks it stale, and the
// next pick rebuilds it, so a burst of changes costs one rebuild.

import type { Pool } from "undici";
import {
  DEFAULT_CIRCUIT_BREAKERS,
  DEFAULT_LOAD_BALANCING,
  DEFAULT_OVERPROVISIONING_FACTOR,
  type RuntimeCluster,
  type RuntimeEndpoints,
} from "../config/index.js";
import { type ClusterHosts, type HostChange, type HostOwner, HostState } from "./host.js";
import { createLoadBalancer, type LoadBalancer } from "./load-balancer.js";
import type { PoolSlot, PoolSlots } from "./pool-slots.js";
import { PrioritySet } from "./priority-set.js";
import type { AttemptOutcome, PickContext } from "./resilience.js";
import { endpointAddress } from "./upstream.js";

type OutcomeListener = (host: HostState, outcome: AttemptOutcome) => void;

export class ClusterState implements ClusterHosts, HostOwner {
  readonly name: string;
  #cluster: RuntimeCluster;
  #endpoints: RuntimeEndpoints | undefined;
  /** The cluster config the hosts were last assigned under (their pool keys depend on it). */
  #assignedUnder: RuntimeCluster | undefined;
  #byAddress = new Map<string, HostState>();
  #hosts: readonly HostState[] = Object.freeze([]);
  #prioritySet: PrioritySet | undefined;
  #balancer: LoadBalancer | undefined;
  readonly #random: () => number;
  readonly #changeListeners = new Set<(change: HostChange) => void>();
  readonly #outcomeListeners = new Set<OutcomeListener>();
  /** Waiting for its first endpoints (EDS) or first resolution (DNS). */
  warming: boolean;

  constructor(cluster: RuntimeCluster, random: () => number, warming: boolean) {
    this.name = cluster.name;
    this.#cluster = cluster;
    this.#random = random;
    this.warming = warming;
  }

  /** The endpoints last assigned (as configured, or as resolved for a DNS cluster). */
  get endpoints(): RuntimeEndpoints | undefined {
    return this.#endpoints;
  }

  get cluster(): RuntimeCluster {
    return this.#cluster;
  }

  set cluster(cluster: RuntimeCluster) {
    if (cluster === this.#cluster) return;
    this.#cluster = cluster;
    this.healthChanged();
  }

  hosts(): readonly HostState[] {
    return this.#hosts;
  }

  onChange(listener: (change: HostChange) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onOutcome(listener: OutcomeListener): () => void {
    this.#outcomeListeners.add(listener);
    return () => this.#outcomeListeners.delete(listener);
  }

  healthChanged(): void {
    this.#prioritySet = undefined;
    this.#balancer = undefined;
  }

  outcome(host: HostState, outcome: AttemptOutcome): void {
    for (const listener of this.#outcomeListeners) listener(host, outcome);
  }

  /**
   * Takes a new endpoint set: hosts whose address (and pool) stay keep their state, new ones
   * get a pool slot from `slots`. Returns the removed hosts, whose slots the caller releases once
   * every cluster has taken its new hosts (so a pool moving between clusters is not closed).
   * Listeners hear of the change before this returns.
   */
  assign(
    endpoints: RuntimeEndpoints | undefined,
    slots: PoolSlots,
    newPool: (address: string, cluster: RuntimeCluster) => Pool,
  ): readonly HostState[] {
    const cluster = this.#cluster;
    if (endpoints === this.#endpoints && cluster === this.#assignedUnder) return [];
    this.#endpoints = endpoints;
    this.#assignedUnder = cluster;
    const next = new Map<string, HostState>();
    const added: HostState[] = [];
    for (const locality of endpoints?.localities ?? []) {
      for (const endpoint of locality.endpoints) {
        const address = endpointAddress(endpoint);
        if (next.has(address)) continue; // an address listed twice: its first listing counts
        const key = poolKey(cluster, address);
        const kept = this.#byAddress.get(address);
        if (kept !== undefined && kept.slot.key === key) {
          kept.reassign(endpoint, locality);
          next.set(address, kept);
          continue;
        }
        const host = new HostState(
          address,
          endpoint,
          locality,
          slots.acquire(key, () => newPool(address, cluster)),
          this,
        );
        next.set(address, host);
        added.push(host);
      }
    }
    const removed = [...this.#byAddress.values()].filter((host) => next.get(host.address) !== host);
    this.#byAddress = next;
    this.#hosts = Object.freeze([...next.values()]);
    this.healthChanged();
    if (added.length > 0 || removed.length > 0) {
      const change: HostChange = Object.freeze({ added: Object.freeze(added), removed: Object.freeze(removed) });
      for (const listener of this.#changeListeners) listener(change);
    }
    return removed;
  }

  /** The host at `address`, or undefined when the cluster has none there. */
  host(address: string): HostState | undefined {
    return this.#byAddress.get(address);
  }

  /** Every host's slot, for the manager to release when the cluster goes away. */
  slots(): PoolSlot[] {
    return this.#hosts.map((host) => host.slot);
  }

  /** The hosts grouped by priority with their loads; rebuilt after a change. */
  get prioritySet(): PrioritySet {
    if (this.#prioritySet === undefined) {
      this.#prioritySet = new PrioritySet(this.#hosts, {
        overprovisioningFactor: this.#endpoints?.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR,
        weightedPriorityHealth: this.#endpoints?.weightedPriorityHealth === true,
        loadBalancing: this.#cluster.loadBalancing ?? DEFAULT_LOAD_BALANCING,
      });
    }
    return this.#prioritySet;
  }

  pick(context: PickContext | undefined): HostState | undefined {
    let balancer = this.#balancer;
    if (balancer === undefined) {
      balancer = createLoadBalancer(this.#cluster.lbPolicy, {
        hosts: this.prioritySet,
        config: this.#cluster.loadBalancing ?? DEFAULT_LOAD_BALANCING,
        random: this.#random,
      });
      this.#balancer = balancer;
    }
    return context === undefined ? balancer.pick(undefined, undefined) : balancer.pick(context.hash, context.avoid);
  }
}

/**
 * What makes two endpoints' pools interchangeable: protocol, connect timeout, the connection cap
 * (circuit_breakers max_connections, enforced per endpoint pool) and the address.
 */
export function poolKey(cluster: RuntimeCluster, address: string): string {
  const maxConnections = (cluster.circuitBreakers ?? DEFAULT_CIRCUIT_BREAKERS).maxConnections;
  const scheme = cluster.tls === undefined ? (cluster.http2 ? "h2c" : "http") : `tls:${cluster.tls.key}`;
  return `${scheme} ${cluster.connectTimeoutMs} ${maxConnections} ${address}`;
}
