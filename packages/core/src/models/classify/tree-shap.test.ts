import { describe, expect, it } from 'vitest';
import { boostedLogOdds, fitBoostedTrees, type BoostedTree } from './boosted-trees.js';
import { treeShap } from './tree-shap.js';

/** A made-up table: 6 inputs (two of them small integers, one binary), a label from three of them. */
function table(n: number): { x: Float64Array[]; y: (0 | 1)[] } {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const x: Float64Array[] = [];
  const y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) {
    const row = Float64Array.from([
      Math.floor(random() * 10),
      random() * 4 - 2,
      random() < 0.3 ? 1 : 0,
      Math.floor(random() * 3),
      random(),
      random() * 100,
    ]);
    const z = 0.4 * (row[0] as number) - 2 + 1.5 * (row[2] as number) + (row[1] as number) ** 2 - 1;
    x.push(row);
    y.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { x, y };
}

/** E[tree(x) | x_S] as TreeSHAP defines it: inputs outside S follow both branches by cover. */
function conditional(tree: BoostedTree, row: Float64Array, known: Set<number>, j = 0): number {
  const f = tree.feature[j] as number;
  if (f === -1) return tree.value[j] as number;
  const left = tree.left[j] as number;
  const right = tree.right[j] as number;
  if (known.has(f))
    return conditional(
      tree,
      row,
      known,
      (row[f] as number) <= (tree.threshold[j] as number) ? left : right,
    );
  return (
    ((tree.cover[left] as number) * conditional(tree, row, known, left) +
      (tree.cover[right] as number) * conditional(tree, row, known, right)) /
    (tree.cover[j] as number)
  );
}

/** Shapley values by enumerating every coalition of the inputs (2^M of them). */
function bruteForce(trees: BoostedTree[], row: Float64Array, m: number): number[] {
  const value = (known: Set<number>) => trees.reduce((s, t) => s + conditional(t, row, known), 0);
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++)
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      const known = new Set<number>();
      for (let k = 0; k < m; k++) if (mask & (1 << k)) known.add(k);
      const weight = (factorial(known.size) * factorial(m - known.size - 1)) / factorial(m);
      const without = value(known);
      known.add(i);
      phi[i] = (phi[i] as number) + weight * (value(known) - without);
    }
  return phi;
}

describe('TreeSHAP', () => {
  it('equals the Shapley values found by enumerating every coalition, and adds up to the log-odds', () => {
    const { x, y } = table(600);
    const model = fitBoostedTrees(x, y, { trees: 12, depth: 4, minLeaf: 5 });
    // Trees that split on the same input twice on one path are the hard case of the algorithm.
    expect(
      model.trees.some(
        (t) =>
          new Set(t.feature.filter((f) => f >= 0)).size < t.feature.filter((f) => f >= 0).length,
      ),
    ).toBe(true);
    for (const row of x.slice(0, 25)) {
      const { baseline, shares } = treeShap(model, row, 6);
      const expected = bruteForce(model.trees, row, 6);
      for (let f = 0; f < 6; f++) expect(shares[f]).toBeCloseTo(expected[f] as number, 12);
      const total = shares.reduce((s, v) => s + v, baseline);
      expect(total).toBeCloseTo(boostedLogOdds(model, row), 12);
    }
  });

  it('gives nothing to an input no tree reads', () => {
    const { x, y } = table(300);
    const model = fitBoostedTrees(x, y, { trees: 5, depth: 2 });
    const used = new Set(model.trees.flatMap((t) => t.feature.filter((f) => f >= 0)));
    const { shares } = treeShap(model, x[0] as Float64Array, 6);
    for (let f = 0; f < 6; f++) if (!used.has(f)) expect(shares[f]).toBe(0);
  });
});
