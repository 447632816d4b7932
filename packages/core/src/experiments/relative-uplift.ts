import { normalQuantile, studentTQuantile } from './distributions.js';
import {
  CONFIDENCE_LEVEL,
  type ConversionCounts,
  type MetricMoments,
  type UpliftResult,
} from './experiments.schema.js';

const z = () => normalQuantile(1 - (1 - CONFIDENCE_LEVEL) / 2);

/**
 * p_t / p_c − 1, with the interval of the log ratio (Katz et al. 1978, the delta method on
 * ln(p_t / p_c)): SE² = (1 − p_c)/x_c + (1 − p_t)/x_t, interval exp(ln r ± z·SE) − 1, which stays
 * above −1. Null without control conversions; the interval is null without treatment conversions.
 */
export function rateUplift(control: ConversionCounts, treatment: ConversionCounts): UpliftResult {
  if (control.conversions <= 0 || treatment.users <= 0) return null;
  const pc = control.conversions / control.users;
  const pt = treatment.conversions / treatment.users;
  const value = pt / pc - 1;
  if (treatment.conversions <= 0) return { value, ci: null };
  const logRatio = Math.log(pt / pc);
  const se = Math.sqrt((1 - pc) / control.conversions + (1 - pt) / treatment.conversions);
  return { value, ci: [Math.expm1(logRatio - z() * se), Math.expm1(logRatio + z() * se)] };
}

/**
 * ȳ_t / ȳ_c − 1, with the delta-method interval for a ratio of independent means:
 * Var(r) ≈ a + b, a = s_t²/(n_t ȳ_c²), b = ȳ_t² s_c²/(n_c ȳ_c⁴), interval
 * (r − 1) ± t(0.975, ν)·√Var(r), ν the Welch–Satterthwaite degrees of freedom of that sum,
 * (a + b)² / (a²/(n_t − 1) + b²/(n_c − 1)), as for Welch's test (with ȳ_t = ȳ_c it is Welch's ν).
 * Null when the control mean is 0 or missing; the interval is null below two units in either
 * variant.
 */
export function meanUplift(control: MetricMoments, treatment: MetricMoments): UpliftResult {
  if (control.mean === null || control.mean === 0 || treatment.mean === null) return null;
  const mc = control.mean;
  const mt = treatment.mean;
  const value = mt / mc - 1;
  if (control.variance === null || treatment.variance === null) return { value, ci: null };
  const a = treatment.variance / treatment.n / mc ** 2;
  const b = (mt ** 2 * control.variance) / control.n / mc ** 4;
  const se = Math.sqrt(a + b);
  if (!(se > 0)) return { value, ci: [value, value] };
  const df = (a + b) ** 2 / (a ** 2 / (treatment.n - 1) + b ** 2 / (control.n - 1));
  const half = studentTQuantile(1 - (1 - CONFIDENCE_LEVEL) / 2, df) * se;
  return { value, ci: [value - half, value + half] };
}
