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

/**
 * 250 ms doubling to a 4 s cap. A proxy keeps serving its last config while the control plane is
 * away, so what matters is how soon it sees changes once the control plane is back: with this cap
 * that is within 4 s of its return (a 30 s cap once made a 14 s outage cost 16 s). Retrying a
 * server that is down costs one refused connection; at the cap, 1,000 proxies make about 250
 * attempts a second, spread over [3.2 s, 4 s] by the jitter. `weft proxy --xds-reconnect-max-delay`
 * sets the cap.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 4_000, jitter: 0.2 };

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
