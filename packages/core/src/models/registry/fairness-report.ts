/** One group's outcomes under the model, as a fairness report lists them. */
export interface GroupRates {
  group: string;
  count: number;
  positives: number;
  /** Share predicted positive (score at or above the threshold). */
  selectionRate: number;
  /** Share of the group's positives predicted positive; null when the group has none. */
  truePositiveRate: number | null;
}

export interface FairnessReport {
  attribute: string;
  threshold: number;
  groups: GroupRates[];
  /** The lowest selection rate over the highest (1: every group selected alike). */
  demographicParityRatio: number | null;
  /** The highest true positive rate minus the lowest (0: equal opportunity). */
  equalOpportunityDifference: number | null;
  /** Each group's selection rate over the most selected group's: the disparate impact ratios. */
  disparateImpact: Record<string, number>;
  /** The four-fifths rule: every group's disparate impact ratio is at least 0.8. */
  fourFifthsRule: boolean;
}

/**
 * Fairness of predictions across the values of an attribute (a trait such as an age band):
 * per group, its selection rate (predicted positive: score ≥ threshold) and true positive rate;
 * the demographic parity ratio (lowest selection rate / highest), the equal opportunity difference
 * (highest TPR − lowest, over groups with positives) and each group's disparate impact (its
 * selection rate / the highest), which the four-fifths rule wants at 0.8 or more. A missing value
 * is its own group, `(none)`.
 */
export function fairnessReport(
  attribute: string,
  groups: readonly (string | number | null)[],
  scores: readonly number[],
  labels: readonly (0 | 1)[],
  threshold = 0.5,
): FairnessReport {
  const tally = new Map<
    string,
    { count: number; selected: number; positives: number; hits: number }
  >();
  scores.forEach((score, i) => {
    const g = groups[i];
    const key = g === null || g === undefined || g === '' ? '(none)' : String(g);
    const t = tally.get(key) ?? { count: 0, selected: 0, positives: 0, hits: 0 };
    const selected = score >= threshold;
    t.count++;
    if (selected) t.selected++;
    if (labels[i] === 1) {
      t.positives++;
      if (selected) t.hits++;
    }
    tally.set(key, t);
  });
  const rates: GroupRates[] = [...tally]
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .map(([group, t]) => ({
      group,
      count: t.count,
      positives: t.positives,
      selectionRate: t.selected / t.count,
      truePositiveRate: t.positives === 0 ? null : t.hits / t.positives,
    }));
  const selection = rates.map((r) => r.selectionRate);
  const highest = Math.max(...selection);
  const tprs = rates.map((r) => r.truePositiveRate).filter((r): r is number => r !== null);
  const disparateImpact: Record<string, number> = {};
  for (const r of rates) disparateImpact[r.group] = highest > 0 ? r.selectionRate / highest : 1;
  return {
    attribute,
    threshold,
    groups: rates,
    demographicParityRatio:
      rates.length === 0 ? null : highest > 0 ? Math.min(...selection) / highest : 1,
    equalOpportunityDifference: tprs.length === 0 ? null : Math.max(...tprs) - Math.min(...tprs),
    disparateImpact,
    fourFifthsRule: Object.values(disparateImpact).every((ratio) => ratio >= 0.8),
  };
}
