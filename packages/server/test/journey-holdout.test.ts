import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { heldOut } from '../src/journeys/journey-definition.js';
import { journeyUplift } from '../src/journeys/journey-uplift.js';
import type { JourneyBody } from '../src/journeys/journey.schema.js';
import { journeyHarness, type JourneyHarness } from './support/journey-harness.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The recorded case: SciPy's statistics for the counts the scenario below makes. */
interface Reference {
  treated: { people: number; converted: number };
  holdout: { people: number; converted: number };
  rates: Record<'treated' | 'holdout', { rate: number; ci: [number, number] }>;
  pValue: number;
  uplift: { value: number; ci: [number, number] };
  srmPValue: number;
}
const reference = JSON.parse(
  readFileSync(new URL('./fixtures/journey-holdout/reference.json', import.meta.url), 'utf8'),
) as Reference;

const BODY: JourneyBody = {
  entry: { event: 'Signed Up' },
  goal: { event: 'Order Completed' },
  holdout: { percent: 20, window: '7d' },
  steps: [{ email: { subject: 'Welcome', html: '<p>Hi</p>' } }],
};

/**
 * A journey-level holdout over both stores: held-out people (a hash of the journey and the
 * person) get no step, and the stats compare the goal's conversion within the window in both
 * groups with the experiment statistics, checked against SciPy on a recorded case.
 */
describe.each(['sqlite', 'postgres'] as const)('journey holdout on %s', (backend) => {
  let h: JourneyHarness;
  beforeEach(async () => {
    h = await journeyHarness(backend);
  });
  afterEach(() => h.close());

  it('holds out a fifth of the people, sends them nothing, and measures the uplift of the goal as SciPy does', async () => {
    const recorded: string[] = [];
    const { runner, store } = await h.open({
      recordGroup: (journey, person, group) => {
        recorded.push(`${journey}:${person}:${group}`);
        return Promise.resolve();
      },
    });
    await runner.put('welcome', BODY);
    const start = h.clock.now;
    const people = Array.from({ length: 600 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    for (const [i, person] of people.entries()) {
      h.profiles.set(person, { traits: { email: `${person}@example.com` } });
      // One entry event before the other; a second entry changes neither group nor window.
      await runner.onEvent({ name: 'Signed Up', person, receivedAt: start + i * 1000 });
    }
    await runner.onEvent({ name: 'Signed Up', person: 'p000', receivedAt: start + DAY });
    h.clock.now = start + HOUR;
    await runner.tick(1000);
    await expect
      .poll(() => h.smtp.received.length, { timeout: 20_000 })
      .toBe(people.filter((p) => !heldOut('welcome', p, 0.2)).length);
    // Nobody held out was sent anything; each group recorded once.
    const held = people.filter((p) => heldOut('welcome', p, 0.2));
    expect(h.smtp.received.some((m) => held.some((p) => m.to === `${p}@example.com`))).toBe(false);
    expect(recorded).toHaveLength(600);
    expect(recorded.filter((r) => r.endsWith(':holdout'))).toHaveLength(held.length);
    // The dry run says who is held out; the others' walk is as before.
    expect(await runner.dryRun('welcome', held[0] ?? '')).toEqual({ steps: [], end: 'held-out' });
    const treatedOne = people.find((p) => !heldOut('welcome', p, 0.2)) ?? '';
    expect((await runner.dryRun('welcome', treatedOne))?.steps.map((s) => s.kind)).toEqual([
      'email',
    ]);
    // Orders: treated people convert more often (every 3rd) than held-out ones (every 5th), within 7 days.
    for (const [i, person] of people.entries()) {
      const converts = heldOut('welcome', person, 0.2) ? i % 5 === 0 : i % 3 === 0;
      if (converts)
        await runner.onEvent({ name: 'Order Completed', person, receivedAt: start + 2 * DAY });
    }
    // Too late (after the window) or twice: not counted.
    for (const [i, person] of people.entries())
      if (i % 7 === 1)
        await runner.onEvent({ name: 'Order Completed', person, receivedAt: start + 8 * DAY });
    await runner.onEvent({ name: 'Order Completed', person: 'p000', receivedAt: start + 3 * DAY });
    const uplift = await journeyUplift(store, 'welcome', BODY, { percent: 20, window: '7d' });
    expect({ treated: uplift.treated, holdout: uplift.holdout }).toEqual({
      treated: reference.treated,
      holdout: reference.holdout,
    });
    const result = uplift.result;
    if (result === null) throw new Error('no result');
    expect(result.control).toBe('holdout');
    const metric = (id: string) => {
      const m = result.variants.find((v) => v.id === id)?.metrics['goal'];
      if (m?.type !== 'conversion') throw new Error(`no conversion metric for ${id}`);
      return m;
    };
    for (const id of ['treated', 'holdout'] as const) {
      expect(metric(id).rate).toBeCloseTo(reference.rates[id].rate, 12);
      expect(metric(id).ci?.[0]).toBeCloseTo(reference.rates[id].ci[0], 9);
      expect(metric(id).ci?.[1]).toBeCloseTo(reference.rates[id].ci[1], 9);
    }
    expect(metric('treated').pValue).toBeCloseTo(reference.pValue, 9);
    expect(metric('treated').uplift?.value).toBeCloseTo(reference.uplift.value, 9);
    expect(metric('treated').uplift?.ci?.[0]).toBeCloseTo(reference.uplift.ci[0], 9);
    expect(metric('treated').uplift?.ci?.[1]).toBeCloseTo(reference.uplift.ci[1], 9);
    expect(result.srm.pValue).toBeCloseTo(reference.srmPValue, 9);
  });
});

describe('journey holdout in a Tailor', () => {
  let t: TestTailor | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('records each group as an exposure and answers the uplift in the stats', async () => {
    const tt = await startTestTailor({ logLevel: 'silent' });
    t = tt;
    const noGoal = await tt.admin('PUT', '/v1/journeys/bad', {
      ...BODY,
      goal: undefined,
    });
    expect(noGoal.statusCode).toBe(400);
    expect(noGoal.json<{ message: string }>().message).toMatch(/holdout.*goal/);
    expect((await tt.admin('PUT', '/v1/journeys/welcome', { ...BODY })).statusCode).toBe(200);
    const users = Array.from({ length: 20 }, (_, i) => `u${String(i)}`);
    await tt.collect(users.map((userId) => ({ type: 'track', userId, event: 'Signed Up' })));
    await tt.tailor.journeys.work();
    await tt.collect(
      users.slice(0, 10).map((userId) => ({ type: 'track', userId, event: 'Order Completed' })),
    );
    await tt.tailor.journeys.work();
    const stats = (await tt.admin('GET', '/v1/journeys/welcome/stats')).json<{
      holdout: {
        percent: number;
        window: string;
        treated: { people: number; converted: number };
        holdout: { people: number; converted: number };
        result: { control: string } | null;
      };
    }>();
    const people = await Promise.all(
      users.map(
        async (u) =>
          (await tt.admin('GET', `/v1/profiles?identifier=userId:${u}`)).json<{
            id: string;
          }>().id,
      ),
    );
    const held = people.filter((id) => heldOut('welcome', id, 0.2));
    expect(stats.holdout).toMatchObject({
      percent: 20,
      window: '7d',
      treated: { people: 20 - held.length },
      holdout: { people: held.length },
    });
    expect(stats.holdout.treated.converted + stats.holdout.holdout.converted).toBe(10);
    const exposure = (await tt.eventsOf('u0')).find((e) => e.event === 'Experiment Viewed');
    expect(exposure?.properties).toEqual({
      experiment: 'journey:welcome',
      variant: heldOut('welcome', people[0] ?? '', 0.2) ? 'holdout' : 'treated',
      journey: 'welcome',
    });
    // The route's answer is what the schema in /openapi.json says.
    const openapi = (await tt.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(JSON.stringify(openapi.paths['/v1/journeys/{name}/stats'])).toContain('holdout');
  });
});
