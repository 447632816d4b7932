import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markovRemoval } from './markov.js';

interface Case {
  name: string;
  order: number;
  converting: string[][];
  nonConverting: string[][];
  conversionProbability: number;
  removalEffects: Record<string, number>;
  shares: Record<string, number>;
}
const reference = JSON.parse(
  readFileSync(new URL('markov.reference.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

describe('markov removal effects against NumPy (make-markov-reference.py)', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const fit = markovRemoval(c.converting, c.nonConverting, c.order);
    expect(fit.conversionProbability).toBeCloseTo(c.conversionProbability, 9);
    expect([...fit.removalEffects.keys()].sort()).toEqual(Object.keys(c.removalEffects).sort());
    for (const [key, effect] of Object.entries(c.removalEffects)) {
      expect(fit.removalEffects.get(key)).toBeCloseTo(effect, 9);
      expect(fit.shares.get(key)).toBeCloseTo(c.shares[key] as number, 9);
    }
  });

  it('is the same on every run and sums to 1', () => {
    const c = reference.cases[2] as Case;
    const a = markovRemoval(c.converting, c.nonConverting);
    const b = markovRemoval(c.converting, c.nonConverting);
    expect([...a.shares]).toEqual([...b.shares]);
    expect([...a.shares.values()].reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
  });

  it('refuses a higher order with more states than it solves exactly', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const paths = keys.flatMap((a) => keys.map((b) => [a, b]));
    expect(() => markovRemoval(paths, [], 2)).toThrow(/1641 states, more than 1500/);
  });

  it('gives nothing when nothing converts', () => {
    const fit = markovRemoval([], [['a', 'b']]);
    expect(fit.conversionProbability).toBe(0);
    expect(fit.shares.get('a')).toBe(0);
  });
});
