import { describe, expect, it } from 'vitest';
import { checkSampleRatio } from './check-sample-ratio.js';
import { expectClose, reference } from './statistics-reference.fixture.js';

describe('checkSampleRatio against scipy.stats.chisquare', () => {
  it.each(reference.srm)(
    '$counts for weights $weights',
    ({ counts, weights, chiSquare, pValue }) => {
      const result = checkSampleRatio(counts, weights);
      expectClose(result.chiSquare, chiSquare);
      expectClose(result.pValue, pValue);
      expect(result.ok).toBe(pValue >= 0.001);
    },
  );

  it('flags units assigned to a variant weighted 0', () => {
    expect(checkSampleRatio([100, 3], [1, 0])).toEqual({ chiSquare: null, pValue: 0, ok: false });
    expect(checkSampleRatio([100, 0, 98], [1, 0, 1]).ok).toBe(true);
  });

  it('has nothing to test without units or with one variant', () => {
    expect(checkSampleRatio([0, 0], [1, 1])).toEqual({ chiSquare: null, pValue: null, ok: true });
    expect(checkSampleRatio([500], [1])).toEqual({ chiSquare: null, pValue: null, ok: true });
  });
});
