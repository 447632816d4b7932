import { describe, expect, it } from 'vitest';
import '../index.js'; // the trait kinds' modules load in the package's order
import { CALIBRATION_END, readCdnow, WEEK } from '../models/cdnow.fixture.js';
import { summarizeTransactions } from '../models/summarize-transactions.js';
import { parseComputed } from '../segments/parse-definition.js';
import type { AggregateState } from './aggregate-state.js';
import {
  CLV_FIT_PEOPLE,
  clvKind,
  fitClvModels,
  fitClvModelSteps,
  type ClvModels,
  type ClvValue,
} from './clv-trait.js';

describe('the clv trait’s model fit', () => {
  const customers = summarizeTransactions(readCdnow(), CALIBRATION_END, WEEK);
  const fitted = fitClvModels(customers);

  it('gives the published parameters on the CDNOW sample, people sharing a history counted once with a weight', () => {
    expect(fitted?.converged).toBe(true);
    expect(fitted?.bgnbd.r.toFixed(3)).toBe('0.243');
    expect(fitted?.bgnbd.alpha.toFixed(3)).toBe('4.414');
    expect(fitted?.bgnbd.a.toFixed(3)).toBe('0.793');
    expect(fitted?.bgnbd.b.toFixed(3)).toBe('2.426');
    expect(fitted?.gammaGamma.p.toFixed(2)).toBe('6.25');
    expect(fitted?.gammaGamma.q.toFixed(2)).toBe('3.74');
    expect(fitted?.gammaGamma.gamma.toFixed(2)).toBe('15.44');
  });

  it('yields between optimizer iterations, and a refit started from the last models lands on them again in fewer', () => {
    let slices = 0;
    const steps = fitClvModelSteps(customers);
    let next = steps.next();
    for (; next.done !== true; next = steps.next()) slices++;
    expect(next.value).toEqual(fitted);
    const moved = {
      ...fitted,
      bgnbd: { r: 0.3, alpha: 5, a: 0.7, b: 2.8 },
      gammaGamma: { p: 6, q: 4, gamma: 14 },
    } as ClvModels;
    let refitSlices = 0;
    const refit = fitClvModelSteps(customers, moved);
    let again = refit.next();
    for (; again.done !== true; again = refit.next()) refitSlices++;
    expect(refitSlices).toBeLessThan(slices / 2);
    for (const name of ['r', 'alpha', 'a', 'b'] as const)
      expect(again.value?.bgnbd[name]).toBeCloseTo(fitted?.bgnbd[name] ?? Number.NaN, 4);
    for (const name of ['p', 'q', 'gamma'] as const)
      expect(again.value?.gammaGamma[name]).toBeCloseTo(fitted?.gammaGamma[name] ?? Number.NaN, 3);
  });

  it('fits an evenly spaced sample of at most CLV_FIT_PEOPLE people, and nothing before anyone bought twice', () => {
    const many = Array.from(
      { length: 3 * CLV_FIT_PEOPLE },
      (_, i) => customers[i % customers.length],
    );
    const fit = fitClvModels(many.filter((c) => c !== undefined));
    // The same people three times over: a sample of a third of them is the population itself.
    expect(fit?.bgnbd.r).toBeCloseTo(fitted?.bgnbd.r ?? Number.NaN, 2);
    expect(fitClvModels(customers.map((c) => ({ ...c, x: 0, tx: 0, meanSpend: 0 })))).toBeNull();
  });
});

describe('the clv trait’s value', () => {
  const parsed = parseComputed('clv("Order Completed".revenue, 52w)');
  if (!parsed.ok || parsed.value.type !== 'clv') throw new Error('clv did not parse');
  const node = parsed.value;
  const DAY = 86_400_000;
  const today = 20_000; // a day number
  const now = today * DAY + 3_600_000;
  const firstTimer: AggregateState = { kind: 'days', days: [[today - 70, 40]] };
  const regular: AggregateState = {
    kind: 'days',
    days: [
      [today - 70, 40],
      [today - 35, 20],
      [today - 14, 30],
    ],
  };
  const population = (gammaGamma: ClvModels['gammaGamma']) => ({
    cuts: { bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, gammaGamma, converged: true },
    people: 3,
    computedAt: now,
  });
  const valueOf = (state: AggregateState, gammaGamma: ClvModels['gammaGamma']) =>
    clvKind.value(state, node, now, population(gammaGamma)) as ClvValue;

  it('is closed-form given the models: (γ + m x) p / (p x + q − 1) for the spend', () => {
    const v = valueOf(regular, { p: 6.25, q: 3.74, gamma: 15.44 });
    expect(v).toMatchObject({ purchases: 3, x: 2, tx: 8, T: 10, meanSpend: 25 });
    expect(v.expectedSpend).toBeCloseTo(((15.44 + 25 * 2) * 6.25) / (6.25 * 2 + 3.74 - 1), 3);
    expect(v.value).toBeCloseTo((v.expectedPurchases ?? Number.NaN) * (v.expectedSpend ?? 0), 2);
    // x = 0: the population mean γp/(q−1).
    expect(valueOf(firstTimer, { p: 6.25, q: 3.74, gamma: 15.44 }).expectedSpend).toBeCloseTo(
      (15.44 * 6.25) / 2.74,
      3,
    );
  });

  it('has no spend or value, rather than a negative or infinite one, where a fit with q <= 1 has no population mean', () => {
    for (const q of [0.8, 1]) {
      const first = valueOf(firstTimer, { p: 2, q, gamma: 10 });
      expect(first.expectedSpend).toBeNull();
      expect(first.value).toBeNull();
      // What BG/NBD predicts does not rest on the spend model.
      expect(first.expectedPurchases).toBeGreaterThan(0);
      expect(first.pAlive).toBe(1);
      // A person with repeat purchases still has their own weighted mean.
      const repeat = valueOf(regular, { p: 2, q, gamma: 10 });
      expect(repeat.expectedSpend).toBeCloseTo(((10 + 25 * 2) * 2) / (2 * 2 + q - 1), 3);
      expect(repeat.value).toBeGreaterThan(0);
    }
  });
});
