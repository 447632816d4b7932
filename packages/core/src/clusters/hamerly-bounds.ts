/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';

/**
 * Lloyd's assignment step with Hamerly's bounds (Hamerly 2010, "Making k-means even faster"):
 * per row an upper bound on the distance to its centroid and a lower bound on the distance to
 * any other, per centroid half the distance to its nearest other centroid. A row whose upper
 * bound is below both is not looked at; after the first iterations most rows are not, and the
 * labels are the same as a full pass gives (up to exact ties). Distances are Euclidean here.
 */
export class HamerlyBounds {
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly half: Float64Array;
  private readonly moves: Float64Array;
  private fresh = true;

  constructor(
    private readonly matrix: FeatureMatrix,
    private readonly k: number,
  ) {
    this.upper = new Float64Array(matrix.rows);
    this.lower = new Float64Array(matrix.rows);
    this.half = new Float64Array(k);
    this.moves = new Float64Array(k);
  }

  /** Assigns the rows to the nearest of `centroids`, writing `labels`; returns how many changed. */
  assign(centroids: Float64Array, labels: Int32Array): number {
    const { matrix, k, upper, lower, half } = this;
    const { values, rows, columns } = matrix;
    for (let c = 0; c < k; c++) {
      let nearest = Infinity;
      for (let o = 0; o < k; o++)
        if (o !== c) nearest = Math.min(nearest, distance(centroids, c, centroids, o, columns));
      half[c] = nearest / 2;
    }
    let changed = 0;
    for (let i = 0; i < rows; i++) {
      let label = labels[i]!;
      if (!this.fresh) {
        const bound = Math.max(half[label]!, lower[i]!);
        if (upper[i]! <= bound) continue;
        upper[i] = distance(values, i, centroids, label, columns);
        if (upper[i]! <= bound) continue;
      }
      // Squared distances, the root taken only of the two nearest.
      let first = Infinity;
      let second = Infinity;
      label = 0;
      const x = i * columns;
      for (let c = 0; c < k; c++) {
        const y = c * columns;
        let d = 0;
        for (let f = 0; f < columns; f++) {
          const e = values[x + f]! - centroids[y + f]!;
          d += e * e;
        }
        if (d < first) {
          second = first;
          first = d;
          label = c;
        } else if (d < second) second = d;
      }
      upper[i] = Math.sqrt(first);
      lower[i] = Math.sqrt(second);
      if (labels[i] !== label) {
        labels[i] = label;
        changed++;
      }
    }
    this.fresh = false;
    return changed;
  }

  /** The centroids moved from `before` to `after`: loosens the bounds; returns Σ squared moves. */
  moved(before: Float64Array, after: Float64Array, labels: Int32Array): number {
    const { k, upper, lower, moves } = this;
    const columns = this.matrix.columns;
    let largest = 0;
    let largestAt = -1;
    let secondLargest = 0;
    let squared = 0;
    for (let c = 0; c < k; c++) {
      const d = distance(before, c, after, c, columns);
      moves[c] = d;
      squared += d * d;
      if (d > largest) {
        secondLargest = largest;
        largest = d;
        largestAt = c;
      } else if (d > secondLargest) secondLargest = d;
    }
    for (let i = 0; i < upper.length; i++) {
      const label = labels[i]!;
      upper[i]! += moves[label]!;
      lower[i]! -= label === largestAt ? secondLargest : largest;
    }
    return squared;
  }

  /** Row i's bounds are unknown (it was moved to an empty cluster): look at it next time. */
  forget(i: number): void {
    this.upper[i] = Infinity;
    this.lower[i] = 0;
  }
}

function distance(a: Float64Array, i: number, b: Float64Array, j: number, columns: number): number {
  let sum = 0;
  const x = i * columns;
  const y = j * columns;
  for (let f = 0; f < columns; f++) {
    const d = a[x + f]! - b[y + f]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}
