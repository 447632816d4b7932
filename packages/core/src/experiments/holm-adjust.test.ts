import { describe, expect, it } from 'vitest';
import { holmAdjust } from './holm-adjust.js';
import { expectClose, reference } from './statistics-reference.fixture.js';

describe('holmAdjust', () => {
  it.each(reference.holm)('$pValues', ({ pValues, adjusted }) => {
    const result = holmAdjust(pValues);
    adjusted.forEach((p, i) => {
      expectClose(result[i], p);
    });
  });

  // The worked example of the Holm–Bonferroni method on Wikipedia: four hypotheses with p-values
  // 0.01, 0.04, 0.03 and 0.005 at α = 0.05; hypotheses one and four are rejected, two and three not.
  it('rejects what the published example rejects', () => {
    const rejected = holmAdjust([0.01, 0.04, 0.03, 0.005]).map((p) => p !== null && p <= 0.05);
    expect(rejected).toEqual([true, false, false, true]);
  });

  it('handles no hypotheses', () => {
    expect(holmAdjust([])).toEqual([]);
  });
});
