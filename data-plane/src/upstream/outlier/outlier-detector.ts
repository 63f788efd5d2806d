// Consecutive-error outlier detection for one cluster, following Envoy's rules:
//
// - Each upstream attempt's outcome is counted per host. A response of 500 or above counts toward
//   consecutive_5xx; 502, 503 and 504 also toward consecutive_gateway_failure (another 5xx resets
//   that count); a response below 500 resets both. With split_external_local_origin_errors false
//   (the default), connect failures and resets count as a 503 and timeouts as a 504; with it true,
//   they count only toward consecutive_local_origin_failure, which any response resets.
// - When a count reaches its threshold it starts over, and the host is ejected if the enforcing
//   percentage allows (drawn at random) and the cap allows: after the ejection at most
//   max_ejection_percent of the cluster's hosts may be ejected, unless none is and
//   always_eject_one_host is set.
// - An ejection lasts base_ejection_time × the host's ejection multiplier (raised by one on each
//   ejection), capped at max_ejection_time, plus a random [0, max_ejection_time_jitter). Hosts
//   return at the first interval sweep after their time; each sweep lowers by one the multiplier
//   of every host that is not ejected.
import { type Clock, systemClock, type Timer } from "../../../../time/index.js";
import type { RuntimeOutlierDetection } from "../../config/index.js";
import type { HealthTarget } from "../health/health-target.js";
import type { AttemptOutcome } from "../resilience.js";

/** Why a host was ejected: the detection, spelled as Envoy's ejection stats. */
export type EjectionReason = "consecutive_5xx" | "consecutive_gateway_failure" | "consecutive_local_origin_failure";

export interface OutlierDetectorOptions {
  readonly config: RuntimeOutlierDetection;
  /** The cluster's current hosts; read when an ejection is considered and at each sweep. */
  readonly targets: () => readonly HealthTarget[];
  /** Called after one or more hosts were ejected or returned (after their setters ran). */
  readonly onChange?: () => void;
  /** Called for each ejection carried out, for metrics and logs. */
  readonly onEjection?: (address: string, reason: EjectionReason) => void;
  /**
   * Sweep timers and ejection times; the system clock by default. Its timers are unref'd: the
   * sweep never keeps the process alive on its own.
   */
  readonly clock?: Clock;
  /** In [0, 1) (Math.random by default): enforcing percentages and ejection-time jitter. */
  readonly random?: () => number;
}

/** One host as outlier detection sees it, for /clusters. */
export interface HostOutlierView {
  readonly address: string;
  readonly ejected: boolean;
  /** When an ejected host becomes eligible to return (it returns at the next sweep). */
  readonly ejectedUntil: number | undefined;
  /** The ejection multiplier: raised by each ejection, lowered by each sweep the host is not ejected. */
  readonly ejections: number;
  /** Ejections since the detector first saw the host. */
  readonly ejectionsTotal: number;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailures: number;
  readonly consecutiveLocalOriginFailures: number;
}

interface HostRecord {
  target: HealthTarget | undefined;
  ejectedUntil: number | undefined;
  multiplier: number;
  ejectionsTotal: number;
  consecutive5xx: number;
  consecutiveGatewayFailures: number;
  consecutiveLocalOriginFailures: number;
}

export class OutlierDetector {
  readonly #targets: () => readonly HealthTarget[];
  readonly #onChange: () => void;
  readonly #onEjection: (address: string, reason: EjectionReason) => void;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #hosts = new Map<string, HostRecord>();
  #config: RuntimeOutlierDetection;
  #sweepTimer: Timer | undefined;
  #closed = false;

  constructor(options: OutlierDetectorOptions) {
    this.#config = options.config;
    this.#targets = options.targets;
    this.#onChange = options.onChange ?? (() => {});
    this.#onEjection = options.onEjection ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#scheduleSweep();
  }

  /** Counts how one attempt on `address` ended; may eject the host at once. */
  record(address: string, outcome: AttemptOutcome): void {
    if (this.#closed || outcome.kind === "cancelled") return;
    const config = this.#config;
    const host = this.#record(address);
    if (host.ejectedUntil !== undefined) return;
    let status: number;
    if (outcome.kind === "response") {
      status = outcome.status;
      host.consecutiveLocalOriginFailures = 0;
    } else if (config.splitExternalLocalOriginErrors) {
      host.consecutiveLocalOriginFailures++;
      if (reached(host.consecutiveLocalOriginFailures, config.consecutiveLocalOriginFailure.threshold)) {
        host.consecutiveLocalOriginFailures = 0;
        this.#consider(address, host, "consecutive_local_origin_failure");
      }
      return;
    } else {
      status = outcome.kind === "timeout" ? 504 : 503;
    }
    if (status < 500) {
      host.consecutive5xx = 0;
      host.consecutiveGatewayFailures = 0;
      return;
    }
    if (status === 502 || status === 503 || status === 504) {
      host.consecutiveGatewayFailures++;
      if (reached(host.consecutiveGatewayFailures, config.consecutiveGatewayFailure.threshold)) {
        host.consecutiveGatewayFailures = 0;
        if (this.#consider(address, host, "consecutive_gateway_failure")) return;
      }
    } else {
      host.consecutiveGatewayFailures = 0;
    }
    host.consecutive5xx++;
    if (reached(host.consecutive5xx, config.consecutive5xx.threshold)) {
      host.consecutive5xx = 0;
      this.#consider(address, host, "consecutive_5xx");
    }
  }

  /**
   * An active health check passed for `address`: an ejected host returns at once when
   * successful_active_health_check_uneject_host is set (Envoy's default).
   */
  activeHealthCheckPassed(address: string): void {
    if (this.#closed || !this.#config.successfulActiveHealthCheckUnejectHost) return;
    const host = this.#hosts.get(address);
    if (host?.ejectedUntil === undefined) return;
    this.#return(host);
    this.#onChange();
  }

  /** A new config for the same cluster: counts, ejections and multipliers are kept. */
  update(config: RuntimeOutlierDetection): void {
    if (this.#closed) return;
    const intervalChanged = config.intervalMs !== this.#config.intervalMs;
    this.#config = config;
    if (intervalChanged) {
      this.#clock.clearTimeout(this.#sweepTimer);
      this.#scheduleSweep();
    }
  }

  /** Stops the sweep and returns every ejected host (a cluster without outlier detection ejects none). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#sweepTimer);
    let changed = false;
    for (const host of this.#hosts.values()) {
      if (host.ejectedUntil === undefined) continue;
      this.#return(host);
      changed = true;
    }
    this.#hosts.clear();
    if (changed) this.#onChange();
  }

  /** Hosts the detector has counted, in the order first seen. */
  view(): HostOutlierView[] {
    return [...this.#hosts.entries()].map(([address, host]) => ({
      address,
      ejected: host.ejectedUntil !== undefined,
      ejectedUntil: host.ejectedUntil,
      ejections: host.multiplier,
      ejectionsTotal: host.ejectionsTotal,
      consecutive5xx: host.consecutive5xx,
      consecutiveGatewayFailures: host.consecutiveGatewayFailures,
      consecutiveLocalOriginFailures: host.consecutiveLocalOriginFailures,
    }));
  }

  /** How many of the cluster's hosts are ejected now. */
  ejectedCount(): number {
    let count = 0;
    for (const host of this.#hosts.values()) if (host.ejectedUntil !== undefined) count++;
    return count;
  }

  #record(address: string): HostRecord {
    let host = this.#hosts.get(address);
    if (host === undefined) {
      host = {
        target: undefined,
        ejectedUntil: undefined,
        multiplier: 0,
        ejectionsTotal: 0,
        consecutive5xx: 0,
        consecutiveGatewayFailures: 0,
        consecutiveLocalOriginFailures: 0,
      };
      this.#hosts.set(address, host);
    }
    return host;
  }

  /** Ejects the host if enforcement and the cap allow; true when it was ejected. */
  #consider(address: string, host: HostRecord, reason: EjectionReason): boolean {
    const config = this.#config;
    const detection =
      reason === "consecutive_5xx"
        ? config.consecutive5xx
        : reason === "consecutive_gateway_failure"
          ? config.consecutiveGatewayFailure
          : config.consecutiveLocalOriginFailure;
    if (this.#random() * 100 >= detection.enforcingPercent) return false;
    const targets = this.#targets();
    const target = targets.find((t) => t.address === address);
    if (target === undefined) return false;
    const ejected = targets.filter((t) => this.#hosts.get(t.address)?.ejectedUntil !== undefined).length;
    const allowed =
      (100 * (ejected + 1)) / targets.length <= config.maxEjectionPercent ||
      (config.alwaysEjectOneHost && ejected === 0);
    if (!allowed) return false;
    const maxMultiplier = Math.max(1, Math.ceil(config.maxEjectionTimeMs / config.baseEjectionTimeMs));
    host.multiplier = Math.min(host.multiplier + 1, maxMultiplier);
    host.ejectionsTotal++;
    const jitterMs =
      config.maxEjectionTimeJitterMs > 0 ? Math.floor(this.#random() * config.maxEjectionTimeJitterMs) : 0;
    const durationMs = Math.min(config.baseEjectionTimeMs * host.multiplier, config.maxEjectionTimeMs) + jitterMs;
    host.ejectedUntil = this.#clock.now() + durationMs;
    host.target = target;
    target.setEjected(true);
    this.#onEjection(address, reason);
    this.#onChange();
    return true;
  }

  #return(host: HostRecord): void {
    host.ejectedUntil = undefined;
    host.consecutive5xx = 0;
    host.consecutiveGatewayFailures = 0;
    host.consecutiveLocalOriginFailures = 0;
    host.target?.setEjected(false);
  }

  #scheduleSweep(): void {
    this.#sweepTimer = this.#clock
      .setTimeout(() => {
        this.#sweep();
        if (!this.#closed) this.#scheduleSweep();
      }, this.#config.intervalMs)
      .unref();
  }

  /** Returns hosts whose time has passed, lowers the multiplier of the others, forgets removed hosts. */
  #sweep(): void {
    const now = this.#clock.now();
    const current = new Map(this.#targets().map((t) => [t.address, t]));
    let changed = false;
    for (const [address, host] of this.#hosts) {
      const target = current.get(address);
      if (target === undefined) {
        this.#hosts.delete(address);
        continue;
      }
      host.target = target;
      if (host.ejectedUntil === undefined) {
        if (host.multiplier > 0) host.multiplier--;
      } else if (now >= host.ejectedUntil) {
        this.#return(host);
        changed = true;
      } else if (!target.ejected) {
        // A host object new to the cluster manager for an address still ejected here.
        target.setEjected(true);
        changed = true;
      }
    }
    if (changed) this.#onChange();
  }
}

/** A threshold of 0 never triggers. */
function reached(count: number, threshold: number): boolean {
  return threshold > 0 && count >= threshold;
}
