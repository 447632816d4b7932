import { describe, expect, it } from 'vitest';
import {
  formatChance,
  formatDifference,
  formatEstimate,
  formatInterval,
  formatPValue,
  formatUplift,
} from './format-result.js';

describe('formatting results', () => {
  it('writes rates as percentages and means as numbers', () => {
    expect(formatEstimate(0.2, 'conversion')).toBe('20.0 %');
    expect(formatEstimate(35, 'mean')).toBe('35');
    expect(formatEstimate(1234.567, 'mean')).toBe('1,234.6');
    expect(formatEstimate(0.123456, 'mean')).toBe('0.1235');
    expect(formatEstimate(null, 'mean')).toBe('—');
    expect(formatInterval([0.095, 0.373], 'conversion')).toBe('9.5 % to 37.3 %');
    expect(formatInterval(null, 'conversion')).toBe('—');
  });

  it('signs uplifts and bounds p-values and chances', () => {
    expect(formatUplift(0.6667)).toBe('+66.7 %');
    expect(formatUplift(-0.125)).toBe('−12.5 %');
    expect(formatUplift(0)).toBe('0.0 %');
    expect(formatPValue(0.24290826)).toBe('0.243');
    expect(formatPValue(0.00001)).toBe('< 0.001');
    expect(formatPValue(null)).toBe('—');
    expect(formatChance(0.8727)).toBe('87.3 %');
    expect(formatChance(0.99995)).toBe('> 99.9 %');
    expect(formatChance(0.00001)).toBe('< 0.1 %');
    expect(formatChance(1)).toBe('100.0 %');
    expect(formatDifference(0.0351, 'conversion')).toBe('+3.5 pp');
    expect(formatDifference(-2.5, 'mean')).toBe('−2.5');
  });
});
