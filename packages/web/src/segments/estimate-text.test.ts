import { describe, expect, it } from 'vitest';
import { estimateText, percentText, type SegmentEstimate } from './estimate-text.js';

const base: SegmentEstimate = {
  definition: 'true',
  estimate: 12,
  share: 0.04,
  interval: { low: 12, high: 12, level: 0.95 },
  sampled: 300,
  matched: 12,
  total: 300,
  exact: true,
  timedOut: false,
};

describe('estimateText', () => {
  it('counts exactly when every profile was evaluated', () => {
    expect(estimateText(base)).toEqual({
      headline: '12 people (4.0 % of 300)',
      detail: 'Every profile counted.',
    });
    expect(estimateText({ ...base, estimate: 1, share: 1 / 300 }).headline).toBe(
      '1 person (0.33 % of 300)',
    );
  });

  it('says about, the interval and the sample otherwise', () => {
    const sampled = {
      ...base,
      estimate: 1234,
      share: 0.041,
      interval: { low: 980, high: 1520, level: 0.95 },
      sampled: 1000,
      total: 30_100,
      exact: false,
    };
    expect(estimateText(sampled)).toEqual({
      headline: 'about 1,234 people (4.1 % of 30,100)',
      detail: 'Between 980 and 1,520 (95 %), from a random sample of 1,000 of 30,100 profiles.',
    });
    expect(estimateText({ ...sampled, sampled: 400, timedOut: true }).detail).toContain(
      'the time allowed ran out',
    );
  });

  it.each([
    [0, '0 %'],
    [1, '100 %'],
    [0.5, '50 %'],
    [0.123, '12 %'],
    [0.0123, '1.2 %'],
    [0.000123, '0.012 %'],
  ])('writes a share of %d as %s', (share, text) => {
    expect(percentText(share)).toBe(text);
  });
});
