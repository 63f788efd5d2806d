// A cluster's hosts grouped the way Envoy balances them: by priority, and within a priority by
// locality. Built once per change (membership or health), then read on every pick.
//
// Envoy's rules, followed here:
// - A priority's health is its healthy share (of hosts, or of weight with weighted_priority_health)
//   times the overprovisioning factor (140% by default), capped at 100%; degraded hosts get a
//   share of their own the same way.
// - Load goes to the priorities in order, each taking as much as its health allows; what is left
//   spills to the next. When the priorities' health adds up to less than 100%, the loads are
//   scaled up so they still add up to 100%.
// - A priority whose healthy + degraded hosts are below the panic threshold is in panic: its
//   share is spread over all its hosts, healthy or not. When the total availability is below the
//   threshold, every priority is in panic and load follows each priority's host count.
// - With locality weighting, a priority's healthy load is split between localities by locality
//   weight times the locality's own health (with the same overprovisioning, capped at 1).
import type { RuntimeLoadBalancing } from "../config/index.js";
import type { HostState } from "./host.js";

/** A list of hosts a balancer picks among, with their weights; `id` indexes per-source state. */
export interface HostSource {
  readonly id: number;
  readonly priority: number;
  readonly kind: "healthy" | "degraded" | "panic";
  readonly hosts: readonly HostState[];
  /** Parallel to `hosts`: the host's weight, times its locality's share when localities are weighted. */
  readonly weights: readonly number[];
  readonly totalWeight: number;
  readonly equalWeights: boolean;
}

export interface PrioritySetOptions {
  readonly overprovisioningFactor: number;
  readonly weightedPriorityHealth: boolean;
  readonly loadBalancing: RuntimeLoadBalancing;
}

interface Locality {
  readonly weight: number;
  readonly hosts: HostState[];
  readonly healthy: HostState[];
}

interface PriorityLevel {
  readonly priority: number;
  readonly hosts: HostState[];
  readonly healthy: HostState[];
  readonly degraded: HostState[];
  readonly localities: Map<string, Locality>;
}

export class PrioritySet {
  /** Every source a pick can land on, indexed by id. */
  readonly sources: readonly HostSource[];
  /** Percent of load per priority level (index into `levels`) to healthy (or panic) hosts. */
  readonly healthyLoad: readonly number[];
  /** Percent of load per priority level to degraded hosts. */
  readonly degradedLoad: readonly number[];
  /** Per priority level: in panic (balance over every host). */
  readonly panic: readonly boolean[];
  /** The priority numbers, ascending, one per level. */
  readonly priorities: readonly number[];
  readonly #healthySources: readonly (HostSource | undefined)[];
  readonly #degradedSources: readonly (HostSource | undefined)[];
  /** Per level, with locality weighting: the localities' sources and effective weights. */
  readonly #localitySources: readonly (readonly HostSource[] | undefined)[];
  readonly #localityWeights: readonly (readonly number[] | undefined)[];
  /** The one source every pick lands on, when there is exactly one (no draw needed). */
  readonly #only: HostSource | undefined;

  constructor(hosts: readonly HostState[], options: PrioritySetOptions) {
    const levels = groupByPriority(hosts);
    const factor = options.overprovisioningFactor;
    const lb = options.loadBalancing;
    const health: number[] = [];
    const degraded: number[] = [];
    for (const level of levels) {
      const total = options.weightedPriorityHealth ? weightOf(level.hosts) : level.hosts.length;
      const healthy = options.weightedPriorityHealth ? weightOf(level.healthy) : level.healthy.length;
      const degradedShare = options.weightedPriorityHealth ? weightOf(level.degraded) : level.degraded.length;
      health.push(total === 0 ? 0 : Math.min(100, Math.floor((factor * healthy) / total)));
      degraded.push(total === 0 ? 0 : Math.min(100, Math.floor((factor * degradedShare) / total)));
    }
    const available = Math.min(
      100,
      health.reduce((sum, h, i) => sum + h + (degraded[i] ?? 0), 0),
    );
    const threshold = Math.min(100, lb.healthyPanicThreshold);
    const healthyLoad = levels.map(() => 0);
    const degradedLoad = levels.map(() => 0);
    let panic = levels.map((level) => (available === 100 ? false : panicking(level, threshold)));
    if (levels.length > 0) {
      if (threshold > 0 && available < threshold) {
        // Total panic: every level in panic, load by host count.
        panic = levels.map(() => true);
        const count = hosts.length;
        let left = 100;
        for (const [i, level] of levels.entries()) {
          healthyLoad[i] = Math.floor((100 * level.hosts.length) / count);
          left -= healthyLoad[i] ?? 0;
        }
        healthyLoad[0] = (healthyLoad[0] ?? 0) + left;
      } else if (available === 0) {
        // Panic mode is off and nothing is available: P0 gets the load, and finds no host.
        healthyLoad[0] = 100;
      } else {
        const [firstHealthy, afterHealthy] = distribute(healthyLoad, health, 100, available);
        const [firstDegraded, left] = distribute(degradedLoad, degraded, afterHealthy, available);
        if (left > 0) {
          if (firstHealthy >= 0) healthyLoad[firstHealthy] = (healthyLoad[firstHealthy] ?? 0) + left;
          else if (firstDegraded >= 0) degradedLoad[firstDegraded] = (degradedLoad[firstDegraded] ?? 0) + left;
        }
      }
    }
    const sources: HostSource[] = [];
    const source = (
      priority: number,
      kind: HostSource["kind"],
      list: readonly HostState[],
      weightOfHost: (host: HostState) => number,
    ): HostSource => {
      const weights = list.map(weightOfHost);
      const first = weights[0];
      const made: HostSource = Object.freeze({
        id: sources.length,
        priority,
        kind,
        hosts: Object.freeze([...list]),
        weights: Object.freeze(weights),
        totalWeight: weights.reduce((sum, w) => sum + w, 0),
        equalWeights: weights.every((w) => w === first),
      });
      sources.push(made);
      return made;
    };
    const healthySources: (HostSource | undefined)[] = [];
    const degradedSources: (HostSource | undefined)[] = [];
    const localitySources: (readonly HostSource[] | undefined)[] = [];
    const localityWeights: (readonly number[] | undefined)[] = [];
    for (const [i, level] of levels.entries()) {
      const localityShare = lb.localityWeighted ? localityShares(level) : undefined;
      const weight = (host: HostState): number => host.weight * (localityShare?.get(host) ?? 1);
      const inPanic = panic[i] === true;
      healthySources.push(
        (healthyLoad[i] ?? 0) > 0
          ? source(level.priority, inPanic ? "panic" : "healthy", inPanic ? level.hosts : level.healthy, weight)
          : undefined,
      );
      degradedSources.push(
        (degradedLoad[i] ?? 0) > 0 && !inPanic ? source(level.priority, "degraded", level.degraded, weight) : undefined,
      );
      if (lb.localityWeighted && !inPanic && (healthyLoad[i] ?? 0) > 0) {
        const list: HostSource[] = [];
        const weights: number[] = [];
        for (const locality of level.localities.values()) {
          const share = Math.min(1, ((factor / 100) * locality.healthy.length) / Math.max(1, locality.hosts.length));
          const effective = locality.weight * share;
          if (effective <= 0) continue;
          list.push(source(level.priority, "healthy", locality.healthy, (host) => host.weight));
          weights.push(effective);
        }
        localitySources.push(list.length > 0 ? list : undefined);
        localityWeights.push(list.length > 0 ? weights : undefined);
      } else {
        localitySources.push(undefined);
        localityWeights.push(undefined);
      }
    }
    this.sources = Object.freeze(sources);
    this.healthyLoad = Object.freeze(healthyLoad);
    this.degradedLoad = Object.freeze(degradedLoad);
    this.panic = Object.freeze(panic);
    this.priorities = Object.freeze(levels.map((level) => level.priority));
    this.#healthySources = healthySources;
    this.#degradedSources = degradedSources;
    this.#localitySources = localitySources;
    this.#localityWeights = localityWeights;
    const loaded = [...healthyLoad, ...degradedLoad].filter((load) => load > 0).length;
    const onlyLevel = healthyLoad.indexOf(100);
    this.#only =
      loaded === 1 && onlyLevel >= 0 && localitySources[onlyLevel] === undefined
        ? healthySources[onlyLevel]
        : undefined;
  }

  /** Whether any priority level with load is in panic. */
  get inPanic(): boolean {
    return this.panic.some((p, i) => p && (this.healthyLoad[i] ?? 0) > 0);
  }

  /**
   * The level and kind a point in 0-99 falls on (Envoy's choosePriority): healthy loads first, in
   * priority order, then degraded loads. Undefined when the set has no host.
   */
  sourceAt(point: number): HostSource | undefined {
    let aggregate = 0;
    for (let i = 0; i < this.healthyLoad.length; i++) {
      aggregate += this.healthyLoad[i] ?? 0;
      if (point < aggregate) return this.#healthySources[i];
    }
    for (let i = 0; i < this.degradedLoad.length; i++) {
      aggregate += this.degradedLoad[i] ?? 0;
      if (point < aggregate) return this.#degradedSources[i];
    }
    return undefined;
  }

  /**
   * The hosts a pick balances over: a priority level drawn by load, then (with locality
   * weighting) a locality drawn by effective weight. `random` gives numbers in [0, 1).
   */
  choose(random: () => number): HostSource | undefined {
    if (this.#only !== undefined) return this.#only;
    const point = Math.floor(random() * 100);
    const source = this.sourceAt(point);
    if (source === undefined || source.kind !== "healthy") return source;
    const level = this.priorities.indexOf(source.priority);
    const localities = this.#localitySources[level];
    const weights = this.#localityWeights[level];
    if (localities === undefined || weights === undefined) return source;
    let total = 0;
    for (const w of weights) total += w;
    let draw = random() * total;
    for (let i = 0; i < localities.length; i++) {
      draw -= weights[i] ?? 0;
      if (draw < 0) return localities[i];
    }
    return localities[localities.length - 1];
  }
}

function groupByPriority(hosts: readonly HostState[]): PriorityLevel[] {
  const byPriority = new Map<number, PriorityLevel>();
  for (const host of hosts) {
    let level = byPriority.get(host.priority);
    if (level === undefined) {
      level = { priority: host.priority, hosts: [], healthy: [], degraded: [], localities: new Map() };
      byPriority.set(host.priority, level);
    }
    level.hosts.push(host);
    const condition = host.condition;
    if (condition === "healthy") level.healthy.push(host);
    else if (condition === "degraded") level.degraded.push(host);
    const { region, zone, subZone } = host.locality;
    const key = `${region}\u0000${zone}\u0000${subZone}\u0000${host.localityWeight}`;
    let locality = level.localities.get(key);
    if (locality === undefined) {
      locality = { weight: host.localityWeight, hosts: [], healthy: [] };
      level.localities.set(key, locality);
    }
    locality.hosts.push(host);
    if (condition === "healthy") locality.healthy.push(host);
  }
  return [...byPriority.values()].sort((a, b) => a.priority - b.priority);
}

function weightOf(hosts: readonly HostState[]): number {
  let sum = 0;
  for (const host of hosts) sum += host.weight;
  return sum;
}

/** Envoy's isHostSetInPanic: healthy + degraded hosts below the threshold (in percent of hosts). */
function panicking(level: PriorityLevel, threshold: number): boolean {
  if (threshold <= 0) return false;
  const count = level.hosts.length;
  if (count === 0) return true;
  return (100 * (level.healthy.length + level.degraded.length)) / count < threshold;
}

/** Gives each level as much of `total` as its availability allows; returns [first available level, what is left]. */
function distribute(
  load: number[],
  availability: readonly number[],
  total: number,
  normalizedTotal: number,
): [number, number] {
  let first = -1;
  let left = total;
  for (let i = 0; i < availability.length; i++) {
    const share = availability[i] ?? 0;
    if (first < 0 && share > 0) first = i;
    load[i] = Math.min(left, Math.floor((share * 100) / normalizedTotal));
    left -= load[i] ?? 0;
  }
  return [first, left];
}

/**
 * With locality weighting, each host's share of its priority: its locality's share of the
 * locality weights divided among the locality's hosts, so that (for ring hash) a host's weight
 * reflects both. Used for whole-priority sources; pick-time locality draws use `choose()`.
 */
function localityShares(level: PriorityLevel): Map<HostState, number> {
  const shares = new Map<HostState, number>();
  let totalLocality = 0;
  for (const locality of level.localities.values()) totalLocality += locality.weight;
  for (const locality of level.localities.values()) {
    const hostWeight = weightOf(locality.hosts);
    for (const host of locality.hosts) {
      shares.set(host, totalLocality === 0 || hostWeight === 0 ? 0 : locality.weight / totalLocality / hostWeight);
    }
  }
  return shares;
}
