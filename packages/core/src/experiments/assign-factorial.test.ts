import { describe, expect, it } from 'vitest';
import { assignVariant, type AssignableExperiment } from './assign-variant.js';
import { checkSampleRatio } from './check-sample-ratio.js';
import { chiSquareIndependence } from './chi-square-independence.js';
import { factorialCells, type Factor } from './factorial-cells.js';

const FACTORS: Factor[] = [
  {
    name: 'headline',
    levels: [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
      { id: 'c', weight: 1 },
    ],
  },
  {
    name: 'image',
    levels: [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
    ],
  },
  {
    name: 'cta',
    levels: [
      { id: 'buy', weight: 3 },
      { id: 'try', weight: 1 },
    ],
  },
];
const experiment: AssignableExperiment = {
  seed: 'hero',
  variants: [],
  factors: FACTORS,
  traffic: 1,
};
const ids = Array.from({ length: 120_000 }, (_, i) => `user-${i}`);
const assigned = ids.map((id) => assignVariant(experiment, id));
const levelsOf = (i: number) => {
  const a = assigned[i];
  if (a?.variant == null || a.factors === undefined) throw new Error('not assigned');
  return a.factors;
};

describe('factorialCells', () => {
  it('lists every combination, the first factor slowest, with the product of the shares', () => {
    const cells = factorialCells(FACTORS);
    expect(cells).toHaveLength(12);
    expect(cells[0]).toEqual({
      id: 'headline=a|image=a|cta=buy',
      levels: { headline: 'a', image: 'a', cta: 'buy' },
      weight: (1 / 3) * (1 / 2) * (3 / 4),
    });
    expect(cells[11]?.id).toBe('headline=c|image=b|cta=try');
    expect(cells.reduce((a, c) => a + c.weight, 0)).toBeCloseTo(1, 12);
  });
});

describe('assignVariant with factors', () => {
  it('answers the cell and each level, the same for the same id', () => {
    const first = assignVariant(experiment, 'user-7');
    expect(first).toEqual(assignVariant(experiment, 'user-7'));
    expect(first.variant).toBe(
      `headline=${levelsOf(7).headline}|image=${levelsOf(7).image}|cta=${levelsOf(7).cta}`,
    );
  });

  it('splits each factor by its weights and the cells by the products (SRM p > 0.001)', () => {
    for (const factor of FACTORS) {
      const counts = factor.levels.map(
        (l) => ids.filter((_, i) => levelsOf(i)[factor.name] === l.id).length,
      );
      const srm = checkSampleRatio(
        counts,
        factor.levels.map((l) => l.weight),
      );
      expect(srm.ok, `${factor.name}: ${counts.join(', ')}`).toBe(true);
    }
    const cells = factorialCells(FACTORS);
    const counts = cells.map((c) => assigned.filter((a) => a.variant === c.id).length);
    expect(
      checkSampleRatio(
        counts,
        cells.map((c) => c.weight),
      ).pValue,
    ).toBeGreaterThan(0.001);
  });

  it("draws the factors independently: one factor's level tells nothing of another's", () => {
    for (const [row, column, level] of [
      ['headline', 'image', 'b'],
      ['headline', 'cta', 'try'],
      ['image', 'cta', 'try'],
    ] as const) {
      const rows = (FACTORS.find((f) => f.name === row) as Factor).levels.map((l) => {
        const users = ids.filter((_, i) => levelsOf(i)[row] === l.id).length;
        const conversions = ids.filter(
          (_, i) => levelsOf(i)[row] === l.id && levelsOf(i)[column] === level,
        ).length;
        return { users, conversions };
      });
      const test = chiSquareIndependence(rows);
      expect(test?.pValue, `${row} x ${column}`).toBeGreaterThan(0.001);
    }
  });

  it("keeps a factor's levels when another factor is added, removed or reweighted", () => {
    const changed: AssignableExperiment = {
      ...experiment,
      factors: [
        FACTORS[0] as Factor,
        {
          name: 'cta',
          levels: [
            { id: 'buy', weight: 1 },
            { id: 'try', weight: 1 },
          ],
        },
        {
          name: 'colour',
          levels: [
            { id: 'red', weight: 1 },
            { id: 'blue', weight: 1 },
          ],
        },
      ],
    };
    for (let i = 0; i < 2_000; i++) {
      const a = assignVariant(changed, ids[i] as string);
      expect(a.variant === null ? null : a.factors?.headline).toBe(levelsOf(i).headline);
    }
  });

  it('raising the traffic share only adds people, in the cells they would have had', () => {
    const half = { ...experiment, traffic: 0.5 };
    let inHalf = 0;
    for (let i = 0; i < 10_000; i++) {
      const a = assignVariant(half, ids[i] as string);
      if (a.variant === null) continue;
      inHalf++;
      expect(a.variant).toBe(assigned[i]?.variant);
    }
    expect(inHalf).toBeGreaterThan(4_700);
    expect(inHalf).toBeLessThan(5_300);
  });

  it('assigns nobody when a factor has no level weighted above 0', () => {
    const none: AssignableExperiment = {
      ...experiment,
      factors: [FACTORS[0] as Factor, { name: 'x', levels: [{ id: 'a', weight: 0 }] }],
    };
    expect(assignVariant(none, 'user-1')).toEqual({ variant: null, reason: 'weights' });
  });
});
