import { describe, expect, it } from 'vitest';
import '../index.js'; // the trait kinds' modules load in the package's order
import { CALIBRATION_END, readCdnow, WEEK } from '../models/cdnow.fixture.js';
import { summarizeTransactions } from '../models/summarize-transactions.js';
import { CLV_FIT_PEOPLE, fitClvModels, fitClvModelSteps, type ClvModels } from './clv-trait.js';

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
