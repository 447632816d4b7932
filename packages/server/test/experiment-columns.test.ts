import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { seededRandom } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeResults, exposureQuery } from '../src/experiments/compute-results.js';
import { PROJECTION_FILE } from '../src/reports/projection/open-report-projection.js';
import type { StoredExperiment } from '../src/store/state-store.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Experiment results read from the reports projection's columns (docs/experiments.md) against
 * the pass over the whole log (computeResults): the same answer, field for field, for an A/B/n
 * and a factorial experiment over generated people: a third assigned anonymously who log in
 * later (events carrying both ids, events under the userId only), repeated and conflicting
 * exposures, metric events before the exposure (CUPED's pre-period) and logged before it though
 * later in time, events past `stop`; then after a merge, a refusal of analytics and an erasure
 * made once the events were projected, with events the pipeline has not folded yet, after a
 * mean metric is added to an experiment whose events were logged long before (its values read in
 * the background meanwhile), and after reopening.
 */
const BASE = Date.UTC(2026, 10, 1, 9);
const HOUR = 3_600_000;
const NOW = BASE + 2000 * HOUR;
const at = (hours: number) => new Date(BASE + hours * HOUR).toISOString();

const ABN = {
  variants: [{ id: 'control' }, { id: 'one-page', weight: 2 }, { id: 'two-page' }],
  start: at(200),
  stop: at(1500),
  cupedDays: 7,
  metrics: [
    { name: 'purchase', type: 'conversion', event: 'Order Completed', within: '7d' },
    { name: 'orders', type: 'count', event: 'Order Completed' },
    { name: 'aov', type: 'mean', event: 'Order Completed', property: 'revenue' },
    { name: 'signup', type: 'conversion', event: 'Signed Up' },
  ],
};
const HERO = {
  factors: [
    { name: 'headline', levels: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
    { name: 'image', levels: [{ id: 'a' }, { id: 'b' }] },
    { name: 'cta', levels: [{ id: 'buy', weight: 3 }, { id: 'try' }] },
  ],
  metrics: [
    { name: 'signup', type: 'conversion', event: 'Signed Up' },
    { name: 'spend', type: 'mean', event: 'Order Completed', property: 'properties.revenue' },
  ],
};
const CELLS = ['a', 'b', 'c'].flatMap((h) =>
  ['a', 'b'].flatMap((i) => ['buy', 'try'].map((c) => `headline=${h}|image=${i}|cta=${c}`)),
);

let t: TestTailor;

async function stored(name: string): Promise<StoredExperiment> {
  const e = await t.tailor.experiments.get(name);
  if (e === undefined) throw new Error(`no experiment ${name}`);
  return e;
}

/** GET results (through the projection) equals the pass over the log, but for how it was read. */
async function expectSameResults(name: string): Promise<Record<string, unknown>> {
  const res = await t.admin('GET', `/v1/experiments/${name}/results`);
  expect(res.statusCode).toBe(200);
  const served = res.json<Record<string, unknown>>();
  const log = await computeResults(t.tailor.log, await stored(name), NOW);
  expect(served.source).toBe('projection');
  expect(log.source).toBe('log');
  const strip = (results: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(results).filter(([k]) => !['source', 'eventsRead', 'computedAt'].includes(k)),
    );
  expect(strip(served)).toEqual(strip(JSON.parse(JSON.stringify(log)) as Record<string, unknown>));
  return served;
}

function generate(): Record<string, unknown>[] {
  const next = seededRandom(26);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const batch: Record<string, unknown>[] = [];
  for (let p = 0; p < 240; p++) {
    const anonymous = p % 3 === 0;
    const user = { userId: `user-${p}` };
    const anon = { anonymousId: `anon-${p}` };
    const first = anonymous ? anon : user;
    let hours = 100 + Math.floor(next() * 1300);
    // Before the exposure: CUPED's pre-period (and before it).
    if (next() < 0.4)
      batch.push({
        type: 'track',
        ...first,
        event: 'Order Completed',
        properties: { revenue: 10 + Math.floor(next() * 50) },
        timestamp: at(hours - Math.floor(next() * 300)),
      });
    const exposures = 1 + Math.floor(next() * 3);
    for (let e = 0; e < exposures; e++) {
      // A later exposure may name another variant, or one the experiment does not have.
      const variant = e === 0 || next() < 0.7 ? pick(ABN.variants).id : pick(['other', 'control']);
      batch.push({
        type: 'track',
        ...first,
        event: 'Experiment Viewed',
        properties: { experiment: 'abn', variant },
        timestamp: at(hours + e),
      });
      if (next() < 0.8)
        batch.push({
          type: 'track',
          ...first,
          event: 'Experiment Viewed',
          properties: { experiment: 'hero', variant: pick(CELLS) },
          timestamp: at(hours + e),
        });
    }
    const events = Math.floor(next() * 6);
    for (let e = 0; e < events; e++) {
      hours += Math.floor(next() * 120);
      // The anonymous ones log in half way: events then carry both ids, or the userId only.
      const who = !anonymous
        ? user
        : e < events / 2
          ? anon
          : next() < 0.5
            ? { ...user, ...anon }
            : user;
      if (anonymous && e === Math.ceil(events / 2))
        batch.push({ type: 'identify', ...user, ...anon, timestamp: at(hours) });
      const name = pick(['Order Completed', 'Order Completed', 'Signed Up', 'Page Read']);
      const properties =
        name === 'Order Completed'
          ? next() < 0.1
            ? { revenue: 'n/a' }
            : { revenue: 5 + Math.floor(next() * 100), discount: Math.floor(next() * 10) }
          : {};
      batch.push({ type: 'track', ...who, event: name, properties, timestamp: at(hours) });
    }
  }
  return batch;
}

beforeAll(async () => {
  t = await startTestTailor({}, () => NOW);
  expect((await t.admin('PUT', '/v1/experiments/abn', ABN)).statusCode).toBe(200);
  expect((await t.admin('PUT', '/v1/experiments/hero', HERO)).statusCode).toBe(200);
  const batch = generate();
  // Sent out of time order: some orders are logged before the exposure they follow in time.
  const half = Math.floor(batch.length / 2);
  await t.collect(batch.slice(half).reverse());
  await t.collect(batch.slice(0, half));
});
afterAll(async () => {
  await t.close();
});

describe('experiment results from the reports projection', () => {
  it('answers an A/B/n and a factorial experiment as the pass over the log does', async () => {
    const abn = await expectSameResults('abn');
    expect(abn.exposures).toBeGreaterThan(240);
    const hero = await expectSameResults('hero');
    expect(hero.factorial).toBeDefined();
  });

  it('counts events the pipeline has not folded yet, read from the log', async () => {
    // Appended to the log without folding them.
    const timestamp = at(1400);
    await t.tailor.log.append(
      ['user-1', 'user-2', 'late-9'].flatMap((userId, i) => [
        {
          type: 'track' as const,
          messageId: `late-exposure-${i}`,
          event: 'Experiment Viewed',
          userId,
          anonymousId: null,
          timestamp,
          receivedAt: timestamp,
          properties: { experiment: 'abn', variant: 'two-page' },
          context: {},
          tailor: { source: 'test' },
        },
        {
          type: 'track' as const,
          messageId: `late-order-${i}`,
          event: 'Order Completed',
          userId,
          anonymousId: null,
          timestamp: at(1401),
          receivedAt: timestamp,
          properties: { revenue: 77 },
          context: {},
          tailor: { source: 'test' },
        },
      ]),
    );
    const served = await expectSameResults('abn');
    expect(served.eventsRead).toBeGreaterThanOrEqual(6);
    await t.collect([]);
    await expectSameResults('abn');
  });

  it('follows a merge, a refusal of analytics and an erasure', async () => {
    // An anonymous visitor assigned, then linked to a user who orders.
    await t.collect([
      {
        type: 'track',
        event: 'Experiment Viewed',
        anonymousId: 'visitor-1',
        properties: { experiment: 'abn', variant: 'control' },
        timestamp: at(300),
      },
      { type: 'identify', userId: 'user-4', anonymousId: 'visitor-1', timestamp: at(301) },
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'user-4',
        anonymousId: 'visitor-1',
        properties: { revenue: 40 },
        timestamp: at(302),
      },
    ]);
    await expectSameResults('abn');
    const profile = (await t.admin('GET', '/v1/profiles?identifier=userId:user-5')).json<{
      id: string;
    }>();
    expect(
      (
        await t.admin('PUT', `/v1/profiles/${profile.id}/consent`, {
          purposes: { analytics: false },
        })
      ).statusCode,
    ).toBe(200);
    await t.collect([
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'user-5',
        properties: { revenue: 3 },
        timestamp: at(1300),
      },
    ]);
    await expectSameResults('abn');
    const before = await expectSameResults('hero');
    expect(
      (await t.admin('POST', '/v1/privacy/erase', { identifier: 'userId:user-6' })).statusCode,
    ).toBe(202);
    await t.collect([]);
    const after = await expectSameResults('hero');
    expect(after.exposures).toBeLessThan(before.exposures as number);
    await expectSameResults('abn');
  });

  it('reads a new mean metric’s values from the log in the background, the log meanwhile', async () => {
    const body = {
      ...ABN,
      metrics: [
        ...ABN.metrics,
        { name: 'discount', type: 'mean', event: 'Order Completed', property: 'discount' },
      ],
    };
    const projection = t.tailor.projection;
    if (projection === undefined) throw new Error('no projection');
    // Not ready at first when asked to read nothing before answering: the caller reads the log.
    const query = exposureQuery({ ...(await stored('abn')), ...body } as StoredExperiment);
    expect(await projection.experimentColumns(query, 0)).toBeUndefined();
    for (let i = 0; i < 100 && (await projection.experimentColumns(query, 0)) === undefined; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await projection.experimentColumns(query, 0)).toBeDefined();
    expect((await t.admin('PUT', '/v1/experiments/abn', body)).statusCode).toBe(200);
    await expectSameResults('abn');
  });

  it('keeps its columns when reopened', async () => {
    const before = await expectSameResults('hero');
    await t.shut();
    await t.reopen();
    const after = await expectSameResults('hero');
    expect(after.variants).toEqual(before.variants);
    await expectSameResults('abn');
  });

  it('projects a file made before the people’s keys again from the log', async () => {
    const before = await expectSameResults('abn');
    await t.shut();
    // The file as the previous version left it: every event projected, no keys, no exposures.
    const instance = await DuckDBInstance.create(join(t.dir, PROJECTION_FILE));
    const db = await instance.connect();
    await db.run(
      'DROP TABLE exposures; ALTER TABLE events DROP COLUMN other; ALTER TABLE events DROP COLUMN key',
    );
    db.closeSync();
    instance.closeSync();
    await t.reopen();
    const after = await expectSameResults('abn');
    expect(after.variants).toEqual(before.variants);
  });
});
