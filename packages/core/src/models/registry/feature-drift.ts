/** What training keeps of a feature's distribution, to compare the scored population with. */
export type FeatureReference =
  | {
      kind: 'number';
      /** Sorted training values (all of them, or REFERENCE_SAMPLE evenly spaced order statistics). */
      sample: number[];
    }
  | {
      kind: 'category';
      /** Each value's share of the training rows (a blank is ''). */
      shares: Record<string, number>;
    };

/** How a feature moved between training and now. */
export interface FeatureDrift {
  /** Population stability index over the reference's deciles (or its categories). */
  psi: number;
  /** Two-sample Kolmogorov–Smirnov statistic (numbers only): the largest gap between the two CDFs. */
  ks: number | null;
}

/** Order statistics kept of a numeric feature. */
export const REFERENCE_SAMPLE = 1000;
/** The share an empty bin counts as in the PSI (so its log stays finite), as is customary. */
const EMPTY_SHARE = 1e-4;
const BINS = 10;

/** A feature's reference from its training values (numbers: blanks left out). */
export function featureReference(values: readonly (number | string | null)[]): FeatureReference {
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (
    numbers.length > 0 &&
    numbers.length === values.filter((v) => v !== null && v !== '').length
  ) {
    const sorted = [...numbers].sort((a, b) => a - b);
    if (sorted.length <= REFERENCE_SAMPLE) return { kind: 'number', sample: sorted };
    const sample = Array.from(
      { length: REFERENCE_SAMPLE },
      (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (REFERENCE_SAMPLE - 1))] as number,
    );
    return { kind: 'number', sample };
  }
  const shares: Record<string, number> = {};
  for (const v of values) {
    const key = v === null ? '' : String(v);
    shares[key] = (shares[key] ?? 0) + 1 / values.length;
  }
  return { kind: 'category', shares };
}

/**
 * PSI and KS of current values against a reference. PSI = Σ (cᵢ − rᵢ) ln(cᵢ / rᵢ) over bins:
 * for numbers the reference's deciles (the values up to each cut, the last bin open), for
 * categories the reference's values with one more bin for those it never saw; an empty bin counts
 * as EMPTY_SHARE. KS = max |F_ref(x) − F_cur(x)| over every value of either sample (as SciPy's
 * `ks_2samp` statistic).
 */
export function featureDrift(
  reference: FeatureReference,
  current: readonly (number | string | null)[],
): FeatureDrift {
  if (reference.kind === 'category') {
    const keys = Object.keys(reference.shares);
    const counts = new Map<string, number>(keys.map((k) => [k, 0]));
    let unseen = 0;
    for (const v of current) {
      const key = v === null ? '' : String(v);
      if (counts.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
      else unseen++;
    }
    const n = Math.max(current.length, 1);
    const pairs = keys.map((k) => [(counts.get(k) ?? 0) / n, reference.shares[k] ?? 0] as const);
    pairs.push([unseen / n, 0]);
    return { psi: psi(pairs), ks: null };
  }
  const ref = reference.sample;
  const cur = current
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  const cuts = [
    ...new Set(Array.from({ length: BINS - 1 }, (_, i) => quantile(ref, (i + 1) / BINS))),
  ];
  const refShares = binShares(ref, cuts);
  const curShares = binShares(cur, cuts);
  return {
    psi: psi(curShares.map((c, i) => [c, refShares[i] as number] as const)),
    ks: ksStatistic(ref, cur),
  };
}

/** Σ (c − r) ln(c / r), empty shares counted as EMPTY_SHARE; bins empty on both sides add nothing. */
function psi(pairs: readonly (readonly [number, number])[]): number {
  let sum = 0;
  for (const [c0, r0] of pairs) {
    if (c0 === 0 && r0 === 0) continue;
    const c = Math.max(c0, EMPTY_SHARE);
    const r = Math.max(r0, EMPTY_SHARE);
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

/** Shares of sorted values in the bins (−∞, cut₁], (cut₁, cut₂], ..., (cut_k, ∞). */
function binShares(sorted: readonly number[], cuts: readonly number[]): number[] {
  const counts = new Array<number>(cuts.length + 1).fill(0);
  let bin = 0;
  for (const v of sorted) {
    while (bin < cuts.length && v > (cuts[bin] as number)) bin++;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts.map((c) => (sorted.length === 0 ? 0 : c / sorted.length));
}

/** The q-quantile of sorted values, linearly interpolated (NumPy's default). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = q * (sorted.length - 1);
  const low = Math.floor(at);
  const high = Math.min(low + 1, sorted.length - 1);
  return (
    (sorted[low] as number) + (at - low) * ((sorted[high] as number) - (sorted[low] as number))
  );
}

/** The two-sample KS statistic of two sorted samples; 0 when either is empty. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let largest = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && (a[i] as number) <= x) i++;
    while (j < b.length && (b[j] as number) <= x) j++;
    largest = Math.max(largest, Math.abs(i / a.length - j / b.length));
  }
  return largest;
}
