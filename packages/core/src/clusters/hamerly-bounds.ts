/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';
import type { NearestCentroids } from './kmeans-plus-plus.js';
import { squaredTo } from './squared-to.js';

/**
 * Lloyd's assignment step with Hamerly's bounds (Hamerly 2010, "Making k-means even faster"):
 * per row an upper bound on the distance to its centroid and a lower bound on the distance to
 * any other, per centroid half the distance to its nearest other centroid. A row whose upper
 * bound is below both is not looked at; after the first iterations most rows are not. The tests
 * are strict, so a row at equal distance from two centroids is measured and goes to the lower
 * index: the labels are those of a full pass. Distances are Euclidean here.
 *
 * When the centroids move, Hamerly adds each row's centroid's move to its upper bound and takes
 * the largest move of the others from its lower bound. Here the moves are summed per cluster
 * instead, and a row's bounds are kept relative to those sums when they were measured, so a row
 * that is not looked at costs a few reads and no writes. A row that is looked at is compared
 * only with the centroids that could be nearer than its own (Elkan's test on the centroids'
 * distances to each other).
 *
 * The step also keeps each cluster's sum of rows and count up to date as rows change cluster,
 * so the means cost k × columns per iteration rather than a pass over the table.
 */
export class HamerlyBounds {
  /** Per row, its upper bound minus the moves of its centroid summed when it was measured. */
  private readonly upper: Float64Array;
  /** Per row, its lower bound plus its cluster's `drops` summed when it was measured. */
  private readonly lower: Float64Array;
  /** Per cluster, the sum of its centroid's moves. */
  private readonly moves: Float64Array;
  /** Per cluster, the sum of the largest move of the other centroids. */
  private readonly drops: Float64Array;
  private readonly half: Float64Array;
  /** The distances between centroids, k × k. */
  private readonly gaps: Float64Array;

  constructor(
    private readonly matrix: FeatureMatrix,
    private readonly k: number,
    /** Per cluster, the sum of its rows (k × columns) and how many there are. */
    readonly sums: Float64Array = new Float64Array(k * matrix.columns),
    readonly counts: Float64Array = new Float64Array(k),
  ) {
    this.upper = new Float64Array(matrix.rows);
    this.lower = new Float64Array(matrix.rows);
    this.moves = new Float64Array(k);
    this.drops = new Float64Array(k);
    this.half = new Float64Array(k);
    this.gaps = new Float64Array(k * k);
  }

  /**
   * Starts from rows already assigned (k-means++'s nearest centroids, squared distances): the
   * bounds are then exact, and the sums and counts are those of the labels.
   */
  start(nearest: NearestCentroids): void {
    const { upper, lower, sums, counts } = this;
    const { values, rows, columns } = this.matrix;
    const { labels, first, second } = nearest;
    sums.fill(0);
    counts.fill(0);
    this.moves.fill(0);
    this.drops.fill(0);
    for (let i = 0; i < rows; i++) {
      upper[i] = Math.sqrt(first[i]!);
      lower[i] = Math.sqrt(second[i]!);
      const c = labels[i]!;
      counts[c]!++;
      const x = i * columns;
      const y = c * columns;
      for (let f = 0; f < columns; f++) sums[y + f]! += values[x + f]!;
    }
  }

  /**
   * Assigns the rows to the nearest of `centroids`, writing `labels` and moving the changed rows'
   * sums and counts; returns how many changed.
   */
  assign(centroids: Float64Array, labels: Int32Array): number {
    const { k, upper, lower, moves, drops, half, gaps, sums, counts } = this;
    const { values, rows, columns } = this.matrix;
    measureGaps(centroids, k, columns, gaps, half);
    let changed = 0;
    for (let i = 0; i < rows; i++) {
      const label = labels[i]!;
      let u = upper[i]! + moves[label]!;
      if (u < half[label]!) continue;
      const l = lower[i]! - drops[label]!;
      if (u < l) continue;
      const x = i * columns;
      const own = squaredTo(values, x, centroids, label * columns, columns);
      u = Math.sqrt(own);
      if (u < half[label]! || u < l) {
        upper[i] = u - moves[label]!;
        continue;
      }
      // The other centroids, squared distances, the root taken only of the two nearest. A
      // centroid more than 2u from the row's own is farther than it (triangle inequality) and is
      // not measured: its distance is at least its gap minus u, which serves as a lower bound.
      let first = own;
      let second = Infinity;
      let nearest = label;
      let unmeasured = Infinity;
      const row = label * k;
      for (let c = 0; c < k; c++) {
        if (c === label) continue;
        const gap = gaps[row + c]!;
        if (gap > 2 * u) {
          if (gap - u < unmeasured) unmeasured = gap - u;
          continue;
        }
        const d = squaredTo(values, x, centroids, c * columns, columns);
        if (d < first || (d === first && c < nearest)) {
          second = first;
          first = d;
          nearest = c;
        } else if (d < second) second = d;
      }
      const measured = Math.sqrt(second);
      upper[i] = Math.sqrt(first) - moves[nearest]!;
      lower[i] = (measured < unmeasured ? measured : unmeasured) + drops[nearest]!;
      if (nearest !== label) {
        labels[i] = nearest;
        changed++;
        counts[label]!--;
        counts[nearest]!++;
        const from = label * columns;
        const to = nearest * columns;
        for (let f = 0; f < columns; f++) {
          sums[from + f]! -= values[x + f]!;
          sums[to + f]! += values[x + f]!;
        }
      }
    }
    return changed;
  }

  /**
   * The centroids moved from `before` to `after` (between two assignments): the bounds loosen by
   * the moves. Returns the sum of the squared moves.
   */
  moved(before: Float64Array, after: Float64Array): number {
    const { k, moves, drops } = this;
    const columns = this.matrix.columns;
    let largest = 0;
    let largestAt = -1;
    let secondLargest = 0;
    let squared = 0;
    for (let c = 0; c < k; c++) {
      const d2 = squaredTo(before, c * columns, after, c * columns, columns);
      const d = Math.sqrt(d2);
      moves[c]! += d;
      squared += d2;
      if (d > largest) {
        secondLargest = largest;
        largest = d;
        largestAt = c;
      } else if (d > secondLargest) secondLargest = d;
    }
    for (let c = 0; c < k; c++) drops[c]! += c === largestAt ? secondLargest : largest;
    return squared;
  }

  /** Row i's bounds are unknown (it was moved to an empty cluster): look at it next time. */
  forget(i: number): void {
    this.upper[i] = Infinity;
    this.lower[i] = -Infinity;
  }
}

/**
 * The distances between the centroids into `gaps` (k × k), and half the distance from each to its
 * nearest other into `half`.
 */
function measureGaps(
  centroids: Float64Array,
  k: number,
  columns: number,
  gaps: Float64Array,
  half: Float64Array,
): void {
  half.fill(Infinity);
  for (let c = 0; c < k; c++)
    for (let o = c + 1; o < k; o++) {
      const d = Math.sqrt(squaredTo(centroids, c * columns, centroids, o * columns, columns));
      gaps[c * k + o] = gaps[o * k + c] = d;
      if (d < half[c]!) half[c] = d;
      if (d < half[o]!) half[o] = d;
    }
  for (let c = 0; c < k; c++) half[c]! /= 2;
}
