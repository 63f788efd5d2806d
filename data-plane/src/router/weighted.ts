// Weighted cluster selection. Pure: the random number comes in, so the caller decides where
// randomness comes from and tests can drive it.

/**
 * The index chosen for `r` in [0, 1): each index owns a slice of [0, 1) proportional to its
 * weight, in order, so a uniform `r` picks index i with probability weights[i] / sum(weights).
 * Zero weights are never picked. Undefined when the weights sum to zero (or the list is empty).
 */
export function pickWeighted(weights: readonly number[], r: number): number | undefined {
  let total = 0;
  for (const w of weights) total += w;
  if (total <= 0) return undefined;
  const target = r * total;
  let cumulative = 0;
  let last: number | undefined;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] ?? 0;
    if (w <= 0) continue;
    cumulative += w;
    last = i;
    if (target < cumulative) return i;
  }
  // Only reachable when r >= 1 or rounding pushed target to the total: the last non-zero weight.
  return last;
}
