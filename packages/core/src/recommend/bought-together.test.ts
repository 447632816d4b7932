import { describe, expect, it } from 'vitest';
import { buildBasketMatrix } from './build-basket-matrix.js';
import { buildInteractionMatrix } from './build-interaction-matrix.js';
import { evaluateBaskets, splitByTime } from './evaluate-recommender.js';
import type { Interaction } from './recommend.schema.js';
import { fitParameters, recommendItems, trainRecommender } from './train-recommender.js';

const DAY = 86_400_000;
// Orders: o1 tea+mug, o2 tea+mug+spoon, o3 tea+bag (ann), o4 bag alone (bob), o5 mug+spoon (cy).
// Ann bought tea and mug together, then a bag on its own a week later: item-kNN (same person)
// links mug and bag, bought-together (same order) does not.
const rows: Interaction[] = [
  { user: 'ann', item: 'tea', basket: 'o1', time: 1 * DAY },
  { user: 'ann', item: 'mug', basket: 'o1', time: 1 * DAY },
  { user: 'ann', item: 'bag', basket: 'o6', time: 8 * DAY },
  { user: 'bob', item: 'tea', basket: 'o2', time: 2 * DAY },
  { user: 'bob', item: 'mug', basket: 'o2', time: 2 * DAY },
  { user: 'bob', item: 'spoon', basket: 'o2', time: 2 * DAY },
  { user: 'bob', item: 'bag', basket: 'o4', time: 9 * DAY },
  { user: 'cy', item: 'tea', basket: 'o3', time: 3 * DAY },
  { user: 'cy', item: 'bag', basket: 'o3', time: 3 * DAY },
  { user: 'dee', item: 'mug', basket: 'o5', time: 4 * DAY },
  { user: 'dee', item: 'spoon', basket: 'o5', time: 4 * DAY },
];
const options = { shrinkage: 0, popularityHalfLifeDays: Infinity };

describe('bought together', () => {
  const matrix = buildInteractionMatrix(rows);
  const baskets = buildBasketMatrix(rows, matrix.itemIds);
  const index = (id: string) => matrix.itemIds.indexOf(id);
  const names = (ranked: { item: number; score: number }[]) =>
    ranked.map((r) => [matrix.itemIds[r.item], Number(r.score.toFixed(12))]);

  it('makes a row per order over the model items, ids in string order', () => {
    expect(matrix.itemIds).toEqual(['bag', 'mug', 'spoon', 'tea']);
    expect(baskets.userIds).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', 'o6']);
    expect(Array.from(baskets.userStart)).toEqual([0, 2, 5, 7, 8, 10, 11]);
    expect(Array.from(baskets.items)).toEqual([1, 3, 1, 2, 3, 0, 3, 0, 1, 2, 0]);
  });

  it('scores by cosine over orders: c_ij / (√(n_i n_j) + shrinkage)', () => {
    const model = trainRecommender(matrix, 'bought-together', options, { baskets });
    if (!model.ok) throw new Error(model.error);
    expect(model.value.method).toBe('bought-together');
    // A cart of a mug (in 3 orders: o1, o2, o5): tea in o1, o2 (of 3 orders) → 2/√9; spoon in
    // o2, o5 (of 2) → 2/√6; bag never with a mug → 0 (then by popularity).
    expect(names(recommendItems(matrix, model.value, -1, 3, undefined, [index('mug')]))).toEqual([
      ['spoon', Number((2 / Math.sqrt(6)).toFixed(12))],
      ['tea', Number((2 / 3).toFixed(12))],
      ['bag', 0],
    ]);
    // Item-kNN counts people: ann and bob had both a mug and a bag, so the bag comes before.
    const knn = trainRecommender(matrix, 'item-knn', options);
    if (!knn.ok) throw new Error(knn.error);
    const byPeople = recommendItems(matrix, knn.value, -1, 3, undefined, [index('mug')]);
    expect(byPeople.find((r) => r.item === index('bag'))?.score).toBeCloseTo(2 / 3, 12);
  });

  it('is refused without an order of two items', () => {
    const single = rows.map(({ user, item }, i) => ({ user, item, basket: `b${i}` }));
    const m = buildInteractionMatrix(single);
    expect(fitParameters(m, 'bought-together')).toEqual({
      ok: false,
      error: expect.stringContaining('bought-together needs orders') as string,
    });
    expect(
      fitParameters(m, 'bought-together', {}, { baskets: buildBasketMatrix(single, m.itemIds) }),
    ).toMatchObject({ ok: false });
  });

  it('is evaluated by completing the test orders, one item held out of each', () => {
    const test: Interaction[] = [
      // Order t1 (mug, spoon, tea; b = 0 holds out the first: mug); t2 (tea, unknown) has one
      // training item: not evaluated; t3 (bag, tea; b = 1 holds out tea).
      ...['mug', 'spoon', 'tea'].map((item) => ({
        user: 'eve',
        item,
        basket: 't1',
        time: 20 * DAY,
      })),
      { user: 'ann', item: 'tea', basket: 't2', time: 20 * DAY },
      { user: 'ann', item: 'kettle', basket: 't2', time: 20 * DAY },
      { user: 'bob', item: 'bag', basket: 't3', time: 21 * DAY },
      { user: 'bob', item: 'tea', basket: 't3', time: 21 * DAY },
    ];
    const split = splitByTime([...rows, ...test], 15 * DAY);
    if (!split.ok) throw new Error(split.error);
    expect(split.value.trainBaskets?.userIds).toEqual(baskets.userIds);
    expect(split.value.testBaskets?.map((b) => Array.from(b))).toEqual([
      [1, 2, 3],
      [0, 3],
    ]);
    const model = trainRecommender(split.value.train, 'bought-together', options, {
      baskets: split.value.trainBaskets,
    });
    if (!model.ok) throw new Error(model.error);
    // t1: given spoon and tea, mug scores 2/√6 + 2/3 and bag 1/3 (with tea in o3 of its 3
    // orders): a hit at rank 1. t3: given bag, tea scores 1/3, the others 0: a hit at rank 1.
    expect(evaluateBaskets(split.value, model.value, 1)).toEqual({
      baskets: 2,
      recall: 1,
      ndcg: 1,
      coverage: 2 / 4,
    });
  });
});
