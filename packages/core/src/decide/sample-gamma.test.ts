import { describe, expect, it } from 'vitest';
import { sampleGamma } from './sample-gamma.js';
import { drawMany, ksDistanceOnGrid, reference } from './sampler-reference.fixture.js';
import { seededRandom } from './seeded-random.js';

const gammaCases = reference.cases.filter((c) => c.kind === 'gamma');

describe('sampleGamma (Marsaglia–Tsang)', () => {
  it.each(gammaCases.map((c, i) => [c.params[0], c, i] as const))(
    'draws from Gamma(%s): Kolmogorov–Smirnov against scipy.stats.gamma, mean and variance',
    (shape, c, i) => {
      const random = seededRandom(2000 + i);
      const draws = drawMany(reference.n, () => sampleGamma(shape ?? 1, random));
      expect(
        ksDistanceOnGrid(draws, c.quantiles, reference.grid) + 1 / reference.grid,
      ).toBeLessThan(reference.ks_critical);
      const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
      expect(Math.abs(mean - c.mean)).toBeLessThan(4 * Math.sqrt(c.variance / draws.length));
    },
  );

  it('refuses shapes that are not positive and finite', () => {
    const random = seededRandom(1);
    for (const shape of [0, -1, NaN, Infinity])
      expect(() => sampleGamma(shape, random)).toThrow(RangeError);
  });
});
