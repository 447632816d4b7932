import { describe, expect, it } from 'vitest';
import { betaChanceToBeat } from '../experiments/beta-posterior.js';
import { seededRandom } from './seeded-random.js';
import { thompsonSample } from './thompson-sample.js';

describe('thompsonSample', () => {
  it('serves each arm with the posterior probability that it is the best', () => {
    // P(θ_b > θ_a) under Beta(1 + x, 1 + n − x) posteriors: the experiments' closed form, itself
    // checked against SciPy quadrature (compare-rates.test.ts).
    const a = { exposures: 400, conversions: 20 };
    const b = { exposures: 300, conversions: 19 };
    const chance = betaChanceToBeat(
      { users: a.exposures, conversions: a.conversions },
      { users: b.exposures, conversions: b.conversions },
    );
    const random = seededRandom(11);
    const rounds = 20_000;
    let bWins = 0;
    for (let i = 0; i < rounds; i++) if (thompsonSample([a, b], random).best === 1) bWins++;
    expect(Math.abs(bWins / rounds - chance)).toBeLessThan(
      4 * Math.sqrt((chance * (1 - chance)) / rounds),
    );
  });

  it('concentrates on the best arm: rates of 2%, 4% and 8% over 5,000 rounds', () => {
    const rates = [0.02, 0.04, 0.08];
    const arms = rates.map(() => ({ exposures: 0, conversions: 0 }));
    const bandit = seededRandom(2026);
    const world = seededRandom(7);
    const served = [0, 0, 0];
    for (let round = 0; round < 5000; round++) {
      const { best } = thompsonSample(arms, bandit);
      const arm = arms[best]!;
      arm.exposures++;
      if (world() < rates[best]!) arm.conversions++;
      served[best]!++;
    }
    expect(served[2]! / 5000).toBeGreaterThan(0.7);
    expect(served[0]!).toBeLessThan(served[1]!);
  });

  it('returns every draw, picks the largest, and tolerates counts that do not add up', () => {
    const { best, draws } = thompsonSample(
      [
        { exposures: 10, conversions: 1 },
        { exposures: 10, conversions: 50 }, // more conversions than exposures: read as 10 of 10
        { exposures: 0, conversions: 0 },
      ],
      seededRandom(5),
    );
    expect(draws).toHaveLength(3);
    expect(draws[best]).toBe(Math.max(...draws));
    for (const d of draws) expect(d > 0 && d < 1).toBe(true);
    expect(thompsonSample([], seededRandom(5))).toEqual({ best: -1, draws: [] });
  });
});
