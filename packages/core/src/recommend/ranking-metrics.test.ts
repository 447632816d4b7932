import { describe, expect, it } from 'vitest';
import { ndcgAtK, recallAtK } from './ranking-metrics.js';

describe('Recall@K and NDCG@K (computed by hand)', () => {
  const relevant = new Set([2, 7, 9]);
  const cases: [string, number[], number, number, number, number][] = [
    // name, ranked, relevantCount, k, recall, ndcg
    [
      'hits at ranks 1 and 3 of 3 relevant',
      [2, 5, 9, 1],
      3,
      4,
      2 / 3,
      (1 + 1 / 2) / (1 + 1 / Math.log2(3) + 1 / 2),
    ],
    [
      'K shorter than the relevant set: over min(K, relevant)',
      [7, 4],
      3,
      2,
      1 / 2,
      1 / (1 + 1 / Math.log2(3)),
    ],
    ['a relevant item beyond K does not count', [1, 4, 2], 3, 2, 0, 0],
    ['relevant items unknown at training lower the score', [2, 7], 5, 2, 1, 1],
    [
      'relevant items unknown at training, K larger',
      [2, 7, 9, 3],
      5,
      4,
      3 / 4,
      (1 + 1 / Math.log2(3) + 1 / 2) / (1 + 1 / Math.log2(3) + 1 / 2 + 1 / Math.log2(5)),
    ],
    ['nothing relevant', [1, 2], 0, 2, 0, 0],
    ['a shorter list than K', [9], 3, 5, 1 / 3, 1 / (1 + 1 / Math.log2(3) + 1 / 2)],
  ];
  it.each(cases)('%s', (_name, ranked, count, k, recall, ndcg) => {
    expect(recallAtK(ranked, relevant, count, k)).toBeCloseTo(recall, 12);
    expect(ndcgAtK(ranked, relevant, count, k)).toBeCloseTo(ndcg, 12);
  });
});
