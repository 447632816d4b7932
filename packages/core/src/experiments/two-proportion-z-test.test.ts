import { describe, expect, it } from 'vitest';
import { twoProportionZTest } from './two-proportion-z-test.js';

describe('twoProportionZTest: published worked example', () => {
  // David M. Lane, HyperStat Online, "Tests of Differences between Proportions" (Rice University):
  // 73 of 85 children in an early-intervention group and 43 of 82 in the control group graduated
  // from high school; pooled SE 0.0713, z = 4.69, two-tailed p < 0.0001.
  it('early childhood intervention: z = 4.69', () => {
    const test = twoProportionZTest({ users: 82, conversions: 43 }, { users: 85, conversions: 73 });
    expect(test?.z).toBeCloseTo(4.69, 2);
    const difference = 73 / 85 - 43 / 82;
    expect(difference / (test?.z ?? NaN)).toBeCloseTo(0.0713, 4); // the pooled standard error
    expect(test?.pValue).toBeLessThan(0.0001);
  });

  it('is undefined when nobody or everybody converted', () => {
    expect(
      twoProportionZTest({ users: 10, conversions: 0 }, { users: 12, conversions: 0 }),
    ).toBeNull();
    expect(
      twoProportionZTest({ users: 10, conversions: 10 }, { users: 12, conversions: 12 }),
    ).toBeNull();
    expect(
      twoProportionZTest({ users: 0, conversions: 0 }, { users: 12, conversions: 3 }),
    ).toBeNull();
  });
});
