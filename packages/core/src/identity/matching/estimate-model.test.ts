import { describe, expect, it } from 'vitest';
import {
  estimateModel,
  estimateU,
  matchWeight,
  posterior,
  type Pattern,
} from './estimate-model.js';

/** Comparison patterns drawn from a two-class model with known m, u and match share (seeded). */
function synthesize(
  m: number[][],
  u: number[][],
  prior: number,
  pairs: number,
  missing = 0,
): Pattern[] {
  let seed = 5;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const draw = (probs: number[]) => {
    let r = rand();
    for (let l = 0; l < probs.length; l++) if ((r -= probs[l] ?? 0) < 0) return l;
    return probs.length - 1;
  };
  const counts = new Map<string, Pattern>();
  for (let n = 0; n < pairs; n++) {
    const table = rand() < prior ? m : u;
    const levels = table.map((probs) => (rand() < missing ? -1 : draw(probs)));
    const key = levels.join();
    const p = counts.get(key) ?? { levels, count: 0 };
    p.count++;
    counts.set(key, p);
  }
  return [...counts.values()];
}

const M = [
  [0.05, 0.15, 0.8],
  [0.1, 0.9],
  [0.02, 0.08, 0.2, 0.7],
];
const U = [
  [0.85, 0.1, 0.05],
  [0.7, 0.3],
  [0.9, 0.06, 0.03, 0.01],
];

describe('EM without labels', () => {
  it.each([
    ['the true u', U, 0],
    ['uniform levels', U.map((row) => row.map(() => 1 / row.length)), 0],
    ['uniform levels, 20 % of values missing', U.map((row) => row.map(() => 1 / row.length)), 0.2],
  ])('recovers known m, u and match share starting from %s', (_, seedU, missing) => {
    const prior = 0.15;
    const model = estimateModel(synthesize(M, U, prior, 100_000, missing), seedU, {
      iterations: 1000,
    });
    expect(model.converged).toBe(true);
    expect(Math.abs(model.prior - prior)).toBeLessThan(0.01);
    M.forEach((row, f) => {
      row.forEach((value, l) => {
        expect(Math.abs((model.m[f]?.[l] ?? 0) - value)).toBeLessThan(0.02);
        expect(Math.abs((model.u[f]?.[l] ?? 0) - (U[f]?.[l] ?? 0))).toBeLessThan(0.01);
      });
    });
  });

  it('stops at the iteration limit and says it did not converge', () => {
    const model = estimateModel(synthesize(M, U, 0.15, 10_000), U, { iterations: 2 });
    expect(model).toMatchObject({ iterations: 2, converged: false });
  });

  it('estimates u from random pairs with smoothing, ignoring missing values', () => {
    const u = estimateU(
      [
        { levels: [0, 1], count: 8 },
        { levels: [1, -1], count: 2 },
      ],
      [2, 2],
    );
    expect(u[0]).toEqual([9 / 12, 3 / 12]);
    expect(u[1]).toEqual([1 / 10, 9 / 10]);
  });

  it('weighs a pattern by log2(m/u) per observed field; missing fields weigh nothing', () => {
    expect(matchWeight([2, 1, -1], M, U)).toBeCloseTo(
      Math.log2(0.8 / 0.05) + Math.log2(0.9 / 0.3),
      12,
    );
    expect(matchWeight([-1, -1, -1], M, U)).toBe(0);
    // Posterior odds = prior odds x 2^weight.
    const p = posterior([2, 1, 3], M, U, 0.01);
    expect(p / (1 - p)).toBeCloseTo((0.01 / 0.99) * 2 ** matchWeight([2, 1, 3], M, U), 9);
  });
});
