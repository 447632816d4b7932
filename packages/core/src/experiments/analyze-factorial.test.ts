import { describe, expect, it } from 'vitest';
import { analyzeFactorial } from './analyze-factorial.js';
import type { ExperimentMetric, MetricData, VariantSummary } from './experiments.schema.js';
import { cellId, type Factor } from './factorial-cells.js';
import { multivariateReference as reference } from './multivariate-reference.fixture.js';
import { expectClose, expectCloseInterval } from './statistics-reference.fixture.js';

interface ExpectedTerm {
  term: string;
  df: number;
  statistic: number;
  pValue: number;
  sumSquares?: number;
}
interface ExpectedLevel {
  level: string;
  users?: number;
  n?: number;
  rate?: number;
  mean?: number;
  ci: number[];
  effect?: number;
  effectCi?: number[];
  pValue?: number;
  pValueAdjusted?: number;
}
interface Case {
  name: string;
  kind: string;
  factors: Factor[];
  cells: { levels: Record<string, string>; data: MetricData & { users?: number; n?: number } }[];
  expected: {
    terms: ExpectedTerm[];
    residual: { df: number; sumSquares?: number; deviance?: number };
    mainEffects: Record<string, ExpectedLevel[]>;
    bayesian: {
      cells: { mean: number | null; chanceToBeBest: number | null }[];
      mainEffects: Record<
        string,
        { level: string; mean: number; chanceToBeBest: number; chanceToBeatFirst: number | null }[]
      >;
    };
  };
}

function analyze(c: Case) {
  const cells: VariantSummary[] = c.cells.map((cell) => ({
    id: cellId(c.factors, cell.levels),
    users: cell.data.users ?? cell.data.n ?? 0,
    metrics: { m: cell.data },
  }));
  const type: ExperimentMetric['type'] = c.kind as ExperimentMetric['type'];
  const result = analyzeFactorial(c.factors, cells, [{ name: 'm', type }]);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

const CASES = reference.factorial as unknown as Case[];

describe('analyzeFactorial against statsmodels (make-multivariate-reference.py)', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const result = analyze(c);
      const metric = result.metrics.m;

      it(
        c.kind === 'conversion'
          ? 'likelihood-ratio tests of each term (type II), as GLM(Binomial) fits on the rows'
          : 'type II ANOVA table, as anova_lm(ols(...), typ=2) on the rows',
        () => {
          expect(metric?.model).toBe(c.kind === 'conversion' ? 'logistic-regression' : 'anova');
          expect(metric?.terms?.map((t) => t.term)).toEqual(c.expected.terms.map((t) => t.term));
          c.expected.terms.forEach((e, i) => {
            const t = metric?.terms?.[i];
            expect(t?.df).toBe(e.df);
            expectClose(t?.statistic, e.statistic);
            expectClose(t?.pValue, e.pValue);
            if (e.sumSquares !== undefined) expectClose(t?.sumSquares, e.sumSquares);
          });
          expect(metric?.residual?.df).toBe(c.expected.residual.df);
          if (c.expected.residual.sumSquares !== undefined)
            expectClose(metric?.residual?.sumSquares, c.expected.residual.sumSquares);
          if (c.expected.residual.deviance !== undefined)
            expectClose(metric?.residual?.deviance, c.expected.residual.deviance, 1e-6, 1e-9);
        },
      );

      it('Bayesian view: posterior means, chance to be best and to beat the first level (quadrature)', () => {
        const bayes = metric?.bayesian;
        c.expected.bayesian.cells.forEach((e, i) => {
          expectClose(bayes?.cells[i]?.mean, e.mean);
          expectClose(bayes?.cells[i]?.chanceToBeBest, e.chanceToBeBest, 1e-6, 1e-8);
        });
        for (const [factor, levels] of Object.entries(c.expected.bayesian.mainEffects))
          levels.forEach((e, i) => {
            const g = bayes?.mainEffects[factor]?.[i];
            expect(g?.level).toBe(e.level);
            expectClose(g?.mean, e.mean);
            expectClose(g?.chanceToBeBest, e.chanceToBeBest, 1e-6, 1e-8);
            expectClose(g?.chanceToBeatFirst, e.chanceToBeatFirst, 1e-6, 1e-8);
          });
      });

      it("each level's value and interval, and its main effect against the first level", () => {
        for (const [factor, levels] of Object.entries(c.expected.mainEffects)) {
          const got = metric?.mainEffects[factor];
          expect(got?.map((l) => l.level)).toEqual(levels.map((l) => l.level));
          levels.forEach((e, i) => {
            const g = got?.[i];
            expectClose(g?.value, e.rate ?? e.mean ?? null);
            expectCloseInterval(g?.ci, e.ci);
            if (c.kind !== 'ratio') expect(g?.n).toBe(e.users ?? e.n);
            if (e.effect === undefined) {
              expect(g?.effect).toBeNull();
              return;
            }
            expectClose(g?.effect?.value, e.effect, 1e-6, 1e-12);
            expectCloseInterval(g?.effect?.ci, e.effectCi ?? null);
            expectClose(g?.pValue, e.pValue ?? null);
            expectClose(g?.pValueAdjusted, e.pValueAdjusted ?? null);
          });
        }
      });
    });
  }

  it('crosses each pair of factors: the value of each pair of levels over the other factors', () => {
    const c = CASES[0] as Case;
    const metric = analyze(c).metrics.m;
    expect(metric?.interactions.map((i) => i.term)).toEqual([
      'headline:image',
      'headline:cta',
      'image:cta',
    ]);
    const pair = metric?.interactions[0]?.cells.find(
      (x) => x.levels.headline === 'b' && x.levels.image === 'b',
    );
    const cells = c.cells.filter((x) => x.levels.headline === 'b' && x.levels.image === 'b');
    const users = cells.reduce((s, x) => s + (x.data.users ?? 0), 0);
    const conversions = cells.reduce(
      (s, x) => s + (x.data as { conversions: number }).conversions,
      0,
    );
    expect(pair).toEqual({
      levels: { headline: 'b', image: 'b' },
      users,
      n: users,
      value: conversions / users,
    });
  });

  it('fits designs with an empty cell (aliased columns) and says when there is nothing to fit', () => {
    const c = CASES[2] as Case;
    const empty = {
      ...c,
      cells: c.cells.map((x, i) => (i === 0 ? { ...x, data: { n: 0, sum: 0, sumSquares: 0 } } : x)),
    };
    const metric = analyze(empty).metrics.m;
    expect(metric?.terms?.every((t) => t.pValue !== null && t.df >= 1)).toBe(true);
    const none = {
      ...(CASES[0] as Case),
      cells: (CASES[0] as Case).cells.map((x) => ({
        ...x,
        data: { users: 10, conversions: 0 },
      })),
    };
    expect(analyze(none).metrics.m?.terms).toBeNull();
  });
});
