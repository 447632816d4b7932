import { describe, expect, it } from 'vitest';
import { fitLabel, labelAxisWidth } from './axis-labels.js';

describe('category axis labels', () => {
  it('sizes the axis for the longest label, within bounds', () => {
    expect(labelAxisWidth(['control', 'one-page'])).toBe(12 + 7 * 8);
    expect(labelAxisWidth(['a'])).toBe(48);
    expect(labelAxisWidth(['x'.repeat(100)])).toBe(180);
    expect(labelAxisWidth([])).toBe(48);
  });

  it('shortens what does not fit', () => {
    expect(fitLabel('one-page', 68)).toBe('one-page');
    expect(fitLabel('headline=a|image=x|cta=buy', 180)).toBe('headline=a|image=x|cta=…');
    expect(fitLabel('headline=a|image=x|cta=buy', 180)).toHaveLength(24);
  });
});
