/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops */
import { itemCounts } from './build-interaction-matrix.js';
import type { InteractionMatrix, Recommender } from './recommend.schema.js';

/** Each item's nearest neighbours (CSR): `neighbours[start[i] .. start[i + 1])`, most similar first. */
export interface ItemNeighbours {
  start: Int32Array;
  neighbours: Int32Array;
  similarities: Float64Array;
}

/**
 * Item-item cosine similarity on the binary user-item matrix with shrinkage,
 * sim(i, j) = c_ij / (√(n_i n_j) + shrinkage) (c_ij users who had both, n_i users who had i),
 * keeping for each item its `keep` most similar other items (ties to the lower index).
 * Costs Σ_u |items of u|², the co-occurrences, and one dense row of counts per item.
 */
export function itemNeighbours(
  matrix: InteractionMatrix,
  shrinkage: number,
  keep: number,
): ItemNeighbours {
  const { userStart, items } = matrix;
  const n = matrix.itemIds.length;
  const counts = itemCounts(matrix);
  const { start: itemStart, users } = usersByItem(matrix, counts);
  const cooccurrence = new Float64Array(n);
  const touched = new Int32Array(n);
  const start = new Int32Array(n + 1);
  const kept: { neighbours: number[]; similarities: number[] } = {
    neighbours: [],
    similarities: [],
  };
  for (let i = 0; i < n; i++) {
    let seen = 0;
    for (let p = itemStart[i]!; p < itemStart[i + 1]!; p++) {
      const u = users[p]!;
      for (let q = userStart[u]!; q < userStart[u + 1]!; q++) {
        const j = items[q]!;
        if (j === i) continue;
        if (cooccurrence[j] === 0) touched[seen++] = j;
        cooccurrence[j]! += 1;
      }
    }
    const candidates = Array.from(touched.subarray(0, seen), (j) => ({
      j,
      sim: cooccurrence[j]! / (Math.sqrt(counts[i]! * counts[j]!) + shrinkage),
    }));
    candidates.sort((a, b) => b.sim - a.sim || a.j - b.j);
    for (const { j, sim } of candidates.slice(0, keep)) {
      kept.neighbours.push(j);
      kept.similarities.push(sim);
    }
    for (let t = 0; t < seen; t++) cooccurrence[touched[t]!] = 0;
    start[i + 1] = kept.neighbours.length;
  }
  return {
    start,
    neighbours: Int32Array.from(kept.neighbours),
    similarities: Float64Array.from(kept.similarities),
  };
}

/** The matrix by item (CSC): the users of item i are `users[start[i] .. start[i + 1])`, ascending. */
function usersByItem(
  matrix: InteractionMatrix,
  counts: Int32Array,
): { start: Int32Array; users: Int32Array } {
  const start = new Int32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) start[i + 1] = start[i]! + counts[i]!;
  const next = start.slice(0, counts.length);
  const users = new Int32Array(matrix.items.length);
  for (let u = 0; u + 1 < matrix.userStart.length; u++)
    for (let p = matrix.userStart[u]!; p < matrix.userStart[u + 1]!; p++)
      users[next[matrix.items[p]!]!++] = u;
  return { start, users };
}

/**
 * Item-based top-N (Deshpande & Karypis): a user's score for item j is the sum of sim(i, j) over
 * the items i they had whose kept neighbours include j; 0 for an item no neighbour list reaches
 * (those come after, by popularity); the items had since training (`recent`) count as had. A
 * user it never saw, with nothing recent, gets `popularity`.
 */
export function itemKnnRecommender(
  matrix: InteractionMatrix,
  popularity: Float64Array,
  { start, neighbours, similarities }: ItemNeighbours,
): Recommender {
  const { userStart, items } = matrix;
  return {
    method: 'item-knn',
    popularity,
    score(user, into, recent = []) {
      if (user < 0 && recent.length === 0) {
        into.set(popularity);
        return undefined;
      }
      into.fill(0);
      const add = (i: number): void => {
        for (let q = start[i]!; q < start[i + 1]!; q++) into[neighbours[q]!]! += similarities[q]!;
      };
      if (user >= 0) for (let p = userStart[user]!; p < userStart[user + 1]!; p++) add(items[p]!);
      for (let r = 0; r < recent.length; r++) add(recent[r]!);
      return undefined;
    },
  };
}
