// Hosts without pools or sockets for balancer tests, a seeded random source and a chi-squared check.
import assert from "node:assert/strict";
import type { Pool } from "undici";
import {
  DEFAULT_LOAD_BALANCING,
  type EndpointHealth,
  type LbPolicyName,
  type RuntimeLoadBalancing,
} from "../../../data-plane/src/config/index.js";
import { registerBuiltinLoadBalancers } from "../../../data-plane/src/upstream/balancers/builtin.js";
import { HostState } from "../../../data-plane/src/upstream/host.js";
import { createLoadBalancer, type LoadBalancer } from "../../../data-plane/src/upstream/load-balancer.js";
import { PoolSlot } from "../../../data-plane/src/upstream/pool-slots.js";
import { PrioritySet } from "../../../data-plane/src/upstream/priority-set.js";

export interface HostSpec {
  readonly port: number;
  readonly weight?: number;
  readonly health?: EndpointHealth;
  readonly priority?: number;
  readonly zone?: string;
  readonly localityWeight?: number;
}

const owner = { healthChanged: () => {}, outcome: () => {} };

export function host(spec: HostSpec): HostState {
  const endpoint = { host: "10.0.0.1", port: spec.port, weight: spec.weight ?? 1, health: spec.health ?? "HEALTHY" };
  const locality = {
    priority: spec.priority ?? 0,
    weight: spec.localityWeight ?? 1,
    endpoints: [endpoint],
    locality: { region: "r", zone: spec.zone ?? "z", subZone: "" },
  };
  const slot = new PoolSlot(`http 1000 10.0.0.1:${spec.port}`, {} as Pool);
  return new HostState(`10.0.0.1:${spec.port}`, endpoint, locality, slot, owner);
}

/** Mulberry32: a small seeded generator, so distributions are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function balancer(
  policy: LbPolicyName,
  hosts: readonly HostState[],
  options: { random?: () => number; config?: Partial<RuntimeLoadBalancing>; overprovisioningFactor?: number } = {},
): { lb: LoadBalancer; set: PrioritySet } {
  registerBuiltinLoadBalancers();
  const config = { ...DEFAULT_LOAD_BALANCING, ...options.config };
  const set = new PrioritySet(hosts, {
    overprovisioningFactor: options.overprovisioningFactor ?? 140,
    weightedPriorityHealth: false,
    loadBalancing: config,
  });
  return { lb: createLoadBalancer(policy, { hosts: set, config, random: options.random ?? seeded(1) }), set };
}

/** Picks per port over `n` picks. */
export function tally(lb: LoadBalancer, n: number, hash?: (i: number) => bigint): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const picked = lb.pick(hash?.(i), undefined);
    assert.ok(picked, "a pick");
    counts.set(picked.port, (counts.get(picked.port) ?? 0) + 1);
  }
  return counts;
}

/** Upper 0.1% points of chi-squared by degrees of freedom (1-9). */
const CRITICAL = [10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88];

/** Asserts the counts fit the expected shares (by port) at the 0.1% level. */
export function assertDistribution(counts: ReadonlyMap<number, number>, shares: ReadonlyMap<number, number>): void {
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const total = [...shares.values()].reduce((a, b) => a + b, 0);
  let chi = 0;
  for (const [port, share] of shares) {
    const expected = (n * share) / total;
    const observed = counts.get(port) ?? 0;
    chi += (observed - expected) ** 2 / expected;
  }
  for (const port of counts.keys()) assert.ok(shares.has(port), `picked unexpected host ${port}`);
  const critical = CRITICAL[shares.size - 2] ?? 30;
  assert.ok(chi < critical, `chi-squared ${chi.toFixed(2)} ≥ ${critical}: ${JSON.stringify([...counts])}`);
}
