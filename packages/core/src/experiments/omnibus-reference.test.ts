import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from './analyze-experiment.js';
import { chiSquareIndependence } from './chi-square-independence.js';
import type { ConversionCounts, MeanSums, RatioSums } from './experiments.schema.js';
import { meanMoments } from './mean-moments.js';
import { multivariateReference as reference } from './multivariate-reference.fixture.js';
import { ratioMoments } from './ratio-moments.js';
import { expectClose } from './statistics-reference.fixture.js';
import { welchAnova } from './welch-anova.js';

interface Expected {
  statistic: number;
  df: number;
  df2?: number;
  pValue: number;
  arms: number;
}

describe('chiSquareIndependence against scipy.stats.chi2_contingency(correction=False)', () => {
  for (const c of reference.chiSquare) {
    it(c.name, () => {
      const result = chiSquareIndependence(c.arms);
      const expected = c.expected;
      if (expected === null) {
        expect(result).toBeNull();
        return;
      }
      expectClose(result?.statistic, expected.statistic);
      expectClose(result?.pValue, expected.pValue, 1e-6, 1e-300);
      expect(result?.df).toBe(expected.df);
      expect(result?.arms).toBe(expected.arms);
      expect(result?.test).toBe('chi-square');
    });
  }
});

describe("welchAnova against statsmodels' anova_oneway(use_var='unequal')", () => {
  for (const c of reference.welch) {
    it(c.name, () => {
      const moments =
        c.kind === 'ratio'
          ? (c.arms as RatioSums[]).map(ratioMoments)
          : (c.arms as MeanSums[]).map(meanMoments);
      const result = welchAnova(moments);
      const expected = c.expected as Expected | null;
      if (expected === null) {
        expect(result).toBeNull();
        return;
      }
      expectClose(result?.statistic, expected.statistic);
      expectClose(result?.df2, expected.df2 ?? null);
      expectClose(result?.pValue, expected.pValue, 1e-6, 1e-300);
      expect(result?.df).toBe(expected.df);
      expect(result?.arms).toBe(expected.arms);
    });
  }
});

describe('omnibus tests in analyzeExperiment', () => {
  const arms = reference.chiSquare[0]!.arms as ConversionCounts[];
  const welch = reference.welch[0]!.arms as MeanSums[];
  const summary = {
    variants: ['control', 'red', 'blue'].map((id, i) => ({
      id,
      users: arms[i]!.users,
      metrics: { purchase: arms[i]!, revenue: welch[i]! },
    })),
  };
  const metrics = [
    { name: 'purchase', type: 'conversion' as const },
    { name: 'revenue', type: 'mean' as const },
  ];

  it('reports one test per metric, before the pairwise comparisons', () => {
    const result = analyzeExperiment(summary, metrics);
    if (!result.ok) throw new Error(result.error);
    expect(Object.keys(result.value)).toEqual(['control', 'omnibus', 'variants', 'srm']);
    expect(result.value.omnibus.purchase?.test).toBe('chi-square');
    expectClose(result.value.omnibus.purchase?.pValue, reference.chiSquare[0]!.expected!.pValue);
    expect(result.value.omnibus.revenue?.test).toBe('welch-anova');
    expectClose(result.value.omnibus.revenue?.pValue, reference.welch[0]!.expected!.pValue);
  });

  it('with two arms, agrees with the pairwise test (no continuity correction)', () => {
    const two = { variants: summary.variants.slice(0, 2) };
    const result = analyzeExperiment(two, metrics);
    if (!result.ok) throw new Error(result.error);
    const red = result.value.variants[1]!.metrics;
    expectClose(result.value.omnibus.purchase?.pValue, red.purchase!.pValue, 1e-9);
    expectClose(result.value.omnibus.revenue?.pValue, red.revenue!.pValue, 1e-9);
  });
});
