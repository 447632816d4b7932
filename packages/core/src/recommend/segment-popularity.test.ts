import { describe, expect, it } from 'vitest';
import { buildInteractionMatrix } from './build-interaction-matrix.js';
import { scoreBySegments, segmentPopularity } from './segment-popularity.js';
import { recommendItems, trainRecommender } from './train-recommender.js';

const DAY = 86_400_000;
const matrix = buildInteractionMatrix([
  { user: 'a', item: 'toy', time: 10 * DAY },
  { user: 'a', item: 'game', time: 10 * DAY },
  { user: 'b', item: 'toy', time: 0 },
  { user: 'c', item: 'wine', time: 10 * DAY },
  { user: 'd', item: 'wine', time: 10 * DAY },
  { user: 'd', item: 'cheese', time: 10 * DAY },
  { user: 'e', item: 'cheese', time: 10 * DAY },
]);
const segments: Record<string, string[]> = {
  a: ['parents'],
  b: ['parents'],
  c: ['adults'],
  d: ['adults', 'parents'],
};
const segmentsOf = (row: number) => segments[matrix.userIds[row] ?? ''];
const id = (i: number) => matrix.itemIds[i];

describe('popularity per segment', () => {
  it("sums each member's decayed weights, best first", () => {
    const popular = segmentPopularity(matrix, segmentsOf, 10, 500, 1);
    const parents = popular.get('parents');
    // toy: a (weight 1) + b (10 days before the latest: 0.5); game, wine and cheese: 1 each (a and d).
    expect(Array.from(parents?.items ?? [], id)).toEqual(['toy', 'cheese', 'game', 'wine']);
    expect(Array.from(parents?.scores ?? [])).toEqual([1.5, 1, 1, 1]);
    expect(Array.from(popular.get('adults')?.items ?? [], id)).toEqual(['wine', 'cheese']);
    expect(Array.from(popular.get('adults')?.scores ?? [])).toEqual([2, 1]);
    expect(segmentPopularity(matrix, segmentsOf, 10, 1, 1).get('parents')?.items).toHaveLength(1);
    // Too few members: parents has 3, adults 2.
    expect([...segmentPopularity(matrix, segmentsOf, 10, 500, 3).keys()]).toEqual(['parents']);
    expect(segmentPopularity(matrix, segmentsOf, 10).size).toBe(0);
  });

  it("gives a new person their segments' popular items, else the overall ones", () => {
    const popular = segmentPopularity(matrix, segmentsOf, 10, 500, 1);
    const model = trainRecommender(matrix, 'ease', { lambda: 1 });
    if (!model.ok) throw new Error(model.error);
    const list = (of: string[]) =>
      recommendItems(matrix, model.value, -1, 5, undefined, [], {
        coldUser: (into) => scoreBySegments(popular, of, into),
      }).map((r) => id(r.item));
    expect(list(['adults'])).toEqual(['wine', 'cheese', 'toy', 'game']);
    // Both segments add up: wine 3, cheese 2, toy 1.5, game 1.
    expect(list(['adults', 'parents'])).toEqual(['wine', 'cheese', 'toy', 'game']);
    expect(list(['parents']).slice(0, 1)).toEqual(['toy']);
    const overall = recommendItems(matrix, model.value, -1, 5).map((r) => id(r.item));
    expect(list(['nobody-had-anything'])).toEqual(overall);
    expect(list([])).toEqual(overall);
  });
});
