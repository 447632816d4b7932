import type { MetricResult } from '@tailor/core';
import { describe, expect, it } from 'vitest';
import type { ExperimentResults } from './compute-results.js';
import { formatResultsTable } from './format-results-table.js';

const conversion = (users: number, conversions: number, uplift: number | null): MetricResult =>
  ({
    type: 'conversion',
    users,
    conversions,
    rate: conversions / users,
    ci: [0.1, 0.2],
    uplift: uplift === null ? null : { value: uplift, ci: [uplift - 0.1, uplift + 0.1] },
    pValue: uplift === null ? null : 0.03,
    chanceToBeatControl: uplift === null ? null : 0.98,
    cuped: null,
  }) as unknown as MetricResult;

const results: ExperimentResults = {
  experiment: 'hero',
  computedAt: '2026-01-01T00:00:00.000Z',
  control: 'control',
  omnibus: {
    signup: { test: 'chi-square', statistic: 8.33, df: 1, df2: null, pValue: 0.0039, arms: 2 },
  },
  variants: [
    { id: 'control', users: 200, metrics: { signup: conversion(200, 25, null) } },
    { id: 'treatment', users: 200, metrics: { signup: conversion(200, 50, 1) } },
  ],
  srm: { chiSquare: 0, pValue: 1, ok: true },
  metrics: [{ name: 'signup', type: 'conversion', event: 'Signed Up' }],
  exposures: 400,
  eventsRead: 500,
} as unknown as ExperimentResults;

describe('formatResultsTable', () => {
  it('names the control variant once, quoted, even when it is called "control"', () => {
    const text = formatResultsTable(results);
    const [first] = text.split('\n');
    expect(first).toBe(
      'hero: 400 people assigned, 400 exposures; uplifts against "control"; sample ratio p = 1.00 (ok)',
    );
    expect(text).not.toMatch(/control control/);
    expect(text).toMatch(
      /^all 2 arms: chi-square 8\.33 on 1 df, p 0\.0039; then each arm against the control$/m,
    );
    expect(text.indexOf('all 2 arms')).toBeLessThan(text.indexOf('treatment '));
    expect(text).toMatch(
      /^variant +n +rate +95% CI +uplift \[95% CI\] +p-value +P\(beats control\) +CUPED uplift$/m,
    );
    expect(text).toMatch(/^control +200 +12\.50% +\[10\.00%, 20\.00%\] +- +- +- +-$/m);
    expect(text).toMatch(
      /^treatment +200 +25\.00% .*\+100\.0% \[\+90\.0%, \+110\.0%\] +0\.0300 +98\.0% +-$/m,
    );
  });
});
