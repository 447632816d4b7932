import { afterEach, describe, expect, it } from 'vitest';
import { scorePerson, type ModelScore, type TimedEvent } from '@tailor/core';
import { runJob } from '../src/jobs/job.js';
import { timedEvent } from '../src/models/model-training.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * Computed traits as model features (docs/models.md): training reads each as it was at the
 * cutoff, folded from the log up to it by the pipeline's own code, and scoring reads the live
 * value. The live values are taken from the real pipeline with the clock at the cutoff and only
 * the events up to it collected; then the month after the cutoff is collected (events that move
 * every trait), and training must still read exactly the values the pipeline had at the cutoff.
 */
let t: TestTailor | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const DAY = 86_400_000;
const CUTOFF = Date.UTC(2026, 9, 1, 12);
const at = (ms: number) => new Date(ms).toISOString();
const track = (userId: string, event: string, time: number, properties = {}) => ({
  type: 'track',
  event,
  userId,
  properties,
  timestamp: at(time),
});
const PEOPLE = 120;

/** Up to the cutoff: page views and, for a third, orders of varying size and age. */
function before(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const user = `u${i}`;
    for (let v = 0; v <= i % 5; v++)
      events.push(track(user, 'Page Viewed', CUTOFF - (2 + v * 4 + (i % 7)) * DAY));
    if (i % 3 === 0)
      for (let o = 0; o <= i % 4; o++)
        events.push(
          track(user, 'Order Completed', CUTOFF - (5 + 9 * o + (i % 11)) * DAY, {
            revenue: 10 + i,
          }),
        );
  }
  // One order at the cutoff itself: read (features take events at or before it).
  events.push(track('u1', 'Order Completed', CUTOFF, { revenue: 5 }));
  return events;
}

/** After the cutoff: every other person orders and browses; the latest event is 30 days on. */
function after(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < PEOPLE; i += 2) {
    const user = `u${i}`;
    events.push(track(user, 'Order Completed', CUTOFF + 1, { revenue: 500 }));
    events.push(track(user, 'Order Completed', CUTOFF + 5 * DAY, { revenue: 50 }));
    events.push(track(user, 'Page Viewed', CUTOFF + 3 * DAY));
  }
  events.push(track('late', 'Page Viewed', CUTOFF + 30 * DAY));
  return events;
}

const TRAITS = {
  orders_30d: 'count("Order Completed", 30d)',
  spend: 'sum("Order Completed".revenue)',
  quiet: 'days_since("Page Viewed")',
  rfm: 'rfm("Order Completed".revenue, 365d)',
};

describe('computed traits as model features', () => {
  it('trains on each trait as the pipeline had it at the cutoff, and scores with the live value', async () => {
    let clock = CUTOFF;
    const tailor = (t = await startTestTailor(
      { models: { registryCheckSeconds: 0 } },
      () => clock,
    ));
    for (const [name, definition] of Object.entries(TRAITS)) {
      const put = await tailor.admin('PUT', `/v1/computed-traits/${name}`, { definition });
      expect(put.statusCode, put.body).toBe(200);
    }
    const model = {
      type: 'propensity',
      label: { event: 'Order Completed', days: 30 },
      features: { computed: Object.keys(TRAITS) },
    };
    const unknown = await tailor.admin('PUT', '/v1/models/buy', {
      ...model,
      features: { computed: ['orders_30d', 'nope'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ message: string }>().message).toContain('no computed trait named nope');
    expect((await tailor.admin('PUT', '/v1/models/buy', model)).statusCode).toBe(200);

    // The live values at the cutoff: the pipeline folds the log cut there, with its clock there.
    await tailor.collect(before());
    await tailor.tailor.pipeline.catchUp();
    type Profile = {
      id: string;
      computed: Record<string, unknown>;
      scores: Record<string, ModelScore>;
    };
    const profile = async (user: string) =>
      (await tailor.admin('GET', `/v1/profiles?identifier=userId:${user}`)).json<Profile>();
    const atCutoff = new Map<string, Profile>();
    for (let i = 0; i < PEOPLE; i++) atCutoff.set(`u${i}`, await profile(`u${i}`));
    const rfmAtCutoff = atCutoff.get('u0')?.computed['rfm'] as { r: number | null };
    expect(rfmAtCutoff.r).not.toBeNull(); // the population was scored at the cutoff

    // The month after: orders and views that move every trait of half the people.
    clock = CUTOFF + 30 * DAY;
    await tailor.collect(after());
    await tailor.tailor.pipeline.catchUp();
    const job = await tailor.tailor.models.trainingJob('buy');
    await runJob(job);
    const table = job.features;
    expect(table).toBeDefined();
    expect(table?.columns).toEqual(
      expect.arrayContaining([
        'computed:orders_30d',
        'computed:spend',
        'computed:quiet',
        'computed:rfm.recency',
        'computed:rfm.r',
        'computed:rfm.score',
      ]),
    );
    expect(table?.rows).toHaveLength(PEOPLE);
    let moved = 0;
    for (let i = 0; i < PEOPLE; i++) {
      const live = atCutoff.get(`u${i}`);
      const row = table?.rows.find((r) => r.id === `p:${live?.id ?? ''}`);
      expect(row, `u${i}`).toBeDefined();
      const computed = live?.computed ?? {};
      // A trait no event has fed holds no value on the profile: its value over no events.
      const expected: Record<string, unknown> = {
        'computed:orders_30d': computed['orders_30d'] ?? 0,
        'computed:spend': computed['spend'] ?? 0,
        'computed:quiet': computed['quiet'] ?? null,
      };
      const rfm = computed['rfm'] as Record<string, unknown> | null;
      for (const field of ['recency', 'frequency', 'monetary', 'r', 'f', 'm', 'score'])
        expected[`computed:rfm.${field}`] = rfm === null ? null : rfm[field];
      for (const [feature, value] of Object.entries(expected))
        expect(row?.features[feature], `u${i} ${feature}`).toEqual(value);
      // The label reads after the cutoff: every other person ordered then.
      expect(row?.label).toBe(i % 2 === 0 ? 1 : 0);
      // Nothing after the cutoff leaked: the live values now differ for those who ordered.
      const now = await profile(`u${i}`);
      if (JSON.stringify(now.computed) !== JSON.stringify(computed)) moved++;
    }
    expect(moved).toBeGreaterThanOrEqual(PEOPLE / 2);

    // Scoring reads the live values: the profile's score is the version's score of its events
    // with the computed traits as they are now, not as training saw them (these four have every
    // trait on their profile by now).
    const trained = await tailor.admin('POST', '/v1/models/buy/train?wait=true');
    expect(trained.statusCode, trained.body).toBe(200);
    await tailor.collect([]); // the upkeep scores everyone
    const version = await tailor.tailor.models.promotedVersion('buy');
    expect(version?.computedTraits).toEqual(Object.keys(TRAITS));
    if (version === undefined) throw new Error('no promoted version');
    const scoring = {
      version: version.version,
      classifier: version.classifier,
      countedEvents: version.countedEvents,
      horizonDays: 365,
      computedTraits: version.computedTraits,
    };
    let differs = 0;
    for (const user of ['u0', 'u2', 'u3', 'u6']) {
      const person = await profile(user);
      const events = (await tailor.eventsOf(user))
        .map(timedEvent)
        .filter((e): e is TimedEvent => e !== undefined);
      const live = scorePerson(scoring, events, clock, person.computed);
      const stale = scorePerson(scoring, events, clock, atCutoff.get(user)?.computed);
      expect(person.scores['buy']?.score, user).toBeCloseTo(live?.score ?? Number.NaN, 12);
      if (Math.abs((live?.score ?? 0) - (stale?.score ?? 0)) > 1e-9) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });
});
