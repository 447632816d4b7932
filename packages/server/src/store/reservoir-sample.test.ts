import { describe, expect, it } from 'vitest';
import { ReservoirSample } from './reservoir-sample.js';

describe('ReservoirSample', () => {
  it('keeps everything when there is less than its size, and counts what it passed', () => {
    const sample = new ReservoirSample<number>(10);
    for (let i = 0; i < 4; i++) sample.add(i);
    const { values, total } = sample.result();
    expect(total).toBe(4);
    expect([...values].sort()).toEqual([0, 1, 2, 3]);
  });

  it('gives every value the same chance: a chi-square test of 20,000 draws of 3 of 10', () => {
    // A seeded generator (mulberry32), so the test is the same on every run.
    let seed = 12345;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const counts = new Array<number>(10).fill(0);
    const draws = 20_000;
    for (let d = 0; d < draws; d++) {
      const sample = new ReservoirSample<number>(3, random);
      for (let i = 0; i < 10; i++) sample.add(i);
      for (const v of sample.result().values) counts[v] = (counts[v] ?? 0) + 1;
    }
    const expected = (draws * 3) / 10;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: the 99.9th percentile is 27.88 (scipy.stats.chi2.ppf(0.999, 9)).
    expect(chi2).toBeLessThan(27.88);
  });
});
