import { TailorError } from '../../errors/tailor-error.js';
import { applyPlatt, fitPlatt, type PlattScaling } from './fit-platt.js';
import { fitLogistic, logOdds, sigmoid } from './logistic-regression.js';
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
  /** Platt scaling of the log-odds, when it made the held-out predictions better (lower Brier). */
  calibration?: PlattScaling;
}

/** Whether Platt scaling was tried on the held-out predictions, and what it gave. */
export interface CalibrationReport {
  method: 'platt';
  /** The Brier score of the held-out predictions calibrated cross-fitted (each fold by the others). */
  brier: number;
  /** Whether the classifier scores through it (it lowered the Brier score and kept the order). */
  chosen: boolean;
}

export interface TrainingReport {
  classifier: Classifier;
  /** Cross-validation: each fold's AUC and their mean, and the Brier score of all held-out predictions. */
  cv: {
    folds: number;
    auc: number;
    foldAucs: number[];
    brier: number;
    calibration: CalibrationReport;
  };
  rows: number;
  positives: number;
  /**
   * Each row's held-out prediction (from the fold that left it out), as the classifier serves
   * them (calibrated when calibration was chosen), for reliability tables.
   */
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
  const decisions = new Float64Array(rows.length);
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
    const z = x.map((xi) => logOdds(model, xi));
    const scores = z.map(sigmoid);
    testIndex.forEach((i, t) => {
      held[i] = scores[t] as number;
      decisions[i] = z[t] as number;
    });
    foldAucs.push(
      rocAuc(
        scores,
        testIndex.map((i) => labels[i] as 0 | 1),
      ),
    );
  }
  const plan = planTable(rows, columns);
  const model = fitLogistic(applyPlan(plan, rows), labels, c);
  const brier = brierScore(Array.from(held), labels);
  const calibrated = crossFittedPlatt(Array.from(decisions), labels, fold, k);
  const scaling = fitPlatt(Array.from(decisions), labels);
  const calibratedBrier = brierScore(calibrated, labels);
  // a < 0 keeps the order of the scores (AUC unchanged); a > 0 would reverse it.
  const chosen = calibratedBrier < brier && scaling.a < 0;
  return {
    classifier: {
      kind: 'logistic',
      plan,
      weights: model.weights,
      intercept: model.intercept,
      c,
      ...(chosen && { calibration: scaling }),
    },
    cv: {
      folds: k,
      auc: foldAucs.reduce((s, a) => s + a, 0) / k,
      foldAucs,
      brier,
      calibration: { method: 'platt', brier: calibratedBrier, chosen },
    },
    rows: rows.length,
    positives,
    heldOut: chosen ? calibrated : Array.from(held),
  };
}

/** Each fold's held-out decision values calibrated by Platt scaling fitted on the other folds'. */
function crossFittedPlatt(
  decisions: readonly number[],
  labels: readonly (0 | 1)[],
  fold: readonly number[],
  k: number,
): number[] {
  const out = new Array<number>(decisions.length).fill(0);
  for (let f = 0; f < k; f++) {
    const others = decisions.map((_, i) => i).filter((i) => fold[i] !== f);
    const scaling = fitPlatt(
      others.map((i) => decisions[i] as number),
      others.map((i) => labels[i] as 0 | 1),
    );
    decisions.forEach((d, i) => {
      if (fold[i] === f) out[i] = applyPlatt(scaling, d);
    });
  }
  return out;
}

/** A classifier's probability for a log-odds: through its calibration when it has one. */
export function probabilityOf(classifier: Pick<Classifier, 'calibration'>, z: number): number {
  return classifier.calibration === undefined ? sigmoid(z) : applyPlatt(classifier.calibration, z);
}

/** Scores rows: P(label = 1) for each. */
export function scoreRows(
  classifier: Classifier,
  rows: readonly Record<string, string>[],
): number[] {
  return applyPlan(classifier.plan, rows).map((x) =>
    probabilityOf(classifier, logOdds(classifier, x)),
  );
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
