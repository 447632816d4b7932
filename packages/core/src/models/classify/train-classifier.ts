import { TailorError } from '../../errors/tailor-error.js';
import { fitLogistic, predictLogistic } from './logistic-regression.js';
import { applyPlan, planTable, type TablePlan } from './prepare-table.js';

/**
 * ROC AUC: the chance that a random positive scores above a random negative (ties count half),
 * from the ranks (Mann–Whitney U). NaN when one class is missing.
 */
export function rocAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
    const rank = (i + j) / 2 + 1; // ties share their mean rank
    for (let k = i; k <= j; k++) ranks[order[k]?.[1] as number] = rank;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  labels.forEach((y, i) => {
    if (y === 1) {
      positives++;
      rankSum += ranks[i] as number;
    }
  });
  const negatives = labels.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The mean squared difference between the predicted probability and the outcome. */
export function brierScore(probabilities: readonly number[], labels: readonly (0 | 1)[]): number {
  return probabilities.reduce((s, p, i) => s + (p - (labels[i] as number)) ** 2, 0) / labels.length;
}

/**
 * Stratified folds: the positives in row order dealt out to folds 0, 1, ..., k−1, 0, ... and the
 * negatives likewise, so every fold has the classes in the table's proportion. Deterministic.
 */
export function stratifiedFolds(labels: readonly (0 | 1)[], k: number): number[] {
  const next = [0, 0];
  return labels.map((y) => (next[y] = (next[y] as number) + 1) % k);
}

/** A trained classifier: how to prepare a row, and the fitted model. */
export interface Classifier {
  kind: 'logistic';
  plan: TablePlan;
  weights: number[];
  intercept: number;
  /** The regularization it was fitted with (scikit-learn's C). */
  c: number;
}

export interface TrainingReport {
  classifier: Classifier;
  /** Cross-validation: each fold's AUC and their mean, and the Brier score of all held-out predictions. */
  cv: { folds: number; auc: number; foldAucs: number[]; brier: number };
  rows: number;
  positives: number;
  /** Each row's held-out prediction (from the fold that left it out), for reliability tables. */
  heldOut: number[];
}

/**
 * Trains a classifier on a table: k-fold stratified cross-validation (each fold's preparation
 * learnt from its training rows only, so nothing of the held-out rows leaks into it), then the
 * model on every row.
 */
export function trainClassifier(
  rows: readonly Record<string, string>[],
  labels: readonly (0 | 1)[],
  columns: readonly string[],
  options: { folds?: number; c?: number } = {},
): TrainingReport {
  const k = options.folds ?? 5;
  const c = options.c ?? 1;
  const positives = labels.filter((y) => y === 1).length;
  if (positives < k || labels.length - positives < k)
    throw new TailorError(
      'invalid_request',
      `each label needs at least ${k} rows for ${k}-fold cross-validation (${positives} positive, ${labels.length - positives} negative)`,
    );
  const fold = stratifiedFolds(labels, k);
  const held = new Float64Array(rows.length);
  const foldAucs: number[] = [];
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => fold[i] !== f);
    const trainLabels = labels.filter((_, i) => fold[i] !== f);
    const plan = planTable(train, columns);
    const model = fitLogistic(applyPlan(plan, train), trainLabels, c);
    const testIndex = rows.map((_, i) => i).filter((i) => fold[i] === f);
    const x = applyPlan(
      plan,
      testIndex.map((i) => rows[i] as Record<string, string>),
    );
    const scores = x.map((xi) => predictLogistic(model, xi));
    testIndex.forEach((i, t) => (held[i] = scores[t] as number));
    foldAucs.push(
      rocAuc(
        scores,
        testIndex.map((i) => labels[i] as 0 | 1),
      ),
    );
  }
  const plan = planTable(rows, columns);
  const model = fitLogistic(applyPlan(plan, rows), labels, c);
  return {
    classifier: { kind: 'logistic', plan, weights: model.weights, intercept: model.intercept, c },
    cv: {
      folds: k,
      auc: foldAucs.reduce((s, a) => s + a, 0) / k,
      foldAucs,
      brier: brierScore(Array.from(held), labels),
    },
    rows: rows.length,
    positives,
    heldOut: Array.from(held),
  };
}

/** Scores rows: P(label = 1) for each. */
export function scoreRows(
  classifier: Classifier,
  rows: readonly Record<string, string>[],
): number[] {
  return applyPlan(classifier.plan, rows).map((x) => predictLogistic(classifier, x));
}

/**
 * The inputs that moved one row's score most: weight × prepared value (standardized numbers,
 * 0/1 categories), largest in magnitude first; their sum plus the intercept is the log-odds.
 */
export function contributions(
  classifier: Classifier,
  row: Record<string, string>,
  top = 5,
): { input: string; contribution: number }[] {
  const [x] = applyPlan(classifier.plan, [row]);
  return classifier.plan.inputs
    .map((input, j) => ({
      input,
      contribution: (classifier.weights[j] as number) * ((x as Float64Array)[j] as number),
    }))
    .filter((c) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, top);
}
