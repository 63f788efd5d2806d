// ROUND_ROBIN: smooth weighted round robin within the source each pick lands on (a priority level,
// or a locality of it), so equal weights give a strict rotation and unequal ones spread evenly.
import { avoided, type LoadBalancerFactory, pickAvoiding } from "../load-balancer.js";
import { SmoothWeightedRoundRobin } from "../weighted-round-robin.js";

export const roundRobin: LoadBalancerFactory = ({ hosts, random }) => {
  const rotations = hosts.sources.map(
    (source) => new SmoothWeightedRoundRobin(source.hosts.map((item, i) => ({ item, weight: source.weights[i] ?? 0 }))),
  );
  return {
    pick(_hash, avoid) {
      const source = hosts.choose(random);
      if (source === undefined) return undefined;
      const host = rotations[source.id]?.next();
      if (avoided(host, avoid)) return pickAvoiding(hosts, source, avoid, random) ?? host;
      return host;
    },
  };
};
