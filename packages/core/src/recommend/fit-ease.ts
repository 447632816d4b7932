/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops */
import { err, ok, type Result } from '../result/result.js';
import { decayWeights, itemCounts } from './build-interaction-matrix.js';
import { invertSymmetricPositiveDefinite } from './invert-spd.js';
import type { InteractionMatrix, Recommender } from './recommend.schema.js';

/** EASE's item-item weights over its catalogue: `weights[a * size + b]` = B[a][b], B[a][a] = 0. */
export interface EaseWeights {
  /** The matrix's item index of each catalogue position, ascending. */
  catalogue: Int32Array;
  weights: Float64Array;
}

/**
 * EASE (Steck 2019), in closed form: with G = XᵀX + λI and P = G⁻¹, B = I − P·diag(1/diag(P)),
 * i.e. B[i][j] = −P[i][j] / P[j][j] off the diagonal and 0 on it. X's entries are the pairs'
 * time-decayed weights (`decayWeights`, all 1 without times). The catalogue is the `maxItems`
 * items most users had (ties to the lower index): G is dense, so memory grows as its square
 * (8 bytes × maxItems², twice) and time as its cube.
 */
export function easeWeights(
  matrix: InteractionMatrix,
  lambda: number,
  halfLifeDays: number,
  maxItems: number,
): Result<EaseWeights> {
  const catalogue = mostFrequentItems(matrix, maxItems);
  const m = catalogue.length;
  const position = new Int32Array(matrix.itemIds.length).fill(-1);
  for (let a = 0; a < m; a++) position[catalogue[a]!] = a;
  const x = decayWeights(matrix, halfLifeDays);
  const gram = new Float64Array(m * m);
  const { userStart, items } = matrix;
  for (let u = 0; u + 1 < userStart.length; u++) {
    for (let p = userStart[u]!; p < userStart[u + 1]!; p++) {
      const a = position[items[p]!]!;
      if (a < 0) continue;
      const row = a * m;
      const wa = x[p]!;
      for (let q = userStart[u]!; q < userStart[u + 1]!; q++) {
        const b = position[items[q]!]!;
        if (b >= 0) gram[row + b]! += wa * x[q]!;
      }
    }
  }
  for (let a = 0; a < m; a++) gram[a * m + a]! += lambda;
  const inverse = invertSymmetricPositiveDefinite(gram, m);
  if (!inverse.ok) return err(`EASE: ${inverse.error} (λ = ${lambda} too small?)`);
  const p = inverse.value;
  const diagonal = Float64Array.from({ length: m }, (_, j) => p[j * m + j]!);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) p[i * m + j] = i === j ? 0 : -p[i * m + j]! / diagonal[j]!;
  return ok({ catalogue, weights: p });
}

/** The (at most) `limit` items most users had, ties to the lower index, in ascending index order. */
function mostFrequentItems(matrix: InteractionMatrix, limit: number): Int32Array {
  const counts = itemCounts(matrix);
  const all = Array.from(counts.keys());
  if (all.length <= limit) return Int32Array.from(all);
  all.sort((a, b) => counts[b]! - counts[a]! || a - b);
  return Int32Array.from(all.slice(0, limit)).sort();
}

/**
 * Recommends with EASE, from the weights `easeWeights` fitted on `matrix` (here or on a worker
 * thread): a user's score for item j is Σ_i x_ui B[i][j] over the catalogue items they had, x_ui
 * their decayed weight, plus B[i][j] for each item i had since training (`recent`, weight 1: now);
 * items outside the catalogue get -Infinity (never recommended). A user it never saw, with nothing
 * recent, gets `popularity`.
 */
export function easeRecommender(
  matrix: InteractionMatrix,
  popularity: Float64Array,
  { catalogue, weights }: EaseWeights,
  halfLifeDays: number,
): Recommender {
  const m = catalogue.length;
  const position = new Int32Array(matrix.itemIds.length).fill(-1);
  for (let a = 0; a < m; a++) position[catalogue[a]!] = a;
  const x = decayWeights(matrix, halfLifeDays);
  const { userStart, items } = matrix;
  const row = new Float64Array(m);
  return {
    method: 'ease',
    popularity,
    score(user, into, recent = []) {
      if (user < 0 && recent.length === 0) {
        into.set(popularity);
        return undefined;
      }
      row.fill(0);
      const add = (item: number, w: number): void => {
        const a = position[item]!;
        if (a < 0) return;
        const from = a * m;
        for (let b = 0; b < m; b++) row[b]! += w * weights[from + b]!;
      };
      if (user >= 0)
        for (let p = userStart[user]!; p < userStart[user + 1]!; p++) add(items[p]!, x[p]!);
      for (let r = 0; r < recent.length; r++) add(recent[r]!, 1);
      into.fill(-Infinity);
      for (let b = 0; b < m; b++) into[catalogue[b]!] = row[b]!;
      return undefined;
    },
  };
}
