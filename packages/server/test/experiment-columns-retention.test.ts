import { afterAll, describe, expect, it } from 'vitest';
import { computeResults } from '../src/experiments/compute-results.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Experiment results from the reports projection against the pass over the log when a metric
 * reads decision records (`Decision Made`), which the log deletes after
 * decide.recordRetentionDays: the projection deletes the same rows, so both still agree.
 */
const DAY = 86_400_000;
let clock = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();
let t: TestTailor;

afterAll(async () => {
  await t.close();
});

async function decide(userId: string): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { authorization: t.writeAuth },
    payload: { userId, placements: ['hero'] },
  });
  expect(res.statusCode).toBe(200);
}

/** Served (from the projection) and computed from the log: equal but for how they were read. */
async function expectSameResults(): Promise<{ n: number[]; rates: number[] }> {
  const res = await t.admin('GET', '/v1/experiments/shown/results');
  expect(res.statusCode).toBe(200);
  const served = res.json<Record<string, unknown>>();
  expect(served.source).toBe('projection');
  const stored = await t.tailor.experiments.get('shown');
  if (stored === undefined) throw new Error('no experiment');
  const log = JSON.parse(JSON.stringify(await computeResults(t.tailor.log, stored, clock))) as {
    variants: { metrics: { shown: { mean: number }; any: { rate: number } } }[];
  };
  const strip = (results: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(results).filter(([k]) => !['source', 'eventsRead', 'computedAt'].includes(k)),
    );
  expect(strip(served)).toEqual(strip(log as unknown as Record<string, unknown>));
  return {
    n: log.variants.map((v) => v.metrics.shown.mean),
    rates: log.variants.map((v) => v.metrics.any.rate),
  };
}

describe('experiment results and the decision records’ retention', () => {
  it('drop the records the log deletes, as the pass over the log does', async () => {
    t = await startTestTailor({ decide: { recordRetentionDays: 30 } }, () => clock);
    const placement = await t.admin('PUT', '/v1/placements/hero', {
      items: [{ id: 'a', priority: 1, template: 'A' }],
      default: { id: 'd', template: 'D' },
    });
    expect(placement.statusCode).toBe(200);
    const experiment = await t.admin('PUT', '/v1/experiments/shown', {
      variants: [{ id: 'control' }, { id: 'treated' }],
      cupedDays: 0,
      metrics: [
        { name: 'shown', type: 'count', event: 'Decision Made' },
        { name: 'any', type: 'conversion', event: 'Decision Made' },
      ],
    });
    expect(experiment.statusCode).toBe(200);
    const people = Array.from({ length: 12 }, (_, i) => `u${i}`);
    await t.collect(
      people.map((userId, i) => ({
        type: 'track',
        userId,
        event: 'Experiment Viewed',
        properties: { experiment: 'shown', variant: i % 2 === 0 ? 'control' : 'treated' },
        timestamp: iso(clock - 1000),
      })),
    );
    for (const userId of people) await decide(userId);
    await t.collect([]);
    const before = await expectSameResults();
    expect(before.rates).toEqual([1, 1]);

    clock += 31 * DAY;
    for (const userId of people.slice(0, 3)) await decide(userId);
    await t.collect([]);
    expect(await t.tailor.pruneDecisions()).toBe(people.length);
    const after = await expectSameResults();
    // u0 and u2 (control) and u1 (treated) keep their newer record only.
    expect(after.rates).toEqual([2 / 6, 1 / 6]);
    expect(after.n).toEqual([2 / 6, 1 / 6]);
  });
});
