import { describe, expect, it } from 'vitest';
import { applyServingRules } from './apply-serving-rules.js';

// Items 0-5 ranked 5 4 3 2 1 0 by score; 1 and 4 are unavailable; categories a a b a - b
// (numbered a 0, b 1, none -1).
const ranked = [5, 4, 3, 2, 1, 0].map((item) => ({ item, score: item }));
const facts = {
  unavailable: Uint8Array.from([0, 1, 0, 0, 1, 0]),
  category: Int32Array.from([0, 0, 1, 0, -1, 1]),
};
const ids = (items: { item: number }[]) => items.map((r) => r.item);

describe('applyServingRules', () => {
  it('leaves out unavailable items unless told not to', () => {
    expect(ids(applyServingRules(ranked, facts, {}, 10))).toEqual([5, 3, 2, 0]);
    expect(ids(applyServingRules(ranked, facts, { availableOnly: false }, 3))).toEqual([5, 4, 3]);
  });

  it('keeps at most N per category, skipping to the next best, and never caps items with no category', () => {
    // Available in order: 5(b) 3(a) 2(b) 0(a); one per category keeps 5 and 3.
    expect(ids(applyServingRules(ranked, facts, { maxPerCategory: 1 }, 10))).toEqual([5, 3]);
    // Unavailable counted in: 5(b) 4(-) 3(a) 2(b) 1(a) 0(a): one per category keeps 5 4 3.
    const all = { availableOnly: false, maxPerCategory: 1 };
    expect(ids(applyServingRules(ranked, facts, all, 10))).toEqual([5, 4, 3]);
    expect(ids(applyServingRules(ranked, facts, { maxPerCategory: 2 }, 3))).toEqual([5, 3, 2]);
  });
});
