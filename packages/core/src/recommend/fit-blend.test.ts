import { describe, expect, it } from 'vitest';
import { buildInteractionMatrix } from './build-interaction-matrix.js';
import { RRF_K, blendRecommender } from './fit-blend.js';
import type { ItemContent } from './item-text.js';
import type { Interaction, Recommender } from './recommend.schema.js';
import { fitParameters, recommendItems, recommenderFrom } from './train-recommender.js';

// Items a b c d e; one user who had `a`.
const matrix = buildInteractionMatrix([{ user: 'u', item: 'a' }], ['b', 'c', 'd', 'e']);
const popularity = Float64Array.from([5, 4, 3, 2, 1]);
/** A part that scores the items as given (a fixed opinion, to check the arithmetic). */
const fixed = (scores: number[]): Recommender => ({
  method: 'item-knn',
  popularity,
  score(_user, into) {
    into.set(scores);
    return undefined;
  },
});

describe('mixed lists (weighted reciprocal rank fusion)', () => {
  it('adds weight / (60 + rank) over the parts that rank an item above 0, the had left out', () => {
    // Part 1 ranks (a had) c, b, d (e at 0: no opinion); part 2 ranks e, b (c, d at 0).
    const blend = blendRecommender(matrix, popularity, [
      { recommender: fixed([9, 2, 3, 1, 0]), weight: 1 },
      { recommender: fixed([9, 1, 0, 0, 5]), weight: 2 },
    ]);
    const ranked = recommendItems(matrix, blend, 0, 5).map((r) => [
      matrix.itemIds[r.item],
      Number(r.score.toFixed(12)),
    ]);
    const rrf = (...terms: [number, number][]) =>
      Number(terms.reduce((s, [w, rank]) => s + w / (RRF_K + rank), 0).toFixed(12));
    expect(ranked).toEqual([
      ['b', rrf([1, 2], [2, 2])],
      ['e', rrf([2, 1])],
      ['c', rrf([1, 1])],
      ['d', rrf([1, 3])],
    ]);
    // A stranger with nothing had: the popular items.
    expect(recommendItems(matrix, blend, -1, 2).map((r) => matrix.itemIds[r.item])).toEqual([
      'a',
      'b',
    ]);
  });

  it('slots the new items content finds into a collaborative list', () => {
    const catalogue = new Map<string, ItemContent>([
      ['lantern', { name: 'White metal lantern', category: 'Lighting' }],
      ['tlight', { name: 'White hanging heart t-light holder', category: 'Lighting' }],
      ['mug', { name: 'Red retrospot mug', category: 'Kitchen' }],
      ['teapot', { name: 'Red retrospot teapot', category: 'Kitchen' }],
      ['new-lantern', { name: 'Silver metal lantern', category: 'Lighting' }],
    ]);
    const rows: Interaction[] = [
      { user: 'ann', item: 'lantern' },
      { user: 'bob', item: 'lantern' },
      { user: 'bob', item: 'mug' },
      { user: 'cy', item: 'mug' },
      { user: 'cy', item: 'teapot' },
    ];
    const m = buildInteractionMatrix(rows, catalogue.keys());
    const names = (method: 'item-knn' | 'blend') => {
      const parameters = fitParameters(
        m,
        method,
        { shrinkage: 0 },
        {
          contentOf: catalogue,
          blend: [
            { method: 'item-knn', weight: 1 },
            { method: 'content', weight: 1 },
          ],
        },
      );
      if (!parameters.ok) throw new Error(parameters.error);
      const recommender = recommenderFrom(m, parameters.value, { shrinkage: 0 });
      return recommendItems(m, recommender, m.userIds.indexOf('ann'), 2).map(
        (r) => m.itemIds[r.item],
      );
    };
    // Item-kNN: Bob's mug, then (no opinion) the most popular, the teapot; never the new lantern.
    expect(names('item-knn')).toEqual(['mug', 'teapot']);
    // The blend: the mug (first of item-kNN) and the new lantern (first of content) tie at
    // 1/61; the mug wins by popularity.
    expect(names('blend')).toEqual(['mug', 'new-lantern']);
  });
});
