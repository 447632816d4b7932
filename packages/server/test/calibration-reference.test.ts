import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  applyPlatt,
  binaryLabel,
  brierScore,
  explainRow,
  fitPlatt,
  rocAuc,
  scoreRows,
  trainClassifier,
} from '@tailor/core';

/**
 * Platt scaling against scikit-learn (test/fixtures/calibration: the reference and the script
 * that made it) on the churn table's cross-validated decision values.
 */
const reference = JSON.parse(
  readFileSync(new URL('fixtures/calibration/platt.reference.json', import.meta.url), 'utf8'),
) as {
  sklearn: { a: number; b: number };
  tight: { a: number; b: number };
  heldOutBrier: number;
  calibratedBrier: number;
  firstCalibrated: number[];
};
const rows = parse<Record<string, string>>(
  readFileSync(new URL('fixtures/classify/synthetic-churn.csv', import.meta.url)),
  { columns: true },
);
const labels = rows.map((r) => binaryLabel(r['churn'] ?? '', 'churn'));
const FEATURES = ['tenure', 'monthly', 'contract', 'support', 'region'];

describe('Platt scaling against scikit-learn', () => {
  const report = trainClassifier(rows, labels, FEATURES);
  const decisions = report.heldOut.map((p) => Math.log(p / (1 - p)));

  it("fits scikit-learn's sigmoid calibration (Platt's targets) to the held-out decision values", () => {
    const scaling = fitPlatt(decisions, labels);
    expect(scaling.a).toBeCloseTo(reference.tight.a, 7);
    expect(scaling.b).toBeCloseTo(reference.tight.b, 7);
    expect(scaling.a).toBeCloseTo(reference.sklearn.a, 5);
    expect(scaling.b).toBeCloseTo(reference.sklearn.b, 5);
  });

  it('measures it cross-fitted and keeps the uncalibrated model when calibration does not help', () => {
    expect(report.cv.brier).toBeCloseTo(reference.heldOutBrier, 10);
    expect(report.cv.calibration.brier).toBeCloseTo(reference.calibratedBrier, 7);
    // A logistic regression is calibrated already: Platt scaling makes it no better here.
    expect(report.cv.calibration.chosen).toBe(false);
    expect(report.classifier.calibration).toBeUndefined();
  });

  it('calibrates an over-regularized model, keeping its order and its exact explanations', () => {
    const shrunk = trainClassifier(rows, labels, FEATURES, { c: 0.0005 });
    expect(shrunk.cv.calibration.chosen).toBe(true);
    expect(shrunk.cv.calibration.brier).toBeLessThan(shrunk.cv.brier);
    const scaling = shrunk.classifier.calibration;
    expect(scaling?.a).toBeLessThan(0);
    expect(brierScore(shrunk.heldOut, labels)).toBeCloseTo(shrunk.cv.calibration.brier, 12);
    const uncalibrated = { ...shrunk.classifier, calibration: undefined };
    const raw = scoreRows(uncalibrated, rows);
    const served = scoreRows(shrunk.classifier, rows);
    expect(rocAuc(served, labels)).toBeCloseTo(rocAuc(raw, labels), 12);
    rows.slice(0, 20).forEach((row, i) => {
      const z = Math.log((raw[i] as number) / (1 - (raw[i] as number)));
      expect(served[i]).toBeCloseTo(applyPlatt(scaling ?? { method: 'platt', a: 0, b: 0 }, z), 12);
      const explained = explainRow(shrunk.classifier, row);
      expect(explained.score).toBeCloseTo(served[i] as number, 12);
      const sum = explained.terms.reduce((s, t) => s + t.contribution, explained.baseline);
      expect(1 / (1 + Math.exp(-sum))).toBeCloseTo(served[i] as number, 12);
    });
  });
});
