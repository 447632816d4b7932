import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fairnessReport, featureDrift, featureReference, REFERENCE_SAMPLE } from '@tailor/core';

/**
 * Drift (PSI, KS) and fairness rates against SciPy and NumPy on recorded samples
 * (test/fixtures/drift: the reference and the script that made it).
 */
const reference = JSON.parse(
  readFileSync(new URL('fixtures/drift/drift.reference.json', import.meta.url), 'utf8'),
) as {
  cases: { name: string; reference: number[]; current: number[]; psi: number; ks: number }[];
  subsampled: { reference: number[]; current: number[]; psi: number; ks: number };
  categories: { reference: string[]; current: string[]; psi: number };
  fairness: {
    groups: (string | null)[];
    scores: number[];
    labels: (0 | 1)[];
    rates: Record<
      string,
      { count: number; positives: number; selectionRate: number; truePositiveRate: number }
    >;
    demographicParityRatio: number;
    equalOpportunityDifference: number;
    disparateImpact: Record<string, number>;
  };
};

describe('featureDrift against SciPy and NumPy', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))(
    '%s: PSI over the reference deciles and the KS statistic',
    (_name, c) => {
      const drift = featureDrift(featureReference(c.reference), c.current);
      expect(drift.psi).toBeCloseTo(c.psi, 10);
      expect(drift.ks).toBeCloseTo(c.ks, 12);
    },
  );

  it('keeps 1,000 order statistics of a larger reference and compares with them', () => {
    const kept = featureReference(reference.subsampled.reference);
    expect(kept.kind === 'number' && kept.sample.length).toBe(REFERENCE_SAMPLE);
    const drift = featureDrift(kept, reference.subsampled.current);
    expect(drift.psi).toBeCloseTo(reference.subsampled.psi, 10);
    expect(drift.ks).toBeCloseTo(reference.subsampled.ks, 12);
  });

  it('compares categories by their shares, an unseen value in a bin of its own', () => {
    const { reference: ref, current, psi } = reference.categories;
    const drift = featureDrift(featureReference(ref), current);
    expect(drift.psi).toBeCloseTo(psi, 10);
    expect(drift.ks).toBeNull();
  });
});

describe('fairnessReport against NumPy', () => {
  it('gives each group its selection and true positive rates, parity, opportunity and disparate impact', () => {
    const f = reference.fairness;
    const report = fairnessReport('age_band', f.groups, f.scores, f.labels, 0.5);
    expect(report.groups.map((g) => g.group).sort()).toEqual(Object.keys(f.rates).sort());
    for (const g of report.groups) {
      const expected = f.rates[g.group];
      expect(g.count).toBe(expected?.count);
      expect(g.positives).toBe(expected?.positives);
      expect(g.selectionRate).toBeCloseTo(expected?.selectionRate ?? Number.NaN, 12);
      expect(g.truePositiveRate).toBeCloseTo(expected?.truePositiveRate ?? Number.NaN, 12);
    }
    expect(report.demographicParityRatio).toBeCloseTo(f.demographicParityRatio, 12);
    expect(report.equalOpportunityDifference).toBeCloseTo(f.equalOpportunityDifference, 12);
    for (const [group, ratio] of Object.entries(f.disparateImpact))
      expect(report.disparateImpact[group]).toBeCloseTo(ratio, 12);
    expect(report.fourFifthsRule).toBe(Object.values(f.disparateImpact).every((r) => r >= 0.8));
    expect(report.fourFifthsRule).toBe(false); // the youngest band is favoured by construction
  });
});
