// A cluster's load-balancing settings: lb_policy with its least_request_lb_config or
// ring_hash_lb_config, and common_lb_config's panic threshold and locality weighting.
import {
  type Cluster,
  Cluster_LbPolicy,
  Cluster_RingHashLbConfig_HashFunction,
} from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { type Cursor, join } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

export type LbPolicyName = "ROUND_ROBIN" | "LEAST_REQUEST" | "RANDOM" | "RING_HASH";

export interface RuntimeLoadBalancing {
  /** LEAST_REQUEST: hosts drawn per pick (least_request_lb_config.choice_count). */
  readonly choiceCount: number;
  /**
   * LEAST_REQUEST with unequal weights: weight / (active + 1) ^ bias. Envoy reads the bias from
   * a runtime key; weft's proto has no field for it, so it is Envoy's default, 1.0.
   */
  readonly activeRequestBias: number;
  /** RING_HASH: ring_hash_lb_config.minimum_ring_size. */
  readonly minimumRingSize: number;
  /** RING_HASH: ring_hash_lb_config.maximum_ring_size. */
  readonly maximumRingSize: number;
  /** common_lb_config.healthy_panic_threshold, in percent; 0 turns panic mode off. */
  readonly healthyPanicThreshold: number;
  /** common_lb_config.locality_weighted_lb_config is set. */
  readonly localityWeighted: boolean;
}

/** Envoy's defaults. */
export const DEFAULT_LOAD_BALANCING: RuntimeLoadBalancing = Object.freeze({
  choiceCount: 2,
  activeRequestBias: 1,
  minimumRingSize: 1024,
  maximumRingSize: 8 * 1024 * 1024,
  healthyPanicThreshold: 50,
  localityWeighted: false,
});

/** Envoy's upper bound for both ring sizes. */
export const MAX_RING_SIZE = 8 * 1024 * 1024;

const POLICIES: ReadonlyMap<Cluster_LbPolicy, LbPolicyName> = new Map([
  [Cluster_LbPolicy.ROUND_ROBIN, "ROUND_ROBIN"],
  [Cluster_LbPolicy.LEAST_REQUEST, "LEAST_REQUEST"],
  [Cluster_LbPolicy.RANDOM, "RANDOM"],
  [Cluster_LbPolicy.RING_HASH, "RING_HASH"],
]);

export function buildLoadBalancing(
  at: Cursor,
  cluster: Cluster,
): { readonly lbPolicy: LbPolicyName; readonly loadBalancing: RuntimeLoadBalancing } {
  const lbPolicy = POLICIES.get(cluster.lbPolicy);
  if (lbPolicy === undefined) {
    at.fail(
      Code.unsupportedLbPolicy,
      "lb_policy",
      `${Cluster_LbPolicy[cluster.lbPolicy] ?? String(cluster.lbPolicy)} is not supported (only ROUND_ROBIN, LEAST_REQUEST, RANDOM and RING_HASH)`,
    );
  }
  const d = DEFAULT_LOAD_BALANCING;
  const choiceCount = cluster.leastRequestLbConfig?.choiceCount ?? d.choiceCount;
  if (!Number.isInteger(choiceCount) || choiceCount < 2) {
    at.fail(Code.invalidValue, "least_request_lb_config.choice_count", `${choiceCount} must be at least 2`);
  }
  const ring = cluster.ringHashLbConfig;
  if (ring !== undefined && ring.hashFunction !== Cluster_RingHashLbConfig_HashFunction.XX_HASH) {
    at.fail(Code.unsupportedFeature, "ring_hash_lb_config.hash_function", "only XX_HASH is supported");
  }
  const minimumRingSize = ringSize(
    at,
    "ring_hash_lb_config.minimum_ring_size",
    ring?.minimumRingSize,
    d.minimumRingSize,
  );
  const maximumRingSize = ringSize(
    at,
    "ring_hash_lb_config.maximum_ring_size",
    ring?.maximumRingSize,
    d.maximumRingSize,
  );
  if (minimumRingSize > maximumRingSize) {
    at.fail(
      Code.invalidValue,
      "ring_hash_lb_config.minimum_ring_size",
      `${minimumRingSize} is above maximum_ring_size ${maximumRingSize}`,
    );
  }
  const common = cluster.commonLbConfig;
  const threshold = common?.healthyPanicThreshold?.value ?? d.healthyPanicThreshold;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
    at.fail(Code.invalidValue, join("common_lb_config", "healthy_panic_threshold"), `${threshold} is not in 0-100`);
  }
  return {
    lbPolicy,
    loadBalancing: Object.freeze({
      choiceCount,
      activeRequestBias: d.activeRequestBias,
      minimumRingSize,
      maximumRingSize,
      healthyPanicThreshold: threshold,
      localityWeighted: common?.localityWeightedLbConfig !== undefined,
    }),
  };
}

function ringSize(at: Cursor, field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_RING_SIZE) {
    at.fail(Code.invalidValue, field, `${value} is not in 1-${MAX_RING_SIZE}`);
  }
  return value;
}
