import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildInteractionMatrix } from './build-interaction-matrix.js';
import { easeWeights } from './fit-ease.js';
import { itemNeighbours } from './fit-item-knn.js';
import { itemPopularity } from './fit-popularity.js';
import type { Interaction } from './recommend.schema.js';
import { trainRecommender } from './train-recommender.js';

interface Reference {
  options: { shrinkage: number; neighbours: number; lambda: number; easeHalfLifeDays: number };
  interactions: Interaction[];
  users: string[];
  items: string[];
  knn_similarities: number[][];
  knn_scores: number[][];
  ease_weights: number[][];
  ease_scores: number[][];
}

const reference = JSON.parse(
  readFileSync(new URL('./recommend.reference.json', import.meta.url), 'utf8'),
) as Reference;
const matrix = buildInteractionMatrix(reference.interactions);
const options = { ...reference.options, maxItems: 1000 };

function expectRowsClose(actual: (i: number) => ArrayLike<number>, expected: number[][]): void {
  for (const [i, row] of expected.entries()) {
    const mine = Array.from(actual(i));
    expect(mine).toHaveLength(row.length);
    for (const [j, value] of row.entries()) expect(mine[j]).toBeCloseTo(value, 10);
  }
}

describe('recommenders against numpy (make-recommend-reference.py)', () => {
  it('numbers users and items in id order', () => {
    expect(matrix.userIds).toEqual(reference.users);
    expect(matrix.itemIds).toEqual(reference.items);
  });

  it('item-kNN: cosine with shrinkage, pruned to the top neighbours, and the users’ scores', () => {
    const { start, neighbours, similarities } = itemNeighbours(
      matrix,
      options.shrinkage,
      options.neighbours,
    );
    const n = matrix.itemIds.length;
    expectRowsClose((i) => {
      const row = new Float64Array(n);
      for (let q = start[i]!; q < start[i + 1]!; q++) row[neighbours[q]!] = similarities[q]!;
      return row;
    }, reference.knn_similarities);
    const knn = trainRecommender(matrix, 'item-knn', options);
    if (!knn.ok) throw new Error(knn.error);
    expectRowsClose((u) => {
      const scores = new Float64Array(n);
      knn.value.score(u, scores);
      return scores;
    }, reference.knn_scores);
  });

  it('EASE on time-decayed interactions: the weights B and the users’ scores', () => {
    const fitted = easeWeights(matrix, options.lambda, options.easeHalfLifeDays, 1000);
    if (!fitted.ok) throw new Error(fitted.error);
    const m = fitted.value.catalogue.length;
    expect(m).toBe(reference.items.length);
    expectRowsClose(
      (i) => fitted.value.weights.subarray(i * m, (i + 1) * m),
      reference.ease_weights,
    );
    const ease = trainRecommender(matrix, 'ease', options);
    if (!ease.ok) throw new Error(ease.error);
    expectRowsClose((u) => {
      const scores = new Float64Array(m);
      ease.value.score(u, scores);
      return scores;
    }, reference.ease_scores);
  });

  it('EASE on a smaller catalogue keeps the most frequent items and never ranks the others', () => {
    const fitted = easeWeights(matrix, options.lambda, options.easeHalfLifeDays, 5);
    if (!fitted.ok) throw new Error(fitted.error);
    const counts = reference.items.map(
      (_, i) => reference.knn_scores.filter((_row, u) => hasItem(u, i)).length,
    );
    const chosen = Array.from(fitted.value.catalogue);
    const threshold = Math.min(...chosen.map((i) => counts[i]!));
    expect(chosen).toHaveLength(5);
    expect(counts.filter((c, i) => c > threshold && !chosen.includes(i))).toEqual([]);
    const ease = trainRecommender(matrix, 'ease', { ...options, maxItems: 5 });
    if (!ease.ok) throw new Error(ease.error);
    const scores = new Float64Array(matrix.itemIds.length);
    ease.value.score(0, scores);
    for (let i = 0; i < scores.length; i++)
      expect(Number.isFinite(scores[i]!)).toBe(chosen.includes(i));
  });

  it('popularity without decay counts the users who had each item', () => {
    const popularity = itemPopularity(matrix, Infinity);
    for (let i = 0; i < matrix.itemIds.length; i++)
      expect(popularity[i]).toBe(reference.users.filter((_, u) => hasItem(u, i)).length);
  });
});

function hasItem(user: number, item: number): boolean {
  return matrix.items.subarray(matrix.userStart[user], matrix.userStart[user + 1]).includes(item);
}
