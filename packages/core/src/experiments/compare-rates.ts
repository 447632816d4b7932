import { alwaysValidPValue } from './always-valid-p-value.js';
import { betaChanceToBeat, betaExpectedLoss } from './beta-posterior.js';
import {
  DEFAULT_TAU_RATIO,
  type ConversionCounts,
  type UnadjustedComparison,
} from './experiments.schema.js';
import { rateUplift } from './relative-uplift.js';
import { twoProportionZTest } from './two-proportion-z-test.js';

/**
 * A conversion metric's treatment against control: uplift, the pooled two-proportion z test,
 * Beta(1, 1)-prior chance to beat control and expected loss, and the mSPRT p-value on the
 * difference of rates with the unpooled variance p_c(1 − p_c)/n_c + p_t(1 − p_t)/n_t. The mixture
 * variance defaults to (0.05 σ̂)², σ̂² = (p_c(1 − p_c) + p_t(1 − p_t)) / 2.
 */
export function compareRates(
  control: ConversionCounts,
  treatment: ConversionCounts,
  tau2?: number,
): UnadjustedComparison {
  const test = twoProportionZTest(control, treatment);
  return {
    uplift: rateUplift(control, treatment),
    pValue: test ? test.pValue : null,
    chanceToBeatControl: betaChanceToBeat(control, treatment),
    expectedLoss: betaExpectedLoss(control, treatment),
    sequential: sequentialForRates(control, treatment, tau2),
  };
}

function sequentialForRates(
  control: ConversionCounts,
  treatment: ConversionCounts,
  tau2: number | undefined,
): UnadjustedComparison['sequential'] {
  if (control.users <= 0 || treatment.users <= 0) return null;
  const pc = control.conversions / control.users;
  const pt = treatment.conversions / treatment.users;
  const mixture = tau2 ?? (DEFAULT_TAU_RATIO ** 2 * (pc * (1 - pc) + pt * (1 - pt))) / 2;
  const pValue = alwaysValidPValue(
    pt - pc,
    (pc * (1 - pc)) / control.users + (pt * (1 - pt)) / treatment.users,
    mixture,
  );
  return pValue === null ? null : { pValue, tau2: mixture };
}
