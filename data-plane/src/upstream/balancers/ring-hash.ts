// RING_HASH: Envoy's ketama-style ring. Each host gets points on a 64-bit ring in proportion to
// its weight, at xxHash64(`${address}_${i}`); a request's hash picks the first point at or after
// it (wrapping). The ring depends only on the hosts' addresses and weights (they are sorted by
// address first), so the same hosts give the same ring and the same picks after any config update
// that keeps them, and removing one host moves only the keys that landed on its points.
//
// The priority level is chosen from the hash too (hash mod 100 against the levels' loads), as
// Envoy's thread-aware balancers do; a request without a hash gets a random point.
import type { RuntimeLoadBalancing } from "../../config/index.js";
import { randomHash, xxHash64 } from "../../hashing/hash64.js";
import type { HostState } from "../host.js";
import type { LoadBalancerFactory } from "../load-balancer.js";
import type { HostSource } from "../priority-set.js";

export class Ring {
  readonly #hashes: BigUint64Array;
  readonly #hosts: readonly HostState[];

  constructor(hosts: readonly HostState[], weights: readonly number[], sizes: RingSizes) {
    const entries = ringEntries(hosts, weights, sizes);
    entries.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    this.#hashes = BigUint64Array.from(entries, (e) => e.hash);
    this.#hosts = entries.map((e) => e.host);
  }

  get size(): number {
    return this.#hosts.length;
  }

  /**
   * The host owning `hash`: the first point at or after it, wrapping past the end. With `avoid`,
   * walks on around the ring to the first host not in it (the owner when every host is avoided).
   */
  lookup(hash: bigint, avoid?: ReadonlySet<string>): HostState | undefined {
    const hashes = this.#hashes;
    const n = hashes.length;
    if (n === 0) return undefined;
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((hashes[mid] ?? 0n) < hash) low = mid + 1;
      else high = mid;
    }
    const start = low === n ? 0 : low;
    const owner = this.#hosts[start];
    if (avoid === undefined || avoid.size === 0 || owner === undefined || !avoid.has(owner.address)) return owner;
    for (let step = 1; step < n; step++) {
      const host = this.#hosts[(start + step) % n];
      if (host !== undefined && !avoid.has(host.address)) return host;
    }
    return owner;
  }
}

export type RingSizes = Pick<RuntimeLoadBalancing, "minimumRingSize" | "maximumRingSize">;

/** Each host's point hashes, computed once per host and reused by every ring it is in. */
const pointHashes = new WeakMap<HostState, bigint[]>();

function pointHash(host: HostState, index: number): bigint {
  let hashes = pointHashes.get(host);
  if (hashes === undefined) {
    hashes = [];
    pointHashes.set(host, hashes);
  }
  let hash = hashes[index];
  if (hash === undefined) {
    hash = xxHash64(`${host.address}_${index}`);
    hashes[index] = hash;
  }
  return hash;
}

/**
 * Envoy's sizing: scale the normalized weights so the lightest host gets at least one point and
 * the ring at least minimum_ring_size points, at most maximum_ring_size; hand out points with
 * running sums so the fractions carry over from host to host.
 */
function ringEntries(
  hosts: readonly HostState[],
  weights: readonly number[],
  sizes: RingSizes,
): { hash: bigint; host: HostState }[] {
  const order = hosts
    .map((host, i) => ({ host, weight: weights[i] ?? 0 }))
    .filter((e) => e.weight > 0)
    .sort((a, b) => (a.host.address < b.host.address ? -1 : a.host.address > b.host.address ? 1 : 0));
  const total = order.reduce((sum, e) => sum + e.weight, 0);
  if (order.length === 0 || total <= 0) return [];
  let minNormalized = 1;
  for (const e of order) minNormalized = Math.min(minNormalized, e.weight / total);
  const scale = Math.min(Math.ceil(minNormalized * sizes.minimumRingSize) / minNormalized, sizes.maximumRingSize);
  const entries: { hash: bigint; host: HostState }[] = [];
  let current = 0;
  let target = 0;
  for (const { host, weight } of order) {
    target += (scale * weight) / total;
    for (let i = 0; current < target; i++, current++) entries.push({ hash: pointHash(host, i), host });
  }
  return entries;
}

export const ringHash: LoadBalancerFactory = ({ hosts, config, random }) => {
  const rings: (Ring | undefined)[] = [];
  const ringOf = (source: HostSource): Ring => {
    let ring = rings[source.id];
    if (ring === undefined) {
      ring = new Ring(source.hosts, source.weights, config);
      rings[source.id] = ring;
    }
    return ring;
  };
  return {
    pick(hash, avoid) {
      const point = hash ?? randomHash(random);
      const source = hosts.sourceAt(Number(point % 100n));
      if (source === undefined) return undefined;
      return ringOf(source).lookup(point, avoid);
    },
  };
};
