import type { BoostedTree, BoostedTrees } from './boosted-trees.js';

/** One element of the path TreeSHAP carries: the input, the shares of rows "zero" and "one", the weight. */
interface PathStep {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

/**
 * SHAP values of one row under boosted trees (Lundberg, Erion & Lee 2018, "Consistent
 * individualized feature attribution for tree ensembles", Algorithm 2: path-dependent TreeSHAP):
 * per input its share of the log-odds, with `baseline` the expected log-odds over the training
 * rows (each tree's leaves weighed by their cover), so baseline + Σ shares = the row's log-odds.
 * Exact, in O(leaves · depth²) per tree.
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
    recurse(tree, row, shares, 0, [], 1, 1, -1);
  }
  return { baseline, shares };
}

/** The cover-weighted mean of the leaves under node `j`. */
function expectedValue(tree: BoostedTree, j: number): number {
  if (tree.feature[j] === -1) return tree.value[j] as number;
  const left = tree.left[j] as number;
  const right = tree.right[j] as number;
  const cover = tree.cover[j] as number;
  return (
    ((tree.cover[left] as number) * expectedValue(tree, left) +
      (tree.cover[right] as number) * expectedValue(tree, right)) /
    cover
  );
}

function recurse(
  tree: BoostedTree,
  row: ArrayLike<number>,
  shares: Float64Array,
  j: number,
  parent: readonly PathStep[],
  zero: number,
  one: number,
  feature: number,
): void {
  const path = extend(parent, zero, one, feature);
  const split = tree.feature[j] as number;
  if (split === -1) {
    const value = tree.value[j] as number;
    for (let i = 1; i < path.length; i++) {
      const step = path[i] as PathStep;
      const weight = unwound(path, i).reduce((s, p) => s + p.weight, 0);
      shares[step.feature] =
        (shares[step.feature] as number) + weight * (step.one - step.zero) * value;
    }
    return;
  }
  const left = tree.left[j] as number;
  const right = tree.right[j] as number;
  const [hot, cold] =
    (row[split] as number) <= (tree.threshold[j] as number) ? [left, right] : [right, left];
  let incomingZero = 1;
  let incomingOne = 1;
  let rest: readonly PathStep[] = path;
  const seen = path.findIndex((p, i) => i > 0 && p.feature === split);
  if (seen > 0) {
    incomingZero = (path[seen] as PathStep).zero;
    incomingOne = (path[seen] as PathStep).one;
    rest = unwound(path, seen);
  }
  const cover = tree.cover[j] as number;
  recurse(
    tree,
    row,
    shares,
    hot,
    rest,
    (incomingZero * (tree.cover[hot] as number)) / cover,
    incomingOne,
    split,
  );
  recurse(
    tree,
    row,
    shares,
    cold,
    rest,
    (incomingZero * (tree.cover[cold] as number)) / cover,
    0,
    split,
  );
}

/** The path with one more step (EXTEND). */
function extend(
  parent: readonly PathStep[],
  zero: number,
  one: number,
  feature: number,
): PathStep[] {
  const path = parent.map((p) => ({ ...p }));
  const l = path.length;
  path.push({ feature, zero, one, weight: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    const next = path[i + 1] as PathStep;
    const step = path[i] as PathStep;
    next.weight += (one * step.weight * (i + 1)) / (l + 1);
    step.weight = (zero * step.weight * (l - i)) / (l + 1);
  }
  return path;
}

/** The path without its step `i` (UNWIND), as a new path. */
function unwound(path: readonly PathStep[], i: number): PathStep[] {
  const out = path.map((p) => ({ ...p }));
  const l = out.length - 1;
  const { zero, one } = out[i] as PathStep;
  let n = (out[l] as PathStep).weight;
  for (let j = l - 1; j >= 0; j--) {
    const step = out[j] as PathStep;
    if (one !== 0) {
      const t = step.weight;
      step.weight = (n * (l + 1)) / ((j + 1) * one);
      n = t - (step.weight * zero * (l - j)) / (l + 1);
    } else {
      step.weight = (step.weight * (l + 1)) / (zero * (l - j));
    }
  }
  for (let j = i; j < l; j++) {
    const to = out[j] as PathStep;
    const from = out[j + 1] as PathStep;
    to.feature = from.feature;
    to.zero = from.zero;
    to.one = from.one;
  }
  out.pop();
  return out;
}
