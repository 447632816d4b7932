import { describe, expect, it } from 'vitest';
import { sampleBeta } from './sample-beta.js';
import { drawMany, ksDistanceOnGrid, reference } from './sampler-reference.fixture.js';
import { seededRandom } from './seeded-random.js';

const betaCases = reference.cases.filter((c) => c.kind === 'beta');

describe('sampleBeta', () => {
  it.each(betaCases.map((c, i) => [c.params.join(', '), c, i] as const))(
    'draws from Beta(%s): Kolmogorov–Smirnov against scipy.stats.beta, mean and variance',
    (_name, c, i) => {
      const [a = 0, b = 0] = c.params;
      const random = seededRandom(1000 + i);
      const draws = drawMany(reference.n, () => sampleBeta(a, b, random));
      const distance = ksDistanceOnGrid(draws, c.quantiles, reference.grid);
      // The exact distance is at most 1/grid above the one on the grid; below the 0.999 critical value.
      expect(distance + 1 / reference.grid).toBeLessThan(reference.ks_critical);
      const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
      const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
      expect(Math.abs(mean - c.mean)).toBeLessThan(4 * Math.sqrt(c.variance / draws.length));
      expect(Math.abs(variance / c.variance - 1)).toBeLessThan(0.05);
    },
  );

  it('has a test that notices a slightly wrong distribution', () => {
    // Beta(13, 369) drawn as Beta(14, 369): the mean moves by 7%, and the distance is over the critical value.
    const c = betaCases.find((x) => x.params[0] === 13);
    const random = seededRandom(7);
    const draws = drawMany(reference.n, () => sampleBeta(14, 369, random));
    expect(ksDistanceOnGrid(draws, c?.quantiles ?? [], reference.grid)).toBeGreaterThan(
      reference.ks_critical,
    );
  });

  it('repeats exactly with a seed and stays in (0, 1)', () => {
    const first = drawMany(
      100,
      (
        (r) => () =>
          sampleBeta(1, 1_000_000, r)
      )(seededRandom(3)),
    );
    const second = drawMany(
      100,
      (
        (r) => () =>
          sampleBeta(1, 1_000_000, r)
      )(seededRandom(3)),
    );
    expect(first).toEqual(second);
    for (const x of first) expect(x > 0 && x < 1).toBe(true);
  });
});
