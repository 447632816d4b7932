import type { MetricResult } from '@tailor/core';
import { describe, expect, it } from 'vitest';
import { intervalRows, metricNames, type ExperimentResults } from './experiment-results.js';

const COMPARISON = {
  uplift: null,
  pValue: null,
  pValueAdjusted: null,
  chanceToBeatControl: null,
  expectedLoss: null,
  sequential: null,
  cuped: null,
};

function rate(users: number, conversions: number, ci: [number, number] | null): MetricResult {
  return { type: 'conversion', users, conversions, rate: conversions / users, ci, ...COMPARISON };
}

const RESULTS: ExperimentResults = {
  experiment: 'checkout',
  computedAt: '2026-12-05T14:00:00.000Z',
  exposures: 60,
  eventsRead: 100,
  control: 'control',
  omnibus: {},
  srm: { chiSquare: 0, pValue: 1, ok: true },
  metrics: [
    { name: 'purchase', type: 'conversion', event: 'Order Completed' },
    { name: 'orders', type: 'count', event: 'Order Completed' },
  ],
  variants: [
    { id: 'one-page', users: 30, metrics: { purchase: rate(30, 10, [0.19, 0.51]) } },
    {
      id: 'control',
      users: 40,
      metrics: {
        purchase: rate(40, 8, [0.1, 0.35]),
        extra: { type: 'mean', n: 4, mean: 2, ci: null, ...COMPARISON },
      },
    },
  ],
};

describe('intervalRows', () => {
  it("puts the control first, with each arm's estimate and interval", () => {
    expect(intervalRows(RESULTS, 'purchase')).toEqual([
      { id: 'control', control: true, users: 40, estimate: 0.2, low: 0.1, high: 0.35 },
      { id: 'one-page', control: false, users: 30, estimate: 1 / 3, low: 0.19, high: 0.51 },
    ]);
  });

  it('leaves out arms without the metric and keeps a missing interval as null', () => {
    expect(intervalRows(RESULTS, 'extra')).toEqual([
      { id: 'control', control: true, users: 40, estimate: 2, low: null, high: null },
    ]);
  });
});

describe('metricNames', () => {
  it('lists the defined metrics that have results, then the others', () => {
    expect(metricNames(RESULTS)).toEqual(['purchase', 'extra']);
  });
});
