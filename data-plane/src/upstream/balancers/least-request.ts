// LEAST_REQUEST, as Envoy does it. Equal weights: the power of `choice_count` choices (draw that
// many hosts at random, take the one with fewest requests in flight). Unequal weights: a draw
// weighted by weight / (active + 1) ^ bias, so a host's share falls as its load rises; this is
// O(hosts) per pick (Envoy keeps an EDF schedule instead).
import type { HostState } from "../host.js";
import { avoided, type LoadBalancerFactory, pickAvoiding } from "../load-balancer.js";
import type { HostSource } from "../priority-set.js";

export const leastRequest: LoadBalancerFactory = ({ hosts, config, random }) => {
  const choices = config.choiceCount;
  const bias = config.activeRequestBias;
  return {
    pick(_hash, avoid) {
      const source = hosts.choose(random);
      if (source === undefined) return undefined;
      const host = source.equalWeights ? powerOfChoices(source, choices, random) : weightedByLoad(source, bias, random);
      if (avoided(host, avoid)) return pickAvoiding(hosts, source, avoid, random) ?? host;
      return host;
    },
  };
};

function powerOfChoices(source: HostSource, choices: number, random: () => number): HostState | undefined {
  const list = source.hosts;
  const n = list.length;
  if (n <= 1) return list[0];
  let best: HostState | undefined;
  for (let i = 0; i < choices; i++) {
    const candidate = list[Math.floor(random() * n)];
    if (candidate !== undefined && (best === undefined || candidate.activeRequests < best.activeRequests)) {
      best = candidate;
    }
  }
  return best;
}

function effectiveWeight(weight: number, active: number, bias: number): number {
  if (bias === 0) return weight;
  return bias === 1 ? weight / (active + 1) : weight / (active + 1) ** bias;
}

function weightedByLoad(source: HostSource, bias: number, random: () => number): HostState | undefined {
  const list = source.hosts;
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    total += effectiveWeight(source.weights[i] ?? 0, list[i]?.activeRequests ?? 0, bias);
  }
  let draw = random() * total;
  for (let i = 0; i < list.length; i++) {
    draw -= effectiveWeight(source.weights[i] ?? 0, list[i]?.activeRequests ?? 0, bias);
    if (draw < 0) return list[i];
  }
  return list[list.length - 1];
}
