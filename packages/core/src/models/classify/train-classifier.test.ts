import { describe, expect, it } from 'vitest';
import { explainRow } from './explain-row.js';
import { scoreRows, trainClassifier } from './train-classifier.js';

/**
 * 800 rows whose label hangs on an interaction (a discount matters only to frequent visitors) and
 * a bump (middle ages buy most): no straight line in the inputs separates it, trees can.
 */
function table(): { rows: Record<string, string>[]; labels: (0 | 1)[] } {
  let seed = 11;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const rows: Record<string, string>[] = [];
  const labels: (0 | 1)[] = [];
  for (let i = 0; i < 800; i++) {
    const visits = Math.floor(random() * 20);
    const discount = random() < 0.5 ? 'yes' : 'no';
    const age = 18 + Math.floor(random() * 60);
    const z = (visits > 10 && discount === 'yes' ? 2.5 : -1) + (age > 35 && age < 55 ? 1.5 : -0.5);
    rows.push({ visits: String(visits), discount, age: String(age), noise: String(random()) });
    labels.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { rows, labels };
}

describe('trainClassifier: logistic regression against gradient-boosted trees', () => {
  const { rows, labels } = table();
  const report = trainClassifier(rows, labels, ['visits', 'discount', 'age', 'noise']);

  it('cross-validates both on the same folds and keeps the trees, which find what a line cannot', () => {
    const { logistic, trees } = report.cv.candidates;
    expect(trees?.foldAucs).toHaveLength(5);
    expect(logistic?.foldAucs).toHaveLength(5);
    expect(trees?.auc).toBeGreaterThan((logistic?.auc ?? 1) + 0.05);
    expect(report.cv.model).toBe('trees');
    expect(report.cv.auc).toBe(trees?.auc);
    expect(report.classifier.kind).toBe('trees');
    expect(report.heldOut).toHaveLength(800);
  });

  it('explains a tree score by TreeSHAP terms that add up to it', () => {
    const scores = scoreRows(report.classifier, rows.slice(0, 20));
    rows.slice(0, 20).forEach((row, i) => {
      const { score, baseline, terms } = explainRow(report.classifier, row);
      expect(score).toBeCloseTo(scores[i] as number, 12);
      const z = terms.reduce((s, t) => s + t.contribution, baseline);
      expect(1 / (1 + Math.exp(-z))).toBeCloseTo(score, 12);
      // The noise column barely moves anyone next to the inputs the label hangs on.
      const share = (name: string) =>
        Math.abs(terms.find((t) => t.feature === name)?.contribution ?? 0);
      expect(share('noise')).toBeLessThan(share('visits') + share('age') + share('discount=no'));
    });
  });

  it('fits only the kind asked for', () => {
    const only = trainClassifier(rows, labels, ['visits', 'discount', 'age'], {
      models: ['logistic'],
    });
    expect(Object.keys(only.cv.candidates)).toEqual(['logistic']);
    expect(only.classifier.kind).toBe('logistic');
  });
});
