// One endpoint of one cluster with the state that outlives config updates: the ClusterManager keeps
// a HostState per address while the address stays in the cluster, so health-check verdicts,
// outlier ejections and requests in flight carry over when EDS (or DNS) sends the set again.
//
// Health-aware modules (active health checking, outlier detection) attach to a cluster through a
// HostMonitorFactory given to the ClusterManager: it is called with the cluster and its
// ClusterHosts when the cluster appears, and the monitor it returns is told of config changes and
// closed when the cluster goes away.
import type { Pool } from "undici";
import type { EndpointHealth, RuntimeCluster, RuntimeEndpoint, RuntimeLocality } from "../config/index.js";
import type { PoolSlot } from "./pool-slots.js";
import type { AttemptOutcome } from "./resilience.js";

/**
 * Why a host takes no traffic (or takes it last), spelled as Envoy's /clusters health_flags:
 * failed_active_hc (health checking), failed_outlier_check (ejected), failed_eds_health (EDS says
 * UNHEALTHY or TIMEOUT), eds_status_draining (EDS says DRAINING), degraded_eds_health (DEGRADED).
 */
export type HostHealthFlag =
  | "failed_active_hc"
  | "failed_outlier_check"
  | "failed_eds_health"
  | "eds_status_draining"
  | "degraded_eds_health";

/** Where a host stands for load balancing. */
export type HostCondition = "healthy" | "degraded" | "unhealthy";

/** The locality an endpoint was assigned in (empty strings when the assignment names none). */
export interface HostLocality {
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
}

const NO_LOCALITY: HostLocality = Object.freeze({ region: "", zone: "", subZone: "" });

/** What a HostState reports to the cluster that owns it. */
export interface HostOwner {
  healthChanged(): void;
  outcome(host: HostState, outcome: AttemptOutcome): void;
}

export class HostState {
  /** `host:port`, an IPv6 host in brackets; the host's identity within its cluster. */
  readonly address: string;
  /** The IP the host is reached at (for a DNS cluster, the resolved address). */
  readonly host: string;
  readonly port: number;
  /** Requests (or TCP connections) in flight to this host from its cluster. */
  activeRequests = 0;
  #endpoint: RuntimeEndpoint;
  #locality: RuntimeLocality;
  #activeHealthFailed = false;
  #ejected = false;
  readonly #slot: PoolSlot;
  readonly #owner: HostOwner;

  constructor(address: string, endpoint: RuntimeEndpoint, locality: RuntimeLocality, slot: PoolSlot, owner: HostOwner) {
    this.address = address;
    this.host = endpoint.host;
    this.port = endpoint.port;
    this.#endpoint = endpoint;
    this.#locality = locality;
    this.#slot = slot;
    this.#owner = owner;
  }

  /** The endpoint as last assigned (weight, EDS health). */
  get endpoint(): RuntimeEndpoint {
    return this.#endpoint;
  }

  get weight(): number {
    return this.#endpoint.weight;
  }

  get edsHealth(): EndpointHealth {
    return this.#endpoint.health;
  }

  get priority(): number {
    return this.#locality.priority;
  }

  /** The weight of the host's locality (used when the cluster balances by locality). */
  get localityWeight(): number {
    return this.#locality.weight;
  }

  get locality(): HostLocality {
    return this.#locality.locality ?? NO_LOCALITY;
  }

  get pool(): Pool {
    return this.#slot.pool;
  }

  /** @internal The slot the cluster manager acquired for this host. */
  get slot(): PoolSlot {
    return this.#slot;
  }

  /** Set by active health checking: the host failed its checks. */
  get activeHealthFailed(): boolean {
    return this.#activeHealthFailed;
  }

  /** Set by outlier detection: the host is ejected. */
  get ejected(): boolean {
    return this.#ejected;
  }

  /** Marks the host as failing (or passing) active health checks; the balancer follows at once. */
  setActiveHealthFailed(failed: boolean): void {
    if (this.#activeHealthFailed === failed) return;
    this.#activeHealthFailed = failed;
    this.#owner.healthChanged();
  }

  /** Ejects (or returns) the host for outlier detection; the balancer follows at once. */
  setEjected(ejected: boolean): void {
    if (this.#ejected === ejected) return;
    this.#ejected = ejected;
    this.#owner.healthChanged();
  }

  /**
   * healthy: EDS says HEALTHY or UNKNOWN and neither health checking nor outlier detection object.
   * degraded: EDS says DEGRADED (and no flag is set): used only when healthy hosts fall short, as
   * Envoy does. unhealthy: anything else.
   */
  get condition(): HostCondition {
    if (this.#activeHealthFailed || this.#ejected) return "unhealthy";
    const health = this.#endpoint.health;
    if (health === "HEALTHY" || health === "UNKNOWN") return "healthy";
    return health === "DEGRADED" ? "degraded" : "unhealthy";
  }

  get healthy(): boolean {
    return this.condition === "healthy";
  }

  /** Envoy's health_flags for this host; empty when healthy. */
  healthFlags(): HostHealthFlag[] {
    const flags: HostHealthFlag[] = [];
    if (this.#activeHealthFailed) flags.push("failed_active_hc");
    if (this.#ejected) flags.push("failed_outlier_check");
    const health = this.#endpoint.health;
    if (health === "UNHEALTHY" || health === "TIMEOUT") flags.push("failed_eds_health");
    else if (health === "DRAINING") flags.push("eds_status_draining");
    else if (health === "DEGRADED") flags.push("degraded_eds_health");
    return flags;
  }

  /** Call when a request (or connection) is dispatched to this host… */
  begin(): void {
    this.activeRequests++;
  }

  /** …and once when it has finished, failed or been aborted. */
  end(): void {
    if (this.activeRequests > 0) this.activeRequests--;
  }

  /** Reports how an attempt on this host ended, to the cluster's outcome listeners (outlier detection). */
  report(outcome: AttemptOutcome): void {
    this.#owner.outcome(this, outcome);
  }

  /** @internal The cluster manager's update: the same address, assigned again. */
  reassign(endpoint: RuntimeEndpoint, locality: RuntimeLocality): void {
    this.#endpoint = endpoint;
    this.#locality = locality;
  }
}

/** How a cluster's membership changed; hosts that stay keep their HostState and are in neither list. */
export interface HostChange {
  readonly added: readonly HostState[];
  readonly removed: readonly HostState[];
}

/** A cluster's hosts as health checking and outlier detection see them. */
export interface ClusterHosts {
  readonly name: string;
  /** The current hosts, in assignment order. A fresh array after each change; never mutated. */
  hosts(): readonly HostState[];
  /** Called after each membership change (config update or DNS re-resolution); returns an unsubscribe. */
  onChange(listener: (change: HostChange) => void): () => void;
  /**
   * Called with every outcome reported through HostState.report() for this cluster's hosts;
   * returns an unsubscribe.
   */
  onOutcome(listener: (host: HostState, outcome: AttemptOutcome) => void): () => void;
  /**
   * Asks the balancer to recompute priorities and health shares. setActiveHealthFailed() and
   * setEjected() call it themselves; it is cheap (the work happens once, at the next pick).
   */
  healthChanged(): void;
}

/** A health checker or outlier detector bound to one cluster. */
export interface HostMonitor {
  /** The cluster's config changed (same name); re-read what the monitor needs from it. */
  configure?(cluster: RuntimeCluster): void;
  /** The cluster is gone or the manager closes: stop timers and let go of the hosts. */
  close(): void;
}

/**
 * Builds a monitor for a cluster when it appears, or undefined when the cluster asks for none
 * (e.g. no health_checks). Given to the ClusterManager in its options.
 */
export type HostMonitorFactory = (cluster: RuntimeCluster, hosts: ClusterHosts) => HostMonitor | undefined;
