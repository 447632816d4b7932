import { alwaysValidPValue } from './always-valid-p-value.js';
import {
  DEFAULT_TAU_RATIO,
  type MetricMoments,
  type UnadjustedComparison,
} from './experiments.schema.js';
import { normalChanceToBeat, normalExpectedLoss } from './normal-posterior.js';
import { meanUplift } from './relative-uplift.js';
import { welchTTest } from './welch-t-test.js';

/**
 * A numeric metric's treatment against control: delta-method uplift, Welch's t test, the normal
 * approximation's chance to beat control and expected loss, and the mSPRT p-value on the
 * difference of means with variance s_c²/n_c + s_t²/n_t. The mixture variance defaults to
 * (0.05 σ̂)², σ̂² = (s_c² + s_t²) / 2.
 */
export function compareMeans(
  control: MetricMoments,
  treatment: MetricMoments,
  tau2?: number,
): UnadjustedComparison {
  const test = welchTTest(control, treatment);
  return {
    uplift: meanUplift(control, treatment),
    pValue: test ? test.pValue : null,
    chanceToBeatControl: normalChanceToBeat(control, treatment),
    expectedLoss: normalExpectedLoss(control, treatment),
    sequential: sequentialForMeans(control, treatment, tau2),
  };
}

function sequentialForMeans(
  control: MetricMoments,
  treatment: MetricMoments,
  tau2: number | undefined,
): UnadjustedComparison['sequential'] {
  if (control.mean === null || treatment.mean === null) return null;
  if (control.variance === null || treatment.variance === null) return null;
  const mixture = tau2 ?? (DEFAULT_TAU_RATIO ** 2 * (control.variance + treatment.variance)) / 2;
  const variance = control.variance / control.n + treatment.variance / treatment.n;
  const pValue = alwaysValidPValue(treatment.mean - control.mean, variance, mixture);
  return pValue === null ? null : { pValue, tau2: mixture };
}
