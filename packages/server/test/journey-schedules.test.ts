import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JourneySchedule } from '../src/journeys/journey-definition.js';
import { nextRun, runSchedules } from '../src/journeys/journey-schedules.js';
import { journeyHarness, type JourneyHarness } from './support/journey-harness.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('nextRun', () => {
  const daily = (start?: number): JourneySchedule => ({ everyMs: DAY, start });
  const nine = Date.UTC(2026, 0, 5, 9);
  it.each([
    ['first run without a start: now', daily(), undefined, nine + 5, nine + 5],
    ['a start ahead: then', daily(nine), undefined, nine - 1, nine],
    [
      'a start behind: its latest slot',
      daily(nine),
      undefined,
      nine + 2 * DAY + HOUR,
      nine + 2 * DAY,
    ],
    ['after a run: the next slot', daily(nine), nine, nine + HOUR, nine + DAY],
    ['three runs missed: the latest only', daily(nine), nine, nine + 3 * DAY + 1, nine + 3 * DAY],
    ['no start: every day after the last', daily(), nine + 5, nine + DAY + 4, nine + DAY + 5],
    ['no start, due', daily(), nine + 5, nine + DAY + 5, nine + DAY + 5],
  ] as const)('%s', (_name, schedule, last, now, expected) => {
    expect(nextRun(schedule, last, now)).toBe(expected);
  });
});

/**
 * Scheduled entry (an audience snapshot) over both journey stores: the segment's members at each
 * run enter as the re-entry policy allows, a run resumes at its cursor after a restart, missed runs
 * are made once, and the clock is the test's.
 */
describe.each(['sqlite', 'postgres'] as const)('scheduled entry on %s', (backend) => {
  let h: JourneyHarness;
  const lapsed = new Set<string>();
  const members = (segment: string, after: string, limit: number) => {
    expect(segment).toBe('lapsed');
    const all = [...lapsed].sort().filter((id) => id > after);
    const profiles = all.slice(0, limit);
    return Promise.resolve({
      profiles,
      next: all.length > limit ? (profiles[profiles.length - 1] ?? null) : null,
    });
  };
  beforeEach(async () => {
    h = await journeyHarness(backend);
    lapsed.clear();
  });
  afterEach(() => h.close());

  it('enters the members at each run once a day, by the re-entry policy, resuming a run after a restart', async () => {
    h.clock.now = Date.UTC(2026, 0, 5, 12); // Monday noon; runs at 09:00
    const first = await h.open();
    await first.runner.put('win-back', {
      entry: { segment: 'lapsed', schedule: { every: '1d', start: '2026-01-05T09:00:00Z' } },
      reentry: { after: '2d' },
      steps: [{ wait: '1h' }, { email: { subject: 'We miss you', html: '<p>Come back</p>' } }],
    });
    for (const p of ['p1', 'p2', 'p3']) {
      lapsed.add(p);
      h.profiles.set(p, { traits: { email: `${p}@example.com` } });
    }
    const run = (runner = first.runner, store = first.store) =>
      runSchedules({ runner, store, members, now: () => h.clock.now, pageSize: 2 });
    // Today's 09:00 run, a page at a time; a restart between pages resumes it.
    expect(await run()).toBe(2);
    await first.store.close();
    const second = await h.open();
    expect(await run(second.runner, second.store)).toBe(1);
    expect(await run(second.runner, second.store)).toBe(0); // done until tomorrow
    // Timed from the run's moment: the wait of an hour fell due at 10:00.
    expect((await second.store.place('win-back', 'p3'))?.dueAt).toBe(Date.UTC(2026, 0, 5, 10));
    await second.runner.tick();
    await expect.poll(() => h.smtp.received.length).toBe(3);
    // Tuesday 09:00: p4 joined the segment, p1 left it; the others finished a day ago (cooldown 2d).
    lapsed.add('p4');
    lapsed.delete('p1');
    h.profiles.set('p4', { traits: { email: 'p4@example.com' } });
    h.clock.now = Date.UTC(2026, 0, 6, 8, 59);
    expect(await run(second.runner, second.store)).toBe(0);
    h.clock.now = Date.UTC(2026, 0, 6, 9, 0);
    expect(await run(second.runner, second.store)).toBe(2);
    expect(await run(second.runner, second.store)).toBe(1);
    expect((await second.store.stats('win-back'))['0']?.entered).toBe(4);
    // Down from Tuesday 09:00 to Friday noon: one run, Friday 09:00's. The cooldown has passed for
    // p2 and p3; p4 is still waiting from Tuesday's run (nobody is restarted while in it).
    h.clock.now = Date.UTC(2026, 0, 9, 12);
    while ((await run(second.runner, second.store)) > 0) {
      /* the run's pages */
    }
    expect((await second.store.place('win-back', 'p2'))?.dueAt).toBe(Date.UTC(2026, 0, 9, 10));
    expect((await second.store.place('win-back', 'p4'))?.dueAt).toBe(Date.UTC(2026, 0, 6, 10));
    expect((await second.store.stats('win-back'))['0']?.entered).toBe(6);
    await second.runner.tick();
    await expect.poll(() => h.smtp.received.length).toBe(6);
    const to = h.smtp.received.map((m) => m.to).sort();
    expect(to).toEqual(['p1', 'p2', 'p2', 'p3', 'p3', 'p4'].map((p) => `${p}@example.com`));
  });

  it('refuses a schedule it cannot keep, and a deleted journey forgets its runs', async () => {
    const { runner, store } = await h.open();
    const refused = async (schedule: object) =>
      runner.put('bad', { entry: { segment: 'lapsed', schedule } as never, steps: [] }).then(
        () => 'accepted',
        (error: unknown) => (error as Error).message,
      );
    expect(await refused({ every: '30s' })).toMatch(/at most once a minute/);
    expect(await refused({ every: '1d', start: 'tomorrow' })).toMatch(/not an ISO 8601 moment/);
    expect(await refused({ every: '1d', start: '2026-01-05T09:00:00' })).toMatch(/with its offset/);
    const body = {
      entry: { segment: 'lapsed', schedule: { every: '1d' } },
      steps: [{ wait: '1d' }],
    };
    await runner.put('daily', body);
    lapsed.add('p1');
    expect(await runSchedules({ runner, store, members, now: () => h.clock.now })).toBe(1);
    expect(await store.getPosition('schedule:daily')).toBeDefined();
    await store.deleteJourney('daily');
    expect(await store.getPosition('schedule:daily')).toBeUndefined();
    // A scheduled journey listens to no event: a client's event named like it enters no one.
    expect(runner.listensTo('')).toBe(false);
  });
});

describe('scheduled entry in a Tailor', () => {
  let t: TestTailor | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("enters a real segment's members on the journeys' turn, from a journey saved over HTTP", async () => {
    let clock = Date.UTC(2026, 11, 7, 12);
    const tt = await startTestTailor({ logLevel: 'silent' }, () => clock);
    t = tt;
    expect(
      (await tt.admin('PUT', '/v1/segments/lapsed', { definition: 'traits.status = "lapsed"' }))
        .statusCode,
    ).toBe(200);
    const put = await tt.admin('PUT', '/v1/journeys/win-back', {
      entry: { segment: 'lapsed', schedule: { every: '1w', start: '2026-12-07T09:00:00+01:00' } },
      steps: [{ traits: { win_back: 'sent' } }],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await tt.admin('GET', '/v1/journeys/win-back')).json()).toMatchObject({
      entry: { schedule: { every: '1w' } },
    });
    await tt.collect([
      { type: 'identify', userId: 'ann', traits: { status: 'lapsed' } },
      { type: 'identify', userId: 'bob', traits: { status: 'active' } },
    ]);
    await tt.tailor.journeys.work();
    await tt.collect([]);
    const traits = async (userId: string) =>
      (await tt.admin('GET', `/v1/profiles?identifier=userId:${userId}`)).json<{
        traits: Record<string, unknown>;
      }>().traits;
    expect((await traits('ann'))['win_back']).toBe('sent');
    expect((await traits('bob'))['win_back']).toBeUndefined();
    // Once (the default): next week's run does not enter her again.
    clock += 7 * DAY;
    await tt.tailor.journeys.work();
    const stats = (await tt.admin('GET', '/v1/journeys/win-back/stats')).json<{
      steps: Record<string, { entered: number }>;
    }>();
    expect(stats.steps['0']?.entered).toBe(1);
  });
});
