/**
 * Holm's step-down adjustment (Holm 1979) of the p-values of m hypotheses: with p₍₁₎ ≤ … ≤ p₍ₘ₎,
 * p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) p₍ⱼ₎). Rejecting where p̃ ≤ α controls the family-wise error
 * rate at α. A null p-value (a test that could not be run) stays null and still counts in m.
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const m = pValues.length;
  const order = pValues
    .map((p, i) => ({ p, i }))
    .sort((x, y) => (x.p ?? Infinity) - (y.p ?? Infinity));
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    if (p === null) return;
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
