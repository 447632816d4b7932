import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelScore } from '@tailor/core';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * KPIs with a registry model's mean score by segment and by experiment variant, over HTTP: 120
 * people (half engaged, a quarter on the pro plan (engaged ones), exposed to the experiment `hero` as a or b),
 * a propensity model trained from the log and scored onto every profile by the pipeline's upkeep.
 * Each row's mean equals a brute force over the scores read back from the profiles.
 */
const DAY = 86_400_000;
const clock = Date.UTC(2026, 10, 29, 12);
const at = (daysAgo: number) => new Date(clock - daysAgo * DAY).toISOString();
const track = (userId: string, event: string, daysAgo: number, properties = {}) => ({
  type: 'track',
  event,
  userId,
  properties,
  timestamp: at(daysAgo),
});
const PEOPLE = Array.from({ length: 120 }, (_, i) => `u${i}`);
const plan = (i: number) => (i % 4 === 0 ? 'pro' : 'free'); // pro: engaged people only
const variant = (i: number) => (i % 4 < 2 ? 'a' : 'b');

let t: TestTailor;
beforeAll(async () => {
  t = await startTestTailor({ models: { registryCheckSeconds: 0 } }, () => clock);
  expect(
    (await t.admin('PUT', '/v1/segments/pro', { definition: 'traits.plan = "pro"' })).statusCode,
  ).toBe(200);
  const events: Record<string, unknown>[] = [];
  PEOPLE.forEach((user, i) => {
    const engaged = i % 2 === 0;
    events.push({ type: 'identify', userId: user, traits: { plan: plan(i) }, timestamp: at(59) });
    events.push(track(user, 'Experiment Viewed', 58, { experiment: 'hero', variant: variant(i) }));
    for (let v = 0; v < (engaged ? 8 : 1); v++) events.push(track(user, 'Page Viewed', 32 + v * 3));
    const k = Math.floor(i / 2) % 10;
    if (engaged ? k < 8 : k < 2) events.push(track(user, 'Order Completed', 10, { revenue: 20 }));
  });
  events.push(track('late', 'Page Viewed', 1));
  await t.collect(events);
  await t.admin('PUT', '/v1/models/buy', {
    type: 'propensity',
    label: { event: 'Order Completed', days: 30 },
  });
  const trained = await t.admin('POST', '/v1/models/buy/train?wait=true');
  expect(trained.statusCode, trained.body).toBe(200);
  await t.collect([]); // the upkeep scores everyone
}, 60_000);
afterAll(async () => {
  await t.close();
});

interface Row {
  group: string;
  models: Record<string, { mean: number | null; count: number }>;
}

async function kpis(by: object) {
  const res = await t.admin('POST', '/v1/reports/kpis', { by, models: ['buy', 'nothing'] });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ all: Row; groups: Row[] }>();
}

describe('KPIs: model scores by group', () => {
  it('reports each segment’s and variant’s mean score as the profiles give it', async () => {
    const scores = new Map<string, number>();
    for (const user of PEOPLE) {
      const profile = (await t.admin('GET', `/v1/profiles?identifier=userId:${user}`)).json<{
        scores: Record<string, ModelScore>;
      }>();
      const score = profile.scores.buy?.score;
      if (score !== undefined) scores.set(user, score);
    }
    expect(scores.size).toBe(PEOPLE.length);
    const mean = (users: string[]) =>
      users.reduce((s, u) => s + (scores.get(u) ?? 0), 0) / users.length;

    const bySegment = await kpis({ segments: true });
    const pro = PEOPLE.filter((_, i) => plan(i) === 'pro');
    const proRow = bySegment.groups.find((g) => g.group === 'pro');
    expect(proRow?.models.buy?.count).toBe(pro.length);
    expect(proRow?.models.buy?.mean).toBeCloseTo(mean(pro), 12);
    // A model nobody has: no mean.
    expect(proRow?.models.nothing).toEqual({ mean: null, count: 0 });
    // Everyone: the late visitor has a score too if the upkeep scored them; count what it did.
    expect(bySegment.all.models.buy?.count).toBeGreaterThanOrEqual(PEOPLE.length);

    const byVariant = await kpis({ experiment: 'hero' });
    expect(byVariant.groups.map((g) => g.group)).toEqual(['a', 'b']);
    for (const v of ['a', 'b']) {
      const members = PEOPLE.filter((_, i) => variant(i) === v);
      const row = byVariant.groups.find((g) => g.group === v);
      expect(row?.models.buy?.count).toBe(members.length);
      expect(row?.models.buy?.mean).toBeCloseTo(mean(members), 12);
    }
    // The engaged half scores higher, so the means differ from group to group.
    expect(mean(pro)).not.toBeCloseTo(mean(PEOPLE), 6);
  });

  it('leaves models out of the rows unless asked', async () => {
    const res = await t.admin('POST', '/v1/reports/kpis', {});
    expect(res.json<{ all: Record<string, unknown> }>().all.models).toBeUndefined();
  });
});
