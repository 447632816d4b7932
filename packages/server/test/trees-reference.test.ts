import { readFileSync } from 'node:fs';
import { boostedLogOdds, fitBoostedTrees } from '@tailor/core';
import { describe, expect, it } from 'vitest';

/** scikit-learn's GradientBoostingClassifier on a made-up table (fixtures/trees/make-trees-reference.py). */
const reference = JSON.parse(
  readFileSync(new URL('fixtures/trees/trees.reference.json', import.meta.url), 'utf8'),
) as {
  x: number[][];
  y: (0 | 1)[];
  init: number;
  decision: number[];
  new_x: number[][];
  new_decision: number[];
};

describe('fitBoostedTrees against scikit-learn', () => {
  const model = fitBoostedTrees(
    reference.x.map((row) => Float64Array.from(row)),
    reference.y,
    { trees: 100, depth: 3, learningRate: 0.1, minLeaf: 20 },
  );

  it("starts from the prior's log-odds", () => {
    expect(model.init).toBeCloseTo(reference.init, 12);
  });

  it("gives every training row scikit-learn's log-odds", () => {
    reference.x.forEach((row, i) => {
      expect(boostedLogOdds(model, row)).toBeCloseTo(reference.decision[i] as number, 9);
    });
  });

  it('gives new rows, between the training values, the same log-odds: the thresholds are the same', () => {
    reference.new_x.forEach((row, i) => {
      expect(boostedLogOdds(model, row)).toBeCloseTo(reference.new_decision[i] as number, 9);
    });
  });
});
