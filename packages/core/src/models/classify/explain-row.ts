import type { ScoreContribution } from '../registry/model-definition.schema.js';
import { sigmoid } from './logistic-regression.js';
import { applyPlan } from './prepare-table.js';
import type { Classifier } from './train-classifier.js';
import { treeShap } from './tree-shap.js';

/** A score taken apart: P(label), the baseline log-odds, and one term per model input. */
export interface ExplainedRow {
  score: number;
  /** The intercept: the log-odds of a row at the mean of every number and the reference categories. */
  baseline: number;
  /** Per input, in the plan's order: weight × prepared value, with the column's raw value. */
  terms: ScoreContribution[];
}

/**
 * Explains one row's score exactly: the log-odds of a logistic model is the intercept plus, per
 * input, its weight times the prepared value (a standardized number, a blank indicator, a 0/1
 * category level), so these terms are the contributions, and they add up to the score. With
 * Platt scaling the calibrated log-odds −(a·z + b) is still linear: each term is multiplied by
 * −a and the baseline is −(a·intercept + b).
 *
 * For gradient-boosted trees the terms are TreeSHAP values (exact Shapley values of the log-odds,
 * path-dependent) and the baseline is the trees' expected log-odds over the training rows.
 */
export function explainRow(
  classifier: Classifier,
  features: Readonly<Record<string, number | string | null>>,
): ExplainedRow {
  const row: Record<string, string> = {};
  for (const [k, v] of Object.entries(features)) row[k] = v === null ? '' : String(v);
  const x = applyPlan(classifier.plan, [row])[0] as Float64Array;
  const shap =
    classifier.kind === 'trees'
      ? treeShap(classifier, x, classifier.plan.inputs.length)
      : undefined;
  // Logistic: weight × prepared value; trees: the input's TreeSHAP value.
  const termOf = (j: number): number =>
    classifier.kind === 'logistic'
      ? (classifier.weights[j] as number) * (x[j] as number)
      : (shap?.shares[j] as number);
  const terms: ScoreContribution[] = [];
  let j = 0;
  for (const column of classifier.plan.columns) {
    const value = features[column.name] ?? null;
    const width =
      column.kind === 'number' ? (column.blanks ? 2 : 1) : Math.max(column.levels.length - 1, 0);
    for (let k = 0; k < width; k++, j++)
      terms.push({
        feature: classifier.plan.inputs[j] as string,
        value: value === '' ? null : value,
        contribution: termOf(j),
      });
  }
  // Platt scaling is linear in the log-odds: −(a·z + b) spreads over the same terms, times −a.
  const scale = classifier.calibration === undefined ? 1 : -classifier.calibration.a;
  const intercept =
    classifier.kind === 'logistic' ? classifier.intercept : (shap?.baseline as number);
  const baseline =
    classifier.calibration === undefined
      ? intercept
      : -(classifier.calibration.a * intercept + classifier.calibration.b);
  for (const t of terms) t.contribution *= scale;
  const logOdds = terms.reduce((s, t) => s + t.contribution, baseline);
  return { score: sigmoid(logOdds), baseline, terms };
}
