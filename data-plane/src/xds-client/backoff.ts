// Reconnect delays: jittered exponential backoff, as gRPC's connection backoff spec describes it
// (base delay doubled per failed attempt, capped, then spread by ±jitter so that many proxies
// losing one control plane do not all come back in the same instant).

export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  readonly baseMs: number;
  /** No delay exceeds this, in ms. */
  readonly capMs: number;
  /** Spread as a fraction of the delay: 0.2 means ±20%. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000, jitter: 0.2 };

/**
 * The delay before retry number `attempt` (0 for the first retry after a failure). `random`
 * returns a number in [0, 1), like Math.random; the result is in
 * [d·(1-jitter), d·(1+jitter)] with d = min(cap, base·2^attempt), and never above the cap.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, Math.min(attempt, 52));
  const delay = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  const spread = 1 - policy.jitter + 2 * policy.jitter * random();
  return Math.min(policy.capMs, Math.round(delay * spread));
}
