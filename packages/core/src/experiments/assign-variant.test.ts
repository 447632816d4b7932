import { describe, expect, it } from 'vitest';
import {
  assignVariant,
  hashToUnit,
  layerBucket,
  type AssignableExperiment,
} from './assign-variant.js';
import { checkSampleRatio } from './check-sample-ratio.js';

const ids = (n: number, prefix = 'user-') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const split = (weights: number[]) => weights.map((weight, i) => ({ id: `v${i}`, weight }));
const variantOf = (e: AssignableExperiment, id: string) => assignVariant(e, id).variant;

/** Counts of each variant (null: not assigned) over the ids. */
function tally(e: AssignableExperiment, units: readonly string[]): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const id of units) {
    const v = variantOf(e, id);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

describe('hashToUnit: GrowthBook hash version 2', () => {
  // [seed, value, expected]: the version-2 rows of "hash" in GrowthBook's SDK test cases
  // (growthbook/growthbook packages/sdk-js/test/cases.json, spec 0.5.4).
  const cases: [string, string, number][] = [
    ['seed', 'a', 0.0505],
    ['seed', 'b', 0.2696],
    ['foo', 'ab', 0.2575],
    ['foo', 'def', 0.2019],
    ['89123klj', '8952klfjas09ujkasdf', 0.124],
    ['90850943850283058242805', '123', 0.7516],
    ['()**(%$##$%#$#', '___)((*":&', 0.0128],
  ];
  it.each(cases)('hash(%j, %j) = %d', (seed, value, expected) => {
    expect(hashToUnit(seed, value)).toBe(expected);
  });
});

describe('assignVariant', () => {
  it("picks the variant GrowthBook's SDK picks with full traffic (its published cases)", () => {
    // From the same cases.json: "creates experiments properly" (seed "feature", anonId "123",
    // weights 0.1/0.9, bucket 0.5231 → variation 1); "Support passthrough variations" (key
    // "experiment", id "1", 50/50, bucket 0.4413 → 0); "Support holdout groups" (key "holdout",
    // 0.99/0.01, bucket 0.8043 → 0).
    expect(
      assignVariant(
        {
          seed: 'feature',
          variants: [
            { id: 'v0', weight: 0.1 },
            { id: 'v1', weight: 0.9 },
          ],
          traffic: 1,
        },
        '123',
      ),
    ).toEqual({ variant: 'v1' });
    expect(
      assignVariant({ seed: 'experiment', variants: split([0.5, 0.5]), traffic: 1 }, '1'),
    ).toEqual({ variant: 'v0' });
    expect(
      assignVariant({ seed: 'holdout', variants: split([0.99, 0.01]), traffic: 1 }, '1'),
    ).toEqual({ variant: 'v0' });
    expect(hashToUnit('feature', '123')).toBe(0.5231);
  });

  it('is sticky: the same seed and unit always give the same answer, from a fresh copy too', () => {
    const e: AssignableExperiment = {
      seed: 'checkout-button',
      variants: split([1, 1, 1]),
      traffic: 0.6,
    };
    const first = ids(2000).map((id) => variantOf(e, id));
    const copy = JSON.parse(JSON.stringify(e)) as AssignableExperiment;
    expect(ids(2000).map((id) => variantOf(copy, id))).toEqual(first);
    // Another seed reshuffles.
    const other = ids(2000).map((id) => variantOf({ ...e, seed: 'other' }, id));
    expect(other.filter((v, i) => v === first[i]).length).toBeLessThan(1200);
  });

  it('only adds units when the traffic share grows, and moves nobody between variants', () => {
    const units = ids(100_000);
    const at = (traffic: number) =>
      units.map((id) =>
        variantOf({ seed: 'growth', variants: split([0.5, 0.3, 0.2]), traffic }, id),
      );
    const [small, medium, full] = [at(0.1), at(0.5), at(1)];
    let kept = 0;
    for (let i = 0; i < units.length; i++) {
      if (small[i] !== null) {
        expect(medium[i]).toBe(small[i]);
        kept++;
      }
      if (medium[i] !== null) expect(full[i]).toBe(medium[i]);
    }
    expect(full.every((v) => v !== null)).toBe(true);
    // The share assigned follows the traffic (binomial sd at 100k is below 0.002).
    expect(kept / units.length).toBeCloseTo(0.1, 2);
    expect(medium.filter((v) => v !== null).length / units.length).toBeCloseTo(0.5, 2);
  });

  it('respects the weights over 100,000 units (chi-square against the weights), inside a partial traffic share too', () => {
    const units = ids(100_000);
    for (const [weights, traffic] of [
      [[0.5, 0.5], 1],
      [[0.5, 0.3, 0.2], 1],
      [[1, 1, 1, 1], 1],
      [[0.1, 0.9], 0.5],
      [[2, 1, 1], 0.3],
    ] as [number[], number][]) {
      const counts = tally(
        { seed: `w-${weights.join('-')}`, variants: split(weights), traffic },
        units,
      );
      const observed = weights.map((_, i) => counts.get(`v${i}`) ?? 0);
      const srm = checkSampleRatio(observed, weights);
      expect(
        srm.pValue,
        `${weights.join('/')} at ${traffic}: ${observed.join('/')}`,
      ).toBeGreaterThan(0.001);
      expect((counts.get(null) ?? 0) / units.length).toBeCloseTo(1 - traffic, 2);
    }
  });

  it('gives a variant weighted 0 nobody, and nobody at all when every weight is 0', () => {
    const counts = tally({ seed: 'zero', variants: split([1, 0, 1]), traffic: 1 }, ids(10_000));
    expect(counts.get('v1')).toBeUndefined();
    expect(assignVariant({ seed: 'zero', variants: split([0, 0]), traffic: 1 }, 'u')).toEqual({
      variant: null,
      reason: 'weights',
    });
    expect(assignVariant({ seed: 'none', variants: split([1, 1]), traffic: 0 }, 'u')).toEqual({
      variant: null,
      reason: 'traffic',
    });
  });

  it('keeps the experiments of a layer apart: disjoint slices never share a unit', () => {
    const units = ids(100_000);
    const a: AssignableExperiment = {
      seed: 'a',
      variants: split([1, 1]),
      traffic: 0.4,
      layer: { name: 'checkout', range: [0, 0.4] },
    };
    const b: AssignableExperiment = {
      seed: 'b',
      variants: split([1, 1, 1]),
      traffic: 0.5,
      layer: { name: 'checkout', range: [0.4, 0.9] },
    };
    let inA = 0;
    let inB = 0;
    let both = 0;
    let outsideSlice = 0;
    for (const id of units) {
      const [va, vb] = [variantOf(a, id), variantOf(b, id)];
      if (va !== null && vb !== null) both++;
      if (va !== null) inA++;
      if (vb !== null) inB++;
      const bucket = layerBucket('checkout', id);
      if ((va !== null) !== bucket < 0.4 || (vb !== null) !== (bucket >= 0.4 && bucket < 0.9))
        outsideSlice++;
    }
    expect(both).toBe(0);
    expect(outsideSlice).toBe(0);
    expect(inA / units.length).toBeCloseTo(0.4, 2);
    expect(inB / units.length).toBeCloseTo(0.5, 2);
    expect(assignVariant(a, units.find((id) => layerBucket('checkout', id) >= 0.4) ?? '')).toEqual({
      variant: null,
      reason: 'layer',
    });
    // Widening a slice in place only adds units.
    const wider = { ...a, layer: { name: 'checkout', range: [0, 0.45] as const } };
    for (const id of units.slice(0, 20_000)) {
      const before = variantOf(a, id);
      if (before !== null) expect(variantOf(wider, id)).toBe(before);
    }
  });
});
