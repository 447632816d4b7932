import { TailorError } from '../../errors/tailor-error.js';
import { applyPlatt, fitPlatt, type PlattScaling } from './fit-platt.js';
import {
  boostedLogOdds,
  fitBoostedTrees,
  type BoostedTrees,
  type BoostingOptions,
} from './boosted-trees.js';
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
export type Classifier = LogisticClassifier | TreesClassifier;

/** L2 logistic regression on the prepared inputs. */
export interface LogisticClassifier {
  kind: 'logistic';
  plan: TablePlan;
  weights: number[];
  intercept: number;
  /** The regularization it was fitted with (scikit-learn's C). */
  c: number;
  /** Platt scaling of the log-odds, when it made the held-out predictions better (lower Brier). */
  calibration?: PlattScaling;
}

/** Gradient-boosted trees on the prepared inputs. */
export interface TreesClassifier extends BoostedTrees {
  kind: 'trees';
  plan: TablePlan;
  /** How they were grown. */
  options: Required<Pick<BoostingOptions, 'trees' | 'depth' | 'learningRate' | 'minLeaf'>>;
  calibration?: PlattScaling;
}

/** The kinds of model training compares. */
export type ClassifierKind = Classifier['kind'];

/** The trees' settings: scikit-learn's defaults, but 20 rows a leaf at least (small tables). */
const TREES = { trees: 100, depth: 3, learningRate: 0.1, minLeaf: 20 } as const;

/** A classifier's log-odds (before calibration) of one prepared row. */
export function decisionValue(classifier: Classifier, x: Float64Array): number {
  return classifier.kind === 'logistic' ? logOdds(classifier, x) : boostedLogOdds(classifier, x);
}

/** Fits one kind of model on prepared rows. */
function fitKind(
  kind: ClassifierKind,
  plan: TablePlan,
  x: Float64Array[],
  labels: readonly (0 | 1)[],
  c: number,
): Classifier {
  if (kind === 'trees') return { kind, plan, options: TREES, ...fitBoostedTrees(x, labels, TREES) };
  const model = fitLogistic(x, labels, c);
  return { kind, plan, weights: model.weights, intercept: model.intercept, c };
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
    /** The kind chosen: the larger mean fold AUC (logistic regression on a tie). */
    model: ClassifierKind;
    auc: number;
    foldAucs: number[];
    brier: number;
    calibration: CalibrationReport;
    /** Each kind compared, on the same folds. */
    candidates: Partial<Record<ClassifierKind, { auc: number; foldAucs: number[] }>>;
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
 * learnt from its training rows only, so nothing of the held-out rows leaks into it) of each kind
 * of model asked for (logistic regression and gradient-boosted trees by default), the kind with
 * the larger mean fold AUC chosen, then that kind fitted on every row.
 */
export function trainClassifier(
  rows: readonly Record<string, string>[],
  labels: readonly (0 | 1)[],
  columns: readonly string[],
  options: { folds?: number; c?: number; models?: readonly ClassifierKind[] } = {},
): TrainingReport {
  const k = options.folds ?? 5;
  const c = options.c ?? 1;
  const kinds = options.models ?? (['logistic', 'trees'] as const);
  const positives = labels.filter((y) => y === 1).length;
  if (positives < k || labels.length - positives < k)
    throw new TailorError(
      'invalid_request',
      `each label needs at least ${k} rows for ${k}-fold cross-validation (${positives} positive, ${labels.length - positives} negative)`,
    );
  const fold = stratifiedFolds(labels, k);
  const runs = new Map(
    kinds.map((kind) => [
      kind,
      { decisions: new Float64Array(rows.length), foldAucs: [] as number[], auc: 0 },
    ]),
  );
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => fold[i] !== f);
    const trainLabels = labels.filter((_, i) => fold[i] !== f);
    const plan = planTable(train, columns);
    const trainX = applyPlan(plan, train);
    const testIndex = rows.map((_, i) => i).filter((i) => fold[i] === f);
    const x = applyPlan(
      plan,
      testIndex.map((i) => rows[i] as Record<string, string>),
    );
    const testLabels = testIndex.map((i) => labels[i] as 0 | 1);
    for (const [kind, run] of runs) {
      const model = fitKind(kind, plan, trainX, trainLabels, c);
      const z = x.map((xi) => decisionValue(model, xi));
      testIndex.forEach((i, t) => (run.decisions[i] = z[t] as number));
      run.foldAucs.push(rocAuc(z.map(sigmoid), testLabels));
    }
  }
  let chosen: ClassifierKind = kinds[0] ?? 'logistic';
  for (const [kind, run] of runs) {
    run.auc = run.foldAucs.reduce((s, a) => s + a, 0) / k;
    if (run.auc > (runs.get(chosen)?.auc ?? -Infinity)) chosen = kind;
  }
  const run = runs.get(chosen) as { decisions: Float64Array; foldAucs: number[]; auc: number };
  const decisions = Array.from(run.decisions);
  const held = decisions.map(sigmoid);
  const plan = planTable(rows, columns);
  const classifier = fitKind(chosen, plan, applyPlan(plan, rows), labels, c);
  const brier = brierScore(held, labels);
  const calibrated = crossFittedPlatt(decisions, labels, fold, k);
  const scaling = fitPlatt(decisions, labels);
  const calibratedBrier = brierScore(calibrated, labels);
  // a < 0 keeps the order of the scores (AUC unchanged); a > 0 would reverse it.
  const calibrate = calibratedBrier < brier && scaling.a < 0;
  if (calibrate) classifier.calibration = scaling;
  return {
    classifier,
    cv: {
      folds: k,
      model: chosen,
      auc: run.auc,
      foldAucs: run.foldAucs,
      brier,
      calibration: { method: 'platt', brier: calibratedBrier, chosen: calibrate },
      candidates: Object.fromEntries(
        [...runs].map(([kind, r]) => [kind, { auc: r.auc, foldAucs: r.foldAucs }]),
      ),
    },
    rows: rows.length,
    positives,
    heldOut: calibrate ? calibrated : held,
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
    probabilityOf(classifier, decisionValue(classifier, x)),
  );
}
