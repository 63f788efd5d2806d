// Load balancers, registered by lb_policy name. A balancer is built for one PrioritySet (a cluster's
// hosts as grouped at one moment) and replaced when the set is recomputed; state it keeps (round
// robin positions) lives only as long as that set.
import type { LbPolicyName, RuntimeLoadBalancing } from "../config/index.js";
import type { HostState } from "./host.js";
import type { HostSource, PrioritySet } from "./priority-set.js";

export interface LoadBalancer {
  /**
   * A host, or undefined when the set has none to offer. `hash` is the request's hash (ring hash;
   * others ignore it). A host whose address is in `avoid` is returned only when the balancer finds
   * no other.
   */
  pick(hash: bigint | undefined, avoid: ReadonlySet<string> | undefined): HostState | undefined;
}

export interface LoadBalancerContext {
  readonly hosts: PrioritySet;
  readonly config: RuntimeLoadBalancing;
  /** Uniform numbers in [0, 1). */
  readonly random: () => number;
}

export type LoadBalancerFactory = (context: LoadBalancerContext) => LoadBalancer;

const registry = new Map<string, LoadBalancerFactory>();

/** Registers (or replaces) the balancer for an lb_policy. */
export function registerLoadBalancer(policy: LbPolicyName, factory: LoadBalancerFactory): void {
  registry.set(policy, factory);
}

/** Builds the balancer registered for `policy`; throws when none is. */
export function createLoadBalancer(policy: LbPolicyName, context: LoadBalancerContext): LoadBalancer {
  const factory = registry.get(policy);
  // An assert, not a user-reachable error: the config layer refuses every lb_policy without a
  // built-in balancer (WEFT_PROXY_CONFIG_UNSUPPORTED_LB_POLICY), and the built-ins are registered first.
  if (factory === undefined) throw new Error(`no load balancer registered for ${policy}`);
  return factory(context);
}

/**
 * For a pick that landed on an avoided host: a weighted draw among the other hosts of the same
 * source, else of the first source (in priority order) that has one; undefined when every host
 * is avoided.
 */
export function pickAvoiding(
  set: PrioritySet,
  source: HostSource,
  avoid: ReadonlySet<string>,
  random: () => number,
): HostState | undefined {
  const near = drawAvoiding(source, avoid, random);
  if (near !== undefined) return near;
  for (const other of set.sources) {
    if (other === source) continue;
    const far = drawAvoiding(other, avoid, random);
    if (far !== undefined) return far;
  }
  return undefined;
}

function drawAvoiding(source: HostSource, avoid: ReadonlySet<string>, random: () => number): HostState | undefined {
  let total = 0;
  for (let i = 0; i < source.hosts.length; i++) {
    if (!avoid.has(source.hosts[i]?.address ?? "")) total += source.weights[i] ?? 0;
  }
  if (total <= 0) return undefined;
  let draw = random() * total;
  let last: HostState | undefined;
  for (let i = 0; i < source.hosts.length; i++) {
    const host = source.hosts[i];
    if (host === undefined || avoid.has(host.address)) continue;
    last = host;
    draw -= source.weights[i] ?? 0;
    if (draw < 0) return host;
  }
  return last;
}

/** Whether a pick must look elsewhere. */
export function avoided(
  host: HostState | undefined,
  avoid: ReadonlySet<string> | undefined,
): avoid is ReadonlySet<string> {
  return host !== undefined && avoid !== undefined && avoid.size > 0 && avoid.has(host.address);
}
