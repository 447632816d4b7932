import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  binaryLabel,
  brierScore,
  rocAuc,
  scoreRows,
  stratifiedFolds,
  trainClassifier,
} from '@tailor/core';

/**
 * The classifier against scikit-learn on a synthetic churn table
 * (test/fixtures/classify: the data, the reference and the script that made both).
 */
const fixture = (name: string) => new URL(`fixtures/classify/${name}`, import.meta.url);
const reference = JSON.parse(readFileSync(fixture('classify.reference.json'), 'utf8')) as {
  rows: number;
  positives: number;
  weights: number[];
  intercept: number;
  cv: { fold_aucs: number[]; auc: number; brier: number };
  first_scores: number[];
};
const rows = parse<Record<string, string>>(readFileSync(fixture('synthetic-churn.csv')), {
  columns: true,
});
const labels = rows.map((r) => binaryLabel(r['churn'] ?? '', 'churn'));
const FEATURES = ['tenure', 'monthly', 'contract', 'support', 'region'];

describe('trainClassifier against scikit-learn', () => {
  const report = trainClassifier(rows, labels, FEATURES);

  it('fits the same L2 logistic regression (C = 1) on the same prepared inputs', () => {
    // The table was made by a logistic model: the trees, compared on the same folds, lose.
    expect(report.cv.model).toBe('logistic');
    expect(report.cv.candidates.trees?.auc).toBeLessThan(report.cv.candidates.logistic?.auc ?? 0);
    if (report.classifier.kind !== 'logistic') throw new Error('trees chosen');
    expect(report.rows).toBe(reference.rows);
    expect(report.positives).toBe(reference.positives);
    expect(report.classifier.plan.inputs).toHaveLength(reference.weights.length);
    report.classifier.weights.forEach((w, j) => {
      expect(w).toBeCloseTo(reference.weights[j] ?? Number.NaN, 6);
    });
    expect(report.classifier.intercept).toBeCloseTo(reference.intercept, 6);
    scoreRows(report.classifier, rows.slice(0, 10)).forEach((p, i) => {
      expect(p).toBeCloseTo(reference.first_scores[i] ?? Number.NaN, 8);
    });
  });

  it('cross-validates on the same stratified folds: each fold’s AUC and the held-out Brier score', () => {
    report.cv.foldAucs.forEach((auc, f) => {
      expect(auc).toBeCloseTo(reference.cv.fold_aucs[f] ?? Number.NaN, 8);
    });
    expect(report.cv.auc).toBeCloseTo(reference.cv.auc, 8);
    expect(report.cv.brier).toBeCloseTo(reference.cv.brier, 8);
  });
});

describe('classifier metrics', () => {
  it('AUC counts ties as half, as the Mann–Whitney statistic does', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBeCloseTo(0.5, 12);
    expect(rocAuc([0.9, 0.8, 0.2], [1, 1, 0])).toBe(1);
    expect(brierScore([1, 0, 0.5], [1, 1, 0])).toBeCloseTo((0 + 1 + 0.25) / 3, 12);
  });

  it('deals each class out to the folds in turn', () => {
    expect(stratifiedFolds([1, 0, 1, 1, 0, 0, 1], 3)).toEqual([1, 1, 2, 0, 2, 0, 1]);
  });

  it('refuses a table with too few of a label for the folds', () => {
    expect(() => trainClassifier(rows.slice(0, 6), [1, 1, 0, 0, 0, 0], FEATURES)).toThrow(
      /at least 5 rows/,
    );
  });
});
