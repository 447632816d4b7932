import type { ModelVersionInfo } from '@tailor/core';
import { describe, expect, it } from 'vitest';
import { labelText, shownVersion } from './model-summary.js';

describe('labelText', () => {
  it.each([
    [
      { type: 'propensity' as const, label: { event: 'Order Completed', days: 30 } },
      '“Order Completed” within 30 days',
    ],
    [
      {
        type: 'churn' as const,
        label: { event: 'Session Started', days: 1, where: 'properties.app = "ios"' },
      },
      'no “Session Started” where properties.app = "ios" within 1 day (churn)',
    ],
  ])('says %j as %s', (model, text) => {
    expect(labelText(model)).toBe(text);
  });
});

describe('shownVersion', () => {
  const v = (version: number) => ({ version }) as ModelVersionInfo;
  it.each([
    [[], undefined, undefined],
    [[v(1), v(2), v(3)], 2, 2],
    [[v(1), v(2), v(3)], undefined, 3],
    [[v(1), v(2)], 9, 2],
  ])('in %j with %s promoted shows %s', (versions, promoted, shown) => {
    expect(shownVersion(versions, promoted)?.version).toBe(shown);
  });
});
