import { describe, expect, it } from 'vitest';
import { minimizeNelderMead } from './minimize-nelder-mead.js';

describe('minimizeNelderMead', () => {
  it.each<[string, (v: readonly number[]) => number, number[], number[]]>([
    ['a quadratic bowl', (v) => (v[0]! - 3) ** 2 + 10 * (v[1]! + 1) ** 2, [0, 0], [3, -1]],
    [
      'Rosenbrock from (−1.2, 1)',
      (v) => 100 * (v[1]! - v[0]! ** 2) ** 2 + (1 - v[0]!) ** 2,
      [-1.2, 1],
      [1, 1],
    ],
    [
      'a 4-dimensional bowl with unequal scales',
      (v) => v.reduce((s, c, i) => s + 10 ** i * (c - i) ** 2, 0),
      [5, 5, 5, 5],
      [0, 1, 2, 3],
    ],
    [
      'a function undefined left of 0 (NaN counts as +∞)',
      (v) => v[0]! - Math.log(v[0]!) + (v[1]! - 2) ** 2,
      [3, 0],
      [1, 2],
    ],
  ])('finds the minimum of %s', (_, f, start, expected) => {
    const minimum = minimizeNelderMead(f, start);
    expect(minimum.converged).toBe(true);
    minimum.x.forEach((c, i) => {
      expect(c).toBeCloseTo(expected[i]!, 6);
    });
  });

  it('stops at maxIterations and says it did not converge', () => {
    const minimum = minimizeNelderMead((v) => (v[0]! - 100) ** 2, [0], { maxIterations: 3 });
    expect(minimum.converged).toBe(false);
    expect(minimum.iterations).toBe(3);
  });
});
