import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from './analyze-experiment.js';
import { meanInterval } from './mean-moments.js';
import { ratioMoments } from './ratio-moments.js';
import { welchTTest } from './welch-t-test.js';
import { expectClose, expectCloseInterval, reference } from './statistics-reference.fixture.js';

describe('ratio metrics against SciPy on per-person data (make-statistics-reference.py)', () => {
  it.each(reference.ratio)('$name', ({ control, treatment, expected }) => {
    const result = analyzeExperiment(
      {
        variants: [
          { id: 'control', users: control.n, metrics: { aov: control } },
          { id: 'treatment', users: treatment.n, metrics: { aov: treatment } },
        ],
      },
      [{ name: 'aov', type: 'ratio' }],
    );
    if (!result.ok) throw new Error(result.error);
    const [c, t] = result.value.variants.map((v) => v.metrics.aov);
    if (c?.type !== 'mean' || t?.type !== 'mean') throw new Error('a ratio is reported as a mean');
    expect(c).toMatchObject({ n: control.count, users: control.n, cuped: null });
    expectClose(c.mean, expected.controlMean);
    expectClose(t.mean, expected.treatmentMean);
    expectCloseInterval(c.ci, expected.controlCi);
    expectCloseInterval(t.ci, expected.treatmentCi);
    expectClose(t.pValue, expected.pValue);
    expectClose(t.uplift?.value ?? null, expected.uplift);
    expectCloseInterval(t.uplift?.ci ?? null, expected.upliftCi);
    expectClose(t.chanceToBeatControl, expected.chanceToBeatControl);
    expectClose(t.expectedLoss, expected.expectedLoss, 1e-6, 1e-10);
    expectClose(t.sequential?.tau2 ?? null, expected.tau2);
    expectClose(t.sequential?.pValue ?? null, expected.sequentialPValue);
  });

  it('is wider than the interval that takes each event as a unit when people repeat', () => {
    const heavy = reference.ratio.find((r) => r.name === 'heavy repeaters');
    const [low, high] = heavy?.expected.controlEventCi ?? [0, 0];
    const ci = meanInterval(ratioMoments(heavy!.control));
    expect(ci![1] - ci![0]).toBeGreaterThan(1.5 * ((high ?? 0) - (low ?? 0)));
  });

  it("counts only the people with values: one order per buyer gives Welch's t test on the order values", () => {
    // make-statistics-reference.py asserts this case's p-value equals scipy.stats.ttest_ind(equal_var=False)
    // on the 250 and 260 order values themselves. Counting the 4,750 people per arm without orders
    // as units gave ~8,700 degrees of freedom, a z test in all but name, and a smaller p-value.
    const buyers = reference.ratio.find(
      (r) => r.name === 'one order per buyer, most people without',
    );
    if (buyers === undefined) throw new Error('missing reference case');
    const { control, treatment, expected } = buyers;
    expect(control).toMatchObject({ n: 5000, withValues: 250 });
    const c = ratioMoments(control);
    const t = ratioMoments(treatment);
    expect(c.n).toBe(250);
    const test = welchTTest(c, t);
    expectClose(test?.pValue ?? null, expected.pValue);
    expectClose(test?.df ?? null, expected.df);
    expect(test!.df).toBeLessThan(510);
    const everyone = welchTTest(
      ratioMoments({ ...control, withValues: undefined }),
      ratioMoments({ ...treatment, withValues: undefined }),
    );
    expect(everyone!.df).toBeGreaterThan(8_000);
    expect(everyone!.pValue).toBeLessThan(test!.pValue);
  });

  it('refuses more units with values than units', () => {
    const sums = {
      n: 2,
      sum: 3,
      sumSquares: 5,
      count: 2,
      countSquares: 2,
      sumTimesCount: 3,
      withValues: 3,
    };
    const result = analyzeExperiment({ variants: [{ id: 'a', users: 2, metrics: { r: sums } }] }, [
      { name: 'r', type: 'ratio' },
    ]);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('withValues') });
  });

  it('has no mean without values and no variance below two people', () => {
    const none = { n: 5, sum: 0, sumSquares: 0, count: 0, countSquares: 0, sumTimesCount: 0 };
    expect(ratioMoments(none)).toEqual({ n: 5, mean: null, variance: null });
    expect(
      ratioMoments({
        n: 1,
        sum: 30,
        sumSquares: 900,
        count: 2,
        countSquares: 4,
        sumTimesCount: 60,
      }),
    ).toEqual({
      n: 1,
      mean: 15,
      variance: null,
    });
    // Everyone with the same mean value: no spread.
    expect(
      ratioMoments({ n: 2, sum: 30, sumSquares: 500, count: 3, countSquares: 5, sumTimesCount: 50 })
        .variance,
    ).toBeCloseTo(0, 12);
    const bad = analyzeExperiment(
      { variants: [{ id: 'a', users: 2, metrics: { r: { n: 2, sum: 1, sumSquares: 1 } } }] },
      [{ name: 'r', type: 'ratio' }],
    );
    expect(bad).toMatchObject({
      ok: false,
      error: expect.stringContaining('a ratio metric needs'),
    });
  });
});
