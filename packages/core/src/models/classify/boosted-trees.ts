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
  const space = workspace(n, width);
  for (let t = 0; t < rounds; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(raw[i] as number);
      residual[i] = (y[i] as number) - p;
      hessian[i] = p * (1 - p);
    }
    const { tree, leafOf } = growTree(columns, residual, hessian, { depth, rate, minLeaf }, space);
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
 * Histograms of one node: per input and bin, the residual sum at `2 × (input × 256 + bin)` and
 * the row count next to it (together, so one update touches one cache line).
 */
type Histograms = Float64Array;

/** A node open for splitting: its rows are `rows[start, end)`, in ascending order. */
interface OpenNode {
  node: number;
  start: number;
  end: number;
  /** Built for the nodes of the levels that split (from its rows, or its parent's minus its sibling's). */
  histograms: Histograms | undefined;
}

/** Histogram buffers reused across nodes and trees (each is inputs × 256 doubles, twice). */
class HistogramPool {
  private readonly free: Histograms[] = [];
  constructor(private readonly size: number) {}
  take(): Histograms {
    const h = this.free.pop();
    if (h !== undefined) return h;
    return new Float64Array(2 * this.size);
  }
  give(h: Histograms | undefined): void {
    if (h !== undefined) this.free.push(h);
  }
}

/** What growing trees reuses from one tree to the next: the row order, scratch and buffers. */
interface Workspace {
  rows: Int32Array;
  scratch: Int32Array;
  gradient: Float64Array;
  pool: HistogramPool;
  /** The root's histograms with counts only (every tree's root holds every row): made once. */
  rootCounts: Float64Array | undefined;
}

function workspace(n: number, width: number): Workspace {
  return {
    rows: new Int32Array(n),
    scratch: new Int32Array(n),
    gradient: new Float64Array(n),
    pool: new HistogramPool(width * 256),
    rootCounts: undefined,
  };
}

/**
 * Grows one tree level by level. Each node's rows are kept together (`rows`, partitioned in
 * place at each split, ascending within a node), so a node's histograms (residual sums and counts
 * per input and bin) are built from its own rows only; and of two siblings only the smaller one's
 * are built, the larger one's being its parent's minus them (histogram subtraction, as
 * histogram gradient boosting does). Each node takes its best split. A node stays a leaf at the
 * depth limit, with fewer than 2 × minLeaf rows, with residuals all equal, or with no split
 * leaving minLeaf rows each side.
 */
function growTree(
  columns: readonly Binned[],
  residual: Float64Array,
  hessian: Float64Array,
  options: { depth: number; rate: number; minLeaf: number },
  space: Workspace,
): { tree: BoostedTree; leafOf: Int32Array } {
  const n = residual.length;
  const tree: BoostedTree = {
    feature: [-1],
    threshold: [0],
    left: [-1],
    right: [-1],
    value: [0],
    cover: [n],
  };
  const { rows, pool } = space;
  for (let i = 0; i < n; i++) rows[i] = i;
  let open: OpenNode[] = [{ node: 0, start: 0, end: n, histograms: undefined }];
  const leaves: OpenNode[] = [];
  for (let level = 0; level < options.depth && open.length > 0; level++) {
    const next: OpenNode[] = [];
    for (const o of open) {
      const split = splittable(o, residual, rows, options.minLeaf)
        ? nodeSplit(columns, residual, o, options.minLeaf, space)
        : undefined;
      if (split === undefined) {
        pool.give(o.histograms);
        leaves.push(o);
        continue;
      }
      const children = splitNode(tree, o, split, columns, space);
      // The next level's histograms, when it splits: the smaller child's from its rows, the
      // larger's as the parent's minus those.
      const [a, b] = children;
      const more = 2 * options.minLeaf;
      if (level + 1 < options.depth && Math.max(a.end - a.start, b.end - b.start) >= more)
        subtractHistograms(children, o, columns, residual, space);
      else pool.give(o.histograms);
      next.push(...children);
    }
    open = next;
  }
  for (const o of open) pool.give(o.histograms);
  leaves.push(...open);
  // Each leaf: one Newton step of the log-loss over its rows, shrunk by the learning rate.
  const nodeOf = new Int32Array(n);
  for (const leaf of leaves) {
    let numerator = 0;
    let denominator = 0;
    for (let k = leaf.start; k < leaf.end; k++) {
      const i = rows[k] as number;
      nodeOf[i] = leaf.node;
      numerator += residual[i] as number;
      denominator += hessian[i] as number;
    }
    tree.value[leaf.node] =
      Math.abs(denominator) < 1e-150 ? 0 : options.rate * (numerator / denominator);
  }
  return { tree, leafOf: nodeOf };
}

/** Whether a node may split: enough rows, and residuals not all equal. */
function splittable(
  o: OpenNode,
  residual: Float64Array,
  rows: Int32Array,
  minLeaf: number,
): boolean {
  const c = o.end - o.start;
  if (c < 2 || c < 2 * minLeaf) return false;
  let sum = 0;
  let squares = 0;
  for (let k = o.start; k < o.end; k++) {
    const r = residual[rows[k] as number] as number;
    sum += r;
    squares += r * r;
  }
  const mean = sum / c;
  return squares / c - mean * mean > Number.EPSILON;
}

/** A node's best split over every input, its histograms built first when it has none. */
function nodeSplit(
  columns: readonly Binned[],
  residual: Float64Array,
  o: OpenNode,
  minLeaf: number,
  space: Workspace,
): Split | undefined {
  o.histograms ??= buildHistograms(columns, residual, o, space);
  const histograms = o.histograms;
  const c = o.end - o.start;
  let total = 0;
  for (let k = o.start; k < o.end; k++) total += residual[space.rows[k] as number] as number;
  let best: Split | undefined;
  for (let f = 0; f < columns.length; f++) {
    const found = bestSplit(columns[f] as Binned, f, histograms, f * 256, c, total, minLeaf);
    if (found !== undefined && found.gain > (best?.gain ?? 0)) best = found;
  }
  return best;
}

/** A node's histograms from its own rows: its residuals gathered once, then one pass per input. */
function buildHistograms(
  columns: readonly Binned[],
  residual: Float64Array,
  o: OpenNode,
  space: Workspace,
): Histograms {
  const h = space.pool.take();
  const { rows, gradient } = space;
  const m = o.end - o.start;
  if (m === residual.length) {
    // The root: every row, in order; its counts are every tree's, so they are counted once.
    space.rootCounts ??= rootCounts(columns, m, h.length);
    h.set(space.rootCounts);
    for (let f = 0; f < columns.length; f++) {
      const bins = (columns[f] as Binned).bins;
      const base = f * 512;
      for (let i = 0; i < m; i++) {
        const b = base + 2 * (bins[i] as number);
        h[b] = (h[b] as number) + (residual[i] as number);
      }
    }
    return h;
  }
  h.fill(0);
  for (let k = 0; k < m; k++) gradient[k] = residual[rows[o.start + k] as number] as number;
  for (let f = 0; f < columns.length; f++) {
    const bins = (columns[f] as Binned).bins;
    const base = f * 512;
    for (let k = 0; k < m; k++) {
      const b = base + 2 * (bins[rows[o.start + k] as number] as number);
      h[b] = (h[b] as number) + (gradient[k] as number);
      h[b + 1] = (h[b + 1] as number) + 1;
    }
  }
  return h;
}

/** Histograms of every row with the counts only (sums 0). */
function rootCounts(columns: readonly Binned[], n: number, size: number): Float64Array {
  const h = new Float64Array(size);
  for (let f = 0; f < columns.length; f++) {
    const bins = (columns[f] as Binned).bins;
    for (let i = 0; i < n; i++) {
      const b = f * 512 + 2 * (bins[i] as number) + 1;
      h[b] = (h[b] as number) + 1;
    }
  }
  return h;
}

/**
 * Splits a node: two children added to the tree, and its rows partitioned in place (stably, so
 * each child's stay ascending), left those whose bin of the split's input is at most its bin.
 */
function splitNode(
  tree: BoostedTree,
  o: OpenNode,
  split: Split,
  columns: readonly Binned[],
  space: Workspace,
): [OpenNode, OpenNode] {
  const left = tree.feature.length;
  for (let child = 0; child < 2; child++) {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    tree.cover.push(0);
  }
  tree.feature[o.node] = split.feature;
  tree.threshold[o.node] = split.threshold;
  tree.left[o.node] = left;
  tree.right[o.node] = left + 1;
  const { rows, scratch } = space;
  const bins = (columns[split.feature] as Binned).bins;
  let l = o.start;
  let r = 0;
  for (let k = o.start; k < o.end; k++) {
    const i = rows[k] as number;
    if ((bins[i] as number) <= split.bin) rows[l++] = i;
    else scratch[r++] = i;
  }
  rows.set(scratch.subarray(0, r), l);
  tree.cover[left] = l - o.start;
  tree.cover[left + 1] = r;
  return [
    { node: left, start: o.start, end: l, histograms: undefined },
    { node: left + 1, start: l, end: o.end, histograms: undefined },
  ];
}

/** Gives the smaller child histograms from its rows and the larger its parent's minus them. */
function subtractHistograms(
  children: [OpenNode, OpenNode],
  parent: OpenNode,
  columns: readonly Binned[],
  residual: Float64Array,
  space: Workspace,
): void {
  const h = parent.histograms;
  if (h === undefined) return;
  const [a, b] = children;
  const [small, large] = a.end - a.start <= b.end - b.start ? [a, b] : [b, a];
  const built = buildHistograms(columns, residual, small, space);
  small.histograms = built;
  for (let k = 0; k < h.length; k++) h[k] = (h[k] as number) - (built[k] as number);
  large.histograms = h;
  parent.histograms = undefined;
}

/**
 * The best split of one node on one input, from its histogram: Friedman's improvement
 * n_l·n_r/n · (mean_l − mean_r)², the first largest in bin order, minLeaf rows each side.
 */
function bestSplit(
  column: Binned,
  feature: number,
  histograms: Float64Array,
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
    const c = histograms[2 * (offset + b) + 1] as number;
    if (c === 0) continue;
    leftCount += c;
    leftSum += histograms[2 * (offset + b)] as number;
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
  while (right < bins && (histograms[2 * (offset + right) + 1] as number) === 0) right++;
  best.threshold =
    column.values === undefined
      ? (column.edges[best.bin] as number)
      : (column.values[best.bin] as number) / 2 + (column.values[right] as number) / 2;
  return best;
}
