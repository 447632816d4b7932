import { sigmoid } from './logistic-regression.js';

/**
 * One regression tree of a boosted model as flat arrays, node 0 the root: a row goes left when
 * its input `feature[j]` is at most `threshold[j]`. A leaf has `feature` -1 and adds `value`
 * (the learning rate applied) to the log-odds. `cover` counts the training rows that reached each
 * node: TreeSHAP weighs the branches a row does not take by it.
 */
export interface BoostedTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
}

/** Gradient-boosted trees for a yes/no label: log-odds = init + each tree's leaf value. */
export interface BoostedTrees {
  init: number;
  trees: BoostedTree[];
}

export interface BoostingOptions {
  /** Boosting rounds (default 100). */
  trees?: number;
  /** Depth of each tree (default 3). */
  depth?: number;
  /** Shrinkage of each tree's values (default 0.1). */
  learningRate?: number;
  /** Fewest rows in a leaf (default 20). */
  minLeaf?: number;
  /** Bins per input (at most 256, default 256): an input with more distinct values is cut at quantiles. */
  maxBins?: number;
}

/** An input's values as bins: bin b holds values in (edges[b−1], edges[b]]; `values[b]` when exact. */
interface Binned {
  bins: Uint8Array;
  edges: Float64Array;
  /** The one value of each bin when the input has no more distinct values than bins. */
  values: Float64Array | undefined;
}

/**
 * Fits gradient-boosted regression trees to the log-loss, as scikit-learn's
 * `GradientBoostingClassifier` does: the prior's log-odds to start, then per round a tree of depth
 * `depth` fitted to the residuals y − p by least squares (Friedman's improvement, the same split
 * as the squared error's), each leaf set by one Newton step Σ(y − p) / Σ p(1 − p), shrunk by the
 * learning rate. Splits are found over binned inputs (histograms of residual sums): an input with
 * at most `maxBins` distinct values keeps each value in its own bin, so its splits and thresholds
 * (midway between the node's neighbouring values) are those of the exact search; one with more
 * is cut at quantiles of its distinct values, as histogram gradient boosting does.
 */
export function fitBoostedTrees(
  x: readonly Float64Array[],
  y: readonly (0 | 1)[],
  options: BoostingOptions = {},
): BoostedTrees {
  const rounds = options.trees ?? 100;
  const depth = options.depth ?? 3;
  const rate = options.learningRate ?? 0.1;
  const minLeaf = options.minLeaf ?? 20;
  const maxBins = Math.min(options.maxBins ?? 256, 256);
  const n = y.length;
  const width = x[0]?.length ?? 0;
  const columns: Binned[] = [];
  for (let f = 0; f < width; f++) columns.push(binColumn(x, f, maxBins));
  const eps = 1.1920928955078125e-7; // float32 epsilon, as scikit-learn clips the prior
  const prior = Math.min(Math.max(y.reduce<number>((s, v) => s + v, 0) / n, eps), 1 - eps);
  const init = Math.log(prior / (1 - prior));
  const raw = new Float64Array(n).fill(init);
  const residual = new Float64Array(n);
  const hessian = new Float64Array(n);
  const trees: BoostedTree[] = [];
  for (let t = 0; t < rounds; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(raw[i] as number);
      residual[i] = (y[i] as number) - p;
      hessian[i] = p * (1 - p);
    }
    const { tree, leafOf } = growTree(columns, residual, hessian, { depth, rate, minLeaf });
    for (let i = 0; i < n; i++)
      raw[i] = (raw[i] as number) + (tree.value[leafOf[i] as number] as number);
    trees.push(tree);
  }
  return { init, trees };
}

/** The log-odds of one row (prepared inputs). */
export function boostedLogOdds(model: BoostedTrees, row: ArrayLike<number>): number {
  let z = model.init;
  for (const tree of model.trees) z += tree.value[leafOf(tree, row)] as number;
  return z;
}

/** The leaf a row reaches. */
export function leafOf(tree: BoostedTree, row: ArrayLike<number>): number {
  let j = 0;
  for (let f = tree.feature[0] as number; f >= 0; f = tree.feature[j] as number)
    j = (
      (row[f] as number) <= (tree.threshold[j] as number) ? tree.left[j] : tree.right[j]
    ) as number;
  return j;
}

function binColumn(x: readonly Float64Array[], f: number, maxBins: number): Binned {
  const n = x.length;
  const sorted = Float64Array.from(x, (row) => row[f] as number).sort();
  const distinct: number[] = [];
  for (let i = 0; i < n; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i] as number);
  let edges: Float64Array;
  let values: Float64Array | undefined;
  if (distinct.length <= maxBins) {
    values = Float64Array.from(distinct);
    edges = new Float64Array(Math.max(distinct.length - 1, 0));
    for (let b = 0; b + 1 < distinct.length; b++)
      edges[b] = (distinct[b] as number) / 2 + (distinct[b + 1] as number) / 2;
  } else {
    // Cut points at quantiles of the distinct values, each midway between two of them.
    const cuts: number[] = [];
    for (let b = 1; b < maxBins; b++) {
      const at = Math.floor((b * distinct.length) / maxBins);
      const edge = (distinct[at - 1] as number) / 2 + (distinct[at] as number) / 2;
      if (cuts.length === 0 || edge > (cuts[cuts.length - 1] as number)) cuts.push(edge);
    }
    edges = Float64Array.from(cuts);
  }
  const bins = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i]?.[f] as number;
    let lo = 0;
    let hi = edges.length; // the first edge at or above v
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((edges[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    bins[i] = lo;
  }
  return { bins, edges, values };
}

interface Split {
  gain: number;
  feature: number;
  /** The last bin going left. */
  bin: number;
  threshold: number;
}

/**
 * Grows one tree level by level: per level one pass over the rows fills each open node's
 * histograms (residual sums and counts per input and bin), and each node takes its best split.
 * A node stays a leaf at the depth limit, with fewer than 2 × minLeaf rows, with residuals all
 * equal, or with no split leaving minLeaf rows each side.
 */
function growTree(
  columns: readonly Binned[],
  residual: Float64Array,
  hessian: Float64Array,
  options: { depth: number; rate: number; minLeaf: number },
): { tree: BoostedTree; leafOf: Int32Array } {
  const n = residual.length;
  const width = columns.length;
  const tree: BoostedTree = {
    feature: [-1],
    threshold: [0],
    left: [-1],
    right: [-1],
    value: [0],
    cover: [n],
  };
  const nodeOf = new Int32Array(n);
  let open = [0];
  for (let level = 0; level < options.depth && open.length > 0; level++) {
    // Each open node's rows, residual sum and sum of squares.
    const slot = new Int32Array(tree.feature.length).fill(-1);
    open.forEach((node, s) => (slot[node] = s));
    const count = new Float64Array(open.length);
    const sum = new Float64Array(open.length);
    const squares = new Float64Array(open.length);
    for (let i = 0; i < n; i++) {
      const s = slot[nodeOf[i] as number] as number;
      if (s < 0) continue;
      const r = residual[i] as number;
      count[s] = (count[s] as number) + 1;
      sum[s] = (sum[s] as number) + r;
      squares[s] = (squares[s] as number) + r * r;
    }
    const splittable = open.map((_, s) => {
      const c = count[s] as number;
      const mean = (sum[s] as number) / c;
      const impurity = (squares[s] as number) / c - mean * mean;
      return c >= 2 && c >= 2 * options.minLeaf && impurity > Number.EPSILON;
    });
    const splits: (Split | undefined)[] = open.map(() => undefined);
    const histSum = new Float64Array(open.length * 256);
    const histCount = new Float64Array(open.length * 256);
    for (let f = 0; f < width; f++) {
      const column = columns[f] as Binned;
      const bins = column.bins;
      histSum.fill(0);
      histCount.fill(0);
      for (let i = 0; i < n; i++) {
        const s = slot[nodeOf[i] as number] as number;
        if (s < 0) continue;
        const k = s * 256 + (bins[i] as number);
        histSum[k] = (histSum[k] as number) + (residual[i] as number);
        histCount[k] = (histCount[k] as number) + 1;
      }
      for (let s = 0; s < open.length; s++) {
        if (!splittable[s]) continue;
        const best = bestSplit(
          column,
          f,
          histSum,
          histCount,
          s * 256,
          count[s] as number,
          sum[s] as number,
          options.minLeaf,
        );
        if (best !== undefined && best.gain > (splits[s]?.gain ?? 0)) splits[s] = best;
      }
    }
    const next: number[] = [];
    const goLeft = new Int32Array(tree.feature.length).fill(-1);
    const split = new Array<Split | undefined>(tree.feature.length);
    open.forEach((node, s) => {
      const best = splits[s];
      if (best === undefined) return;
      const left = tree.feature.length;
      for (let child = 0; child < 2; child++) {
        tree.feature.push(-1);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.right.push(-1);
        tree.value.push(0);
        tree.cover.push(0);
      }
      tree.feature[node] = best.feature;
      tree.threshold[node] = best.threshold;
      tree.left[node] = left;
      tree.right[node] = left + 1;
      goLeft[node] = left;
      split[node] = best;
      next.push(left, left + 1);
    });
    for (let i = 0; i < n; i++) {
      const node = nodeOf[i] as number;
      const s = split[node];
      if (s === undefined) continue;
      const left = goLeft[node] as number;
      const child = (columns[s.feature]?.bins[i] as number) <= s.bin ? left : left + 1;
      nodeOf[i] = child;
      tree.cover[child] = (tree.cover[child] as number) + 1;
    }
    open = next;
  }
  // Each leaf: one Newton step of the log-loss over its rows, shrunk by the learning rate.
  const numerator = new Float64Array(tree.feature.length);
  const denominator = new Float64Array(tree.feature.length);
  for (let i = 0; i < n; i++) {
    const j = nodeOf[i] as number;
    numerator[j] = (numerator[j] as number) + (residual[i] as number);
    denominator[j] = (denominator[j] as number) + (hessian[i] as number);
  }
  for (let j = 0; j < tree.feature.length; j++) {
    if (tree.feature[j] !== -1) continue;
    const d = denominator[j] as number;
    tree.value[j] = Math.abs(d) < 1e-150 ? 0 : options.rate * ((numerator[j] as number) / d);
  }
  return { tree, leafOf: nodeOf };
}

/**
 * The best split of one node on one input, from its histogram: Friedman's improvement
 * n_l·n_r/n · (mean_l − mean_r)², the first largest in bin order, minLeaf rows each side.
 */
function bestSplit(
  column: Binned,
  feature: number,
  histSum: Float64Array,
  histCount: Float64Array,
  offset: number,
  total: number,
  totalSum: number,
  minLeaf: number,
): Split | undefined {
  const bins = column.edges.length + 1;
  let best: Split | undefined;
  let leftCount = 0;
  let leftSum = 0;
  let lastFilled = -1;
  for (let b = 0; b < bins - 1; b++) {
    const c = histCount[offset + b] as number;
    if (c === 0) continue;
    leftCount += c;
    leftSum += histSum[offset + b] as number;
    lastFilled = b;
    const rightCount = total - leftCount;
    if (leftCount < minLeaf) continue;
    if (rightCount < minLeaf) break;
    const diff = leftSum / leftCount - (totalSum - leftSum) / rightCount;
    const gain = ((leftCount * rightCount) / total) * diff * diff;
    if (gain > (best?.gain ?? 0)) best = { gain, feature, bin: b, threshold: 0 };
  }
  if (best === undefined || lastFilled < 0) return undefined;
  // Midway between the node's values either side (exact bins), else the bin's upper edge.
  let right = best.bin + 1;
  while (right < bins && (histCount[offset + right] as number) === 0) right++;
  best.threshold =
    column.values === undefined
      ? (column.edges[best.bin] as number)
      : (column.values[best.bin] as number) / 2 + (column.values[right] as number) / 2;
  return best;
}
