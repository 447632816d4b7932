import { describe, expect, it } from 'vitest';
import { buildInteractionMatrix, decayWeights } from './build-interaction-matrix.js';
import { evaluateRecommender, splitByTime } from './evaluate-recommender.js';
import { invertSymmetricPositiveDefinite } from './invert-spd.js';
import { rankItems } from './rank-items.js';
import type { Interaction } from './recommend.schema.js';
import { recommendItems, trainRecommender } from './train-recommender.js';

const DAY = 86_400_000;
const at = (day: number) => Date.UTC(2024, 0, 1) + day * DAY;
const rows: Interaction[] = [
  { user: 'b', item: 'y', time: at(1) },
  { user: 'a', item: 'x', time: at(0) },
  { user: 'a', item: 'y', time: at(2) },
  { user: 'a', item: 'x', time: at(5) },
  { user: 'c', item: 'z', time: at(10) },
  { user: 'c', item: 'y', time: at(3) },
];

describe('the interaction matrix', () => {
  it('keeps distinct pairs with their latest time, ids in string order, whatever the row order', () => {
    const matrix = buildInteractionMatrix(rows);
    expect(matrix.userIds).toEqual(['a', 'b', 'c']);
    expect(matrix.itemIds).toEqual(['x', 'y', 'z']);
    expect(Array.from(matrix.userStart)).toEqual([0, 2, 3, 5]);
    expect(Array.from(matrix.items)).toEqual([0, 1, 1, 1, 2]);
    expect(Array.from(matrix.lastTime)).toEqual([at(5), at(2), at(1), at(3), at(10)]);
    expect(matrix.now).toBe(at(10));
    expect(buildInteractionMatrix([...rows].reverse())).toEqual(matrix);
  });

  it('decays weights by half each half-life back from the latest time; all 1 without times', () => {
    const matrix = buildInteractionMatrix(rows);
    const weights = Array.from(decayWeights(matrix, 5));
    expect(weights.map((w) => Number(w.toFixed(12)))).toEqual(
      [0.5, 2 ** -1.6, 2 ** -1.8, 2 ** -1.4, 1].map((w) => Number(w.toFixed(12))),
    );
    const untimed = buildInteractionMatrix(rows.map(({ user, item }) => ({ user, item })));
    expect(Number.isNaN(untimed.now)).toBe(true);
    expect(Array.from(decayWeights(untimed, 5))).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('ranking', () => {
  it('orders by score, then popularity, then index, leaving out excluded and -Infinity items', () => {
    const scores = Float64Array.from([1, 3, 3, 3, -Infinity, 0.5, 2]);
    const popularity = Float64Array.from([0, 1, 5, 1, 9, 0, 0]);
    expect(rankItems(scores, popularity, [6], 10).map((r) => r.item)).toEqual([2, 1, 3, 0, 5]);
    expect(rankItems(scores, popularity, [2], 3)).toEqual([
      { item: 1, score: 3 },
      { item: 3, score: 3 },
      { item: 6, score: 2 },
    ]);
    // Only the candidates given, when a method scored only some (content's nearest).
    expect(rankItems(scores, popularity, [6], 10, Int32Array.from([5, 0, 6, 4]))).toEqual([
      { item: 0, score: 1 },
      { item: 5, score: 0.5 },
    ]);
  });

  it('recommends only items a user did not have; an unknown user gets popular items', () => {
    const matrix = buildInteractionMatrix(rows);
    for (const method of ['popularity', 'item-knn', 'ease'] as const) {
      const model = trainRecommender(matrix, method, { popularityHalfLifeDays: Infinity });
      if (!model.ok) throw new Error(model.error);
      const forA = recommendItems(matrix, model.value, 0, 5).map((r) => matrix.itemIds[r.item]);
      expect(forA, method).toEqual(['z']);
      // y was had by three users, x and z by one each: z, x by index.
      const unknown = recommendItems(matrix, model.value, -1, 2).map((r) => matrix.itemIds[r.item]);
      expect(unknown, method).toEqual(['y', 'x']);
    }
  });
});

describe('the time split and its evaluation', () => {
  const log: Interaction[] = [
    // Before day 10: u1 x y; u2 x z; u3 y. After: u1 y (had) z (new); u2 w (unknown item);
    // u3 nothing; u4 (unknown user) x.
    { user: 'u1', item: 'x', time: at(1) },
    { user: 'u1', item: 'y', time: at(2) },
    { user: 'u2', item: 'x', time: at(3) },
    { user: 'u2', item: 'z', time: at(4) },
    { user: 'u3', item: 'y', time: at(5) },
    { user: 'u1', item: 'y', time: at(11) },
    { user: 'u1', item: 'z', time: at(12) },
    { user: 'u2', item: 'w', time: at(10) },
    { user: 'u4', item: 'x', time: at(13) },
  ];

  it('evaluates the users in both periods with an item new to them', () => {
    const split = splitByTime(log, at(10));
    if (!split.ok) throw new Error(split.error);
    const { train, heldOut, testInteractions } = split.value;
    expect(train.itemIds).toEqual(['x', 'y', 'z']);
    expect(testInteractions).toBe(4);
    expect(heldOut.map((h) => [train.userIds[h.user], [...h.relevant], h.relevantCount])).toEqual([
      ['u1', [2], 1],
      ['u2', [], 1],
    ]);
  });

  it('scores recall, NDCG, coverage and popularity bias over those users', () => {
    const split = splitByTime(log, at(10));
    if (!split.ok) throw new Error(split.error);
    const model = trainRecommender(split.value.train, 'popularity', {
      popularityHalfLifeDays: Infinity,
    });
    if (!model.ok) throw new Error(model.error);
    // Popularity x 2, y 2, z 1. u1 (had x, y) gets [z]: a hit. u2 (had x, z) gets [y]: w is unknown.
    const evaluation = evaluateRecommender(split.value, model.value, 1);
    expect(evaluation).toEqual({
      users: 2,
      recall: 0.5,
      ndcg: 0.5,
      coverage: 2 / 3,
      popularityBias: (1 / 3 + 2 / 3) / 2,
    });
  });

  it('refuses interactions without a time, or a split with an empty side', () => {
    expect(splitByTime([{ user: 'a', item: 'x' }], at(0))).toMatchObject({ ok: false });
    expect(splitByTime(log, at(0))).toEqual({
      ok: false,
      error: 'no interaction before the split',
    });
    expect(splitByTime(log, at(20))).toEqual({
      ok: false,
      error: 'no interaction at or after the split',
    });
  });
});

describe('the symmetric positive definite inverse', () => {
  it('inverts a 3×3 matrix (inverse by hand) and refuses one that is not positive definite', () => {
    // [[4, 2, 0], [2, 3, 1], [0, 1, 2]]: determinant 4·5 − 2·4 = 12, inverse = adjugate / 12.
    const inverse = invertSymmetricPositiveDefinite(
      Float64Array.from([4, 2, 0, 2, 3, 1, 0, 1, 2]),
      3,
    );
    if (!inverse.ok) throw new Error(inverse.error);
    const expected = [5, -4, 2, -4, 8, -4, 2, -4, 8].map((v) => v / 12);
    Array.from(inverse.value).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 14);
    });
    expect(invertSymmetricPositiveDefinite(Float64Array.from([1, 2, 2, 1]), 2)).toMatchObject({
      ok: false,
    });
  });

  it('gives A·A⁻¹ = I for random matrices of every size around its groups of four rows', () => {
    let seed = 5;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5;
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 37, 64]) {
      // A = BᵀB + I/2: symmetric positive definite, not diagonal-dominant.
      const b = Array.from({ length: n * n }, random);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = i === j ? 0.5 : 0;
          for (let k = 0; k < n; k++) s += b[k * n + i]! * b[k * n + j]!;
          a[i * n + j] = s;
        }
      const inverse = invertSymmetricPositiveDefinite(a.slice(), n);
      if (!inverse.ok) throw new Error(inverse.error);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k]! * inverse.value[k * n + j]!;
          expect(Math.abs(s - (i === j ? 1 : 0)), `n ${n}, (${i}, ${j})`).toBeLessThan(1e-9);
        }
    }
    // A pivot failing in a later group of rows is found there.
    const identity = (n: number) =>
      Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    const notDefinite = identity(10);
    notDefinite[9 * 10 + 9] = -1;
    expect(invertSymmetricPositiveDefinite(notDefinite, 10)).toEqual({
      ok: false,
      error: 'not positive definite (pivot 9: -1)',
    });
  });
});

describe('items had since training (recent)', () => {
  // Without times every weight is 1, as a recent item's is: a stranger who just had `p` is scored
  // exactly as `solo`, who had `p` alone in training.
  const shop: Interaction[] = [
    ...['u1', 'u2', 'u3'].flatMap((user) => [
      { user, item: 'p' },
      { user, item: 'q' },
    ]),
    { user: 'u3', item: 'r' },
    ...['u4', 'u5', 'u6', 'u7'].map((user) => ({ user, item: 's' })),
    { user: 'u4', item: 'r' },
    { user: 'solo', item: 'p' },
  ];
  const matrix = buildInteractionMatrix(shop);
  const index = (item: string) => matrix.itemIds.indexOf(item);
  const solo = matrix.userIds.indexOf('solo');
  const names = (ranked: { item: number }[]) => ranked.map((r) => matrix.itemIds[r.item]);

  it.each(['item-knn', 'ease'] as const)(
    '%s: a stranger who just had an item gets what its trained owner gets',
    (method) => {
      const model = trainRecommender(matrix, method, { lambda: 1 });
      if (!model.ok) throw new Error(model.error);
      const trained = recommendItems(matrix, model.value, solo, 10);
      expect(names(trained)[0]).toBe('q');
      const scratch = new Float64Array(matrix.itemIds.length);
      expect(recommendItems(matrix, model.value, -1, 10, scratch, [index('p')])).toEqual(trained);
      // What solo had since is never recommended, and counts: s's neighbour r scores higher.
      const since = recommendItems(matrix, model.value, solo, 10, scratch, [
        index('s'),
        index('p'),
      ]);
      expect(names(since)).not.toContain('s');
      expect(names(since)).not.toContain('p');
      const scoreOfR = (ranked: { item: number; score: number }[]) =>
        ranked.find((r) => r.item === index('r'))?.score ?? Number.NaN;
      expect(scoreOfR(since)).toBeGreaterThan(scoreOfR(trained));
    },
  );

  it('popularity leaves recent items out and ignores them otherwise', () => {
    const model = trainRecommender(matrix, 'popularity');
    if (!model.ok) throw new Error(model.error);
    expect(names(recommendItems(matrix, model.value, -1, 10, undefined, [index('s')]))).toEqual(
      names(recommendItems(matrix, model.value, -1, 10)).filter((item) => item !== 's'),
    );
  });
});
