import type { BoostedTree, BoostedTrees } from './boosted-trees.js';

/** Deepest tree explained (boosted trees are far shallower); the path buffers are sized for it. */
const MAX_DEPTH = 62;
const SLOTS = ((MAX_DEPTH + 3) * (MAX_DEPTH + 4)) / 2;

/**
 * The paths TreeSHAP carries down a tree, one segment per level of the recursion (each level
 * copies its parent's path after it), as parallel typed arrays: the input, the share of rows
 * "zero" and "one", and the weight. Shared by every call (JavaScript runs one at a time).
 */
const path = {
  feature: new Int32Array(SLOTS),
  zero: new Float64Array(SLOTS),
  one: new Float64Array(SLOTS),
  weight: new Float64Array(SLOTS),
};

/**
 * SHAP values of one row under boosted trees (Lundberg, Erion & Lee 2018, "Consistent
 * individualized feature attribution for tree ensembles", Algorithm 2: path-dependent TreeSHAP,
 * as the authors' C++ implementation lays its paths out): per input its share of the log-odds,
 * with `baseline` the expected log-odds over the training rows (each tree's leaves weighed by
 * their cover), so baseline + Σ shares = the row's log-odds. Exact, in O(leaves · depth²) a tree.
 */
export function treeShap(
  model: BoostedTrees,
  row: ArrayLike<number>,
  inputs: number,
): { baseline: number; shares: Float64Array } {
  const shares = new Float64Array(inputs);
  let baseline = model.init;
  for (const tree of model.trees) {
    baseline += expectedValue(tree, 0);
    recurse(tree, row, shares, 0, 0, 0, 1, 1, -1);
  }
  return { baseline, shares };
}

/** The cover-weighted mean of the leaves under node `j`. */
function expectedValue(tree: BoostedTree, j: number): number {
  if (tree.feature[j] === -1) return tree.value[j] as number;
  const left = tree.left[j] as number;
  const right = tree.right[j] as number;
  return (
    ((tree.cover[left] as number) * expectedValue(tree, left) +
      (tree.cover[right] as number) * expectedValue(tree, right)) /
    (tree.cover[j] as number)
  );
}

/**
 * Node `j` at path depth `depth`, the parent's path at `parent`: this level's path is the
 * parent's copied after it and extended by the split that led here.
 */
function recurse(
  tree: BoostedTree,
  row: ArrayLike<number>,
  shares: Float64Array,
  j: number,
  parent: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  if (depth > MAX_DEPTH) throw new Error(`TreeSHAP explains trees up to depth ${MAX_DEPTH}`);
  // This level's path follows the parent's, which it copies before extending it.
  const own = parent + depth + 1;
  copyPath(parent, own, depth + 1);
  extend(own, depth, zero, one, feature);
  const split = tree.feature[j] as number;
  if (split === -1) {
    const value = tree.value[j] as number;
    for (let i = 1; i <= depth; i++) {
      const weight = unwoundSum(own, depth, i);
      const f = path.feature[own + i] as number;
      shares[f] =
        (shares[f] as number) +
        weight * ((path.one[own + i] as number) - (path.zero[own + i] as number)) * value;
    }
    return;
  }
  const left = tree.left[j] as number;
  const right = tree.right[j] as number;
  const goesLeft = (row[split] as number) <= (tree.threshold[j] as number);
  const hot = goesLeft ? left : right;
  const cold = goesLeft ? right : left;
  let incomingZero = 1;
  let incomingOne = 1;
  let d = depth;
  let k = 0;
  while (k <= d && path.feature[own + k] !== split) k++;
  if (k <= d) {
    incomingZero = path.zero[own + k] as number;
    incomingOne = path.one[own + k] as number;
    unwind(own, d, k);
    d -= 1;
  }
  const cover = tree.cover[j] as number;
  const hotZero = ((tree.cover[hot] as number) / cover) * incomingZero;
  const coldZero = ((tree.cover[cold] as number) / cover) * incomingZero;
  recurse(tree, row, shares, hot, own, d + 1, hotZero, incomingOne, split);
  recurse(tree, row, shares, cold, own, d + 1, coldZero, 0, split);
}

/** Copies `count` path elements from `from` to `to`. */
function copyPath(from: number, to: number, count: number): void {
  path.feature.copyWithin(to, from, from + count);
  path.zero.copyWithin(to, from, from + count);
  path.one.copyWithin(to, from, from + count);
  path.weight.copyWithin(to, from, from + count);
}

/** EXTEND: the path at `p` (depth elements) gains element `depth`. */
function extend(p: number, depth: number, zero: number, one: number, feature: number): void {
  path.feature[p + depth] = feature;
  path.zero[p + depth] = zero;
  path.one[p + depth] = one;
  path.weight[p + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    path.weight[p + i + 1] =
      (path.weight[p + i + 1] as number) +
      (one * (path.weight[p + i] as number) * (i + 1)) / (depth + 1);
    path.weight[p + i] = (zero * (path.weight[p + i] as number) * (depth - i)) / (depth + 1);
  }
}

/** UNWIND: the path at `p` (depth + 1 elements) loses element `k`. */
function unwind(p: number, depth: number, k: number): void {
  const one = path.one[p + k] as number;
  const zero = path.zero[p + k] as number;
  let next = path.weight[p + depth] as number;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const t = path.weight[p + i] as number;
      path.weight[p + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = t - ((path.weight[p + i] as number) * zero * (depth - i)) / (depth + 1);
    } else {
      path.weight[p + i] = ((path.weight[p + i] as number) * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = k; i < depth; i++) {
    path.feature[p + i] = path.feature[p + i + 1] as number;
    path.zero[p + i] = path.zero[p + i + 1] as number;
    path.one[p + i] = path.one[p + i + 1] as number;
  }
}

/** The total weight of the path at `p` (depth + 1 elements) were element `k` unwound. */
function unwoundSum(p: number, depth: number, k: number): number {
  const one = path.one[p + k] as number;
  const zero = path.zero[p + k] as number;
  let next = path.weight[p + depth] as number;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const t = (next * (depth + 1)) / ((i + 1) * one);
      total += t;
      next = (path.weight[p + i] as number) - (t * zero * (depth - i)) / (depth + 1);
    } else {
      total += (path.weight[p + i] as number) / ((zero * (depth - i)) / (depth + 1));
    }
  }
  return total;
}
