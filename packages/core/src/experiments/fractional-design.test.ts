import { describe, expect, it } from 'vitest';
import { assignVariant } from './assign-variant.js';
import { factorialCells, type Factor } from './factorial-cells.js';
import { factorialTerms } from './factorial-terms.js';
import { designResolution, fractionalDesign } from './fractional-design.js';

const twoLevel = (names: string): Factor[] =>
  Array.from(names, (name) => ({
    name,
    levels: [
      { id: 'off', weight: 1 },
      { id: 'on', weight: 1 },
    ],
  }));

function design(names: string, resolution: number) {
  const d = fractionalDesign(twoLevel(names), resolution);
  if (!d.ok) throw new Error(d.error);
  return d;
}

describe('fractionalDesign', () => {
  it.each([
    ['abc', 3, 3, 4],
    ['abcd', 3, 4, 8],
    ['abcd', 4, 4, 8],
    ['abcde', 3, 3, 8],
    ['abcde', 4, 5, 16],
    ['abcde', 5, 5, 16],
    ['abcdef', 3, 3, 8],
    ['abcdef', 4, 4, 16],
    ['abcdef', 5, 6, 32],
  ])('%s at resolution %i or more: resolution %i in %i runs', (names, asked, resolution, runs) => {
    const d = design(names, asked);
    expect(d.resolution).toBe(resolution);
    expect(d.runs).toBe(runs);
    expect(designResolution(d.factors)).toBe(resolution);
    expect(factorialCells(d.factors)).toHaveLength(runs);
  });

  it('refuses factors of more than two levels, and fractions that do not exist', () => {
    const three = twoLevel('abc');
    three[0] = { name: 'a', levels: [...(three[0]?.levels ?? []), { id: 'x', weight: 1 }] };
    expect(fractionalDesign(three, 3)).toEqual({
      ok: false,
      error: 'a fractional design needs factors of exactly two levels',
    });
    expect(fractionalDesign(twoLevel('abc'), 4)).toMatchObject({ ok: false });
    expect(fractionalDesign(twoLevel('ab'), 3)).toMatchObject({ ok: false });
  });

  it('2^(4-1), d = abc: the eight runs where d is on exactly when an odd number of a, b, c are', () => {
    const cells = factorialCells(design('abcd', 4).factors);
    for (const cell of cells) {
      const odd = ['a', 'b', 'c'].filter((f) => cell.levels[f] === 'on').length % 2;
      expect(cell.levels.d).toBe(odd === 1 ? 'on' : 'off');
      expect(cell.weight).toBe(1 / 8);
    }
  });

  it('assigns only the runs, each about as often, the base factors drawn independently', () => {
    const { factors } = design('abcde', 3);
    const experiment = { seed: 'frac', variants: [], factors, traffic: 1 };
    const runs = new Set(factorialCells(factors).map((c) => c.id));
    const counts = new Map<string, number>();
    for (let i = 0; i < 16_000; i++) {
      const a = assignVariant(experiment, `user-${i}`);
      expect(runs.has(a.variant ?? '')).toBe(true);
      counts.set(a.variant ?? '', (counts.get(a.variant ?? '') ?? 0) + 1);
    }
    expect(counts.size).toBe(8);
    for (const n of counts.values()) expect(Math.abs(n - 2_000)).toBeLessThan(250);
  });

  it('keeps only the main effects in the model below resolution V', () => {
    expect(factorialTerms(design('abcd', 4).factors).map((t) => t.name)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(factorialTerms(design('abcde', 5).factors)).toHaveLength(5 + 10);
  });
});
