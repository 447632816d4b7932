/**
 * The special functions the lifetime-value models need, from @stdlib (ports of Cephes, pure
 * JavaScript). This is the one file in models/ that imports them.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';

/** ln Γ(x), x > 0. */
export function lnGamma(x: number): number {
  return gammaln(x);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function lnBeta(a: number, b: number): number {
  return gammaln(a) + gammaln(b) - gammaln(a + b);
}

/** The Gauss hypergeometric function ₂F₁(a, b; c; z), here for |z| < 1. */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  return hyp2f1(a, b, c, z);
}
