/**
 * Customer lifetime value: the per-customer summary the models read and the parameters they fit.
 * Times are in units (a week or a day) counted from the customer's first purchase day.
 */

/** One purchase: a customer, its day (whole days since 1970-01-01) and its amount. */
export interface Transaction {
  customer: string;
  day: number;
  amount: number;
}

/**
 * A customer over the calibration period (Fader, Hardie & Lee's x, t_x, T): `x` repeat purchase
 * days, the last of them `tx` units after the first purchase day, which is `T` units before the
 * end of the period; `meanSpend` is the mean amount of the repeat days (0 when x = 0).
 */
export interface CustomerSummary {
  customer: string;
  x: number;
  tx: number;
  T: number;
  meanSpend: number;
}

/** BG/NBD: purchases at Poisson rate λ ~ Gamma(r, α); after each purchase the customer drops out with p ~ Beta(a, b). */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Gamma-Gamma: a customer's spend per transaction ~ Gamma(p, ν), ν ~ Gamma(q, γ) across customers. */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** A maximum-likelihood fit: the parameters, the log-likelihood there and whether the optimizer converged. */
export interface ModelFit<P> {
  params: P;
  logLikelihood: number;
  converged: boolean;
}
