// RANDOM: a weighted draw within the source each pick lands on.
import type { HostState } from "../host.js";
import { avoided, type LoadBalancerFactory, pickAvoiding } from "../load-balancer.js";
import type { HostSource } from "../priority-set.js";

export const random: LoadBalancerFactory = ({ hosts, random: draw }) => {
  /** Per source with unequal weights: running sums of the weights, for a binary search. */
  const cumulative = hosts.sources.map((source) => (source.equalWeights ? undefined : runningSums(source)));
  return {
    pick(_hash, avoid) {
      const source = hosts.choose(draw);
      if (source === undefined) return undefined;
      const host = drawFrom(source, cumulative[source.id], draw());
      if (avoided(host, avoid)) return pickAvoiding(hosts, source, avoid, draw) ?? host;
      return host;
    },
  };
};

function runningSums(source: HostSource): Float64Array {
  const sums = new Float64Array(source.weights.length);
  let sum = 0;
  for (let i = 0; i < sums.length; i++) {
    sum += source.weights[i] ?? 0;
    sums[i] = sum;
  }
  return sums;
}

/** The host at `point` in [0, 1) of the source's weight. */
function drawFrom(source: HostSource, sums: Float64Array | undefined, point: number): HostState | undefined {
  const n = source.hosts.length;
  if (n === 0) return undefined;
  if (sums === undefined) return source.hosts[Math.floor(point * n)];
  const target = point * source.totalWeight;
  let low = 0;
  let high = n - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sums[mid] ?? 0) > target) high = mid;
    else low = mid + 1;
  }
  return source.hosts[low];
}
