import { describe, expect, it } from 'vitest';
import { PatternTable } from './pattern-table.js';

describe('PatternTable', () => {
  it.each([
    ['small-number keys', [2, 4, 3]],
    ['text keys when the levels do not fit a safe integer', Array.from({ length: 30 }, () => 5)],
  ])('counts each distinct level vector once (%s)', (_, levelCounts) => {
    const table = new PatternTable(levelCounts);
    const a = Int8Array.from(levelCounts, (_, f) => (f % 2 === 0 ? 1 : -1));
    const b = Int8Array.from(levelCounts, (_, f) => (f === 0 ? 0 : -1));
    expect(table.add(a)).toBe(0);
    expect(table.add(b)).toBe(1);
    expect(table.add(a, 3)).toBe(0);
    expect(table.patterns).toEqual([
      { levels: Array.from(a), count: 4 },
      { levels: Array.from(b), count: 1 },
    ]);
  });
});
