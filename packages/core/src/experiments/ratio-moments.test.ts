import { describe, expect, it } from 'vitest';
import { analyzeExperiment } from './analyze-experiment.js';
import { meanInterval } from './mean-moments.js';
import { ratioMoments } from './ratio-moments.js';
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
