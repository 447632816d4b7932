import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from './analyze-experiment.js';
import { compareRates } from './compare-rates.js';
import {
  ExperimentResult,
  type ExperimentMetric,
  type ExperimentSummary,
} from './experiments.schema.js';
import { holmAdjust } from './holm-adjust.js';
import { expectClose, expectCloseInterval, reference } from './statistics-reference.fixture.js';

const METRICS: ExperimentMetric[] = [
  { name: 'purchase', type: 'conversion' },
  { name: 'revenue', type: 'mean' },
];

const revenue = reference.means[0]!;
const experiment: ExperimentSummary = {
  variants: [
    {
      id: 'control',
      users: 10_000,
      metrics: { purchase: { users: 10_000, conversions: 500 }, revenue: revenue.control },
    },
    {
      id: 'red',
      users: 10_000,
      metrics: { purchase: { users: 10_000, conversions: 560 }, revenue: revenue.treatment },
    },
    {
      id: 'blue',
      users: 9_700,
      metrics: {
        purchase: { users: 9_700, conversions: 470 },
        revenue: { n: 0, sum: 0, sumSquares: 0 },
      },
    },
  ],
};

function analyze(summary: ExperimentSummary, metrics = METRICS): ExperimentResult {
  const result = analyzeExperiment(summary, metrics);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** Every number in a result is finite: undefined statistics are null, never NaN or ±Infinity. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('analyzeExperiment', () => {
  it('reports each variant and metric in the response shape', () => {
    const result = analyze(experiment);
    expect(result.control).toBe('control');
    expect(result.variants.map((v) => [v.id, v.users])).toEqual([
      ['control', 10_000],
      ['red', 10_000],
      ['blue', 9_700],
    ]);
    const ajv = new Ajv({ strict: false });
    expect(ajv.validate(ExperimentResult, result), ajv.errorsText()).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(numbersIn(result).every(Number.isFinite)).toBe(true);

    const control = result.variants[0]!.metrics.purchase!;
    expect(control).toMatchObject({
      type: 'conversion',
      rate: 0.05,
      uplift: null,
      pValue: null,
      pValueAdjusted: null,
      cuped: null,
    });
  });

  it('matches the reference, with Holm-adjusted p-values across the variants', () => {
    const result = analyze(experiment);
    const typical = reference.conversion[0]!.expected;
    const red = result.variants[1]!.metrics.purchase!;
    expect(red.type).toBe('conversion');
    if (red.type !== 'conversion') return;
    expectClose(red.rate, typical.treatmentRate);
    expectCloseInterval(red.ci, typical.treatmentCi);
    expectClose(red.pValue, typical.pValue);
    expectClose(red.chanceToBeatControl, typical.chanceToBeatControl, 1e-6, 1e-10);
    expectClose(red.sequential?.pValue ?? null, typical.sequentialPValue);

    const blue = compareRates(
      { users: 10_000, conversions: 500 },
      { users: 9_700, conversions: 470 },
    );
    const [redAdjusted, blueAdjusted] = holmAdjust([typical.pValue, blue.pValue]);
    expectClose(red.pValueAdjusted, redAdjusted ?? null);
    expectClose(result.variants[2]!.metrics.purchase!.pValueAdjusted, blueAdjusted ?? null);

    const money = result.variants[1]!.metrics.revenue!;
    expect(money.type).toBe('mean');
    if (money.type !== 'mean') return;
    expectClose(money.mean, revenue.expected.treatmentMean);
    expectClose(money.pValue, revenue.expected.pValue);
    expectCloseInterval(money.uplift?.ci ?? null, revenue.expected.upliftCi);
    // The empty variant is not a hypothesis that could be tested, but it still counts in Holm's m.
    expectClose(money.pValueAdjusted, Math.min(1, 2 * (revenue.expected.pValue as number)));
    expect(result.variants[2]!.metrics.revenue).toMatchObject({
      n: 0,
      mean: null,
      ci: null,
      pValue: null,
      pValueAdjusted: null,
    });
  });

  it('runs CUPED when every variant has the covariate sums', () => {
    const { theta, variants } = reference.cuped[0]!;
    const result = analyze(
      {
        control: 'a',
        variants: variants.map((v, i) => ({
          id: 'abc'[i]!,
          users: v.sums.n,
          metrics: { spend: v.sums },
        })),
      },
      [{ name: 'spend', type: 'mean' }],
    );
    const pValues = variants.slice(1).map((v) => v.pValue ?? null);
    const adjusted = holmAdjust(pValues);
    result.variants.forEach((variant, i) => {
      const cuped = variant.metrics.spend!.cuped;
      const expected = variants[i]!;
      expectClose(cuped?.theta ?? null, theta);
      expectClose(cuped?.mean ?? null, expected.mean);
      expectCloseInterval(cuped?.ci ?? null, expected.ci);
      expectClose(cuped?.varianceReduction ?? null, expected.varianceReduction);
      expectClose(cuped?.pValue ?? null, i === 0 ? null : (expected.pValue ?? null));
      expectClose(cuped?.pValueAdjusted ?? null, i === 0 ? null : (adjusted[i - 1] ?? null));
    });
    // The adjustment's point: a narrower interval than the raw metric's.
    const raw = result.variants[1]!.metrics.spend!;
    // The sequential test keeps the raw metric's mixture variance (a prior on the effect, in its units).
    expect(raw.cuped?.sequential?.tau2).toBe(raw.sequential?.tau2);
    const width = (ci: readonly [number, number] | null) => (ci ? ci[1] - ci[0] : NaN);
    expect(width(raw.cuped?.ci ?? null)).toBeLessThan(width(raw.ci));
  });

  it('treats conversions as 0/1 values for CUPED', () => {
    const result = analyze(
      {
        variants: [
          {
            id: 'a',
            users: 4,
            metrics: {
              buy: { users: 4, conversions: 2, sumPre: 2, sumPreSquares: 2, sumCross: 2 },
            },
          },
          {
            id: 'b',
            users: 4,
            metrics: {
              buy: { users: 4, conversions: 3, sumPre: 1, sumPreSquares: 1, sumCross: 1 },
            },
          },
        ],
      },
      [{ name: 'buy', type: 'conversion' }],
    );
    // a: S_xx = 2 − 2²/4 = 1, S_xy = 2 − 2·2/4 = 1; b: S_xx = 1 − 1²/4 = 0.75, S_xy = 1 − 1·3/4 = 0.25.
    expect(result.variants[0]!.metrics.buy!.cuped?.theta).toBeCloseTo(1.25 / 1.75, 12);
  });

  it('takes a named control wherever it is listed', () => {
    const named = analyze({ ...experiment, control: 'red' });
    expect(named.control).toBe('red');
    expect(named.variants[1]!.metrics.purchase!.pValue).toBeNull();
    expect(named.variants[0]!.metrics.purchase!.uplift?.value).toBeCloseTo(500 / 560 - 1, 12);
  });

  it('checks the sample ratio against the weights', () => {
    expect(analyze(experiment).srm.ok).toBe(true);
    const skewed = analyze(
      {
        variants: [
          { id: 'a', users: 100_000, weight: 1, metrics: {} },
          { id: 'b', users: 103_000, weight: 1, metrics: {} },
        ],
      },
      [],
    );
    expectClose(skewed.srm.pValue, reference.srm[6]!.pValue);
    expect(skewed.srm.ok).toBe(false);
    const weighted = analyze(
      {
        variants: [
          { id: 'a', users: 9_000, weight: 0.9, metrics: {} },
          { id: 'b', users: 1_000, weight: 0.1, metrics: {} },
        ],
      },
      [],
    );
    expect(weighted.srm).toEqual({ chiSquare: 0, pValue: 1, ok: true });
  });

  it('gives defined results on empty and degenerate variants', () => {
    const result = analyze(
      {
        variants: [
          {
            id: 'a',
            users: 0,
            metrics: { buy: { users: 0, conversions: 0 }, spend: { n: 1, sum: 5, sumSquares: 25 } },
          },
          {
            id: 'b',
            users: 0,
            metrics: { buy: { users: 0, conversions: 0 }, spend: { n: 0, sum: 0, sumSquares: 0 } },
          },
        ],
      },
      [
        { name: 'buy', type: 'conversion' },
        { name: 'spend', type: 'mean' },
      ],
    );
    expect(numbersIn(result).every(Number.isFinite)).toBe(true);
    expect(result.srm).toEqual({ chiSquare: null, pValue: null, ok: true });
    expect(result.variants[1]!.metrics.buy).toMatchObject({
      rate: null,
      ci: null,
      pValue: null,
      uplift: null,
    });
  });

  it.each([
    [{ variants: [] }, 'at least one variant'],
    [{ ...experiment, control: 'green' }, 'no variant is the control "green"'],
    [{ variants: [experiment.variants[0]!, experiment.variants[0]!] }, 'unique'],
    [
      { variants: [{ id: 'a', users: 1, metrics: { purchase: { users: 1, conversions: 2 } } }] },
      'more conversions than users',
    ],
    [
      { variants: [{ id: 'a', users: 1, metrics: { purchase: { n: 1, sum: 2, sumSquares: 4 } } }] },
      'needs counts',
    ],
    [{ variants: [{ id: 'a', users: 1, metrics: {} }] }, 'no data'],
    [{ variants: [{ id: 'a', users: 1.5, metrics: {} }] }, 'users must be a count'],
  ] as [ExperimentSummary, string][])('refuses bad summaries: %#', (summary, message) => {
    const result = analyzeExperiment(summary, [{ name: 'purchase', type: 'conversion' }]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});
