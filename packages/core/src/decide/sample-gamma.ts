import type { RandomSource } from './decide.schema.js';

/**
 * A Gamma(shape, 1) variate by Marsaglia & Tsang's squeeze method ("A simple method for generating
 * gamma variables", ACM TOMS 26(3), 2000): with d = shape − 1/3 and c = 1/√(9d), draw x standard
 * normal and v = (1 + cx)³ until v > 0 and a uniform u passes the squeeze u < 1 − 0.0331x⁴ or
 * ln u < x²/2 + d(1 − v + ln v); then d·v. About 1.03 tries a draw for any shape ≥ 1. A shape below
 * 1 uses Gamma(a) = Gamma(a + 1)·U^(1/a) (section 6 of the paper).
 */
export function sampleGamma(shape: number, random: RandomSource): number {
  if (!(shape > 0) || !Number.isFinite(shape))
    throw new RangeError(`a gamma shape must be positive and finite, not ${shape}`);
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A standard normal variate by Box–Muller from two uniforms (the first moved to (0, 1] for its log). */
function standardNormal(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
