import { hashToUnit } from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journeyHarness, type JourneyHarness } from './support/journey-harness.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * Journey splits as `openTailor` wires them: an experiment split assigns as
 * POST /v1/experiments/NAME/assign does and records the exposure; a factor split reads a factorial
 * experiment's level. Each arm sets a trait, so the arm a person took is on their profile.
 */
describe('experiment splits wired into a Tailor', () => {
  let t: TestTailor | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** Runs the journeys until nobody moves (the follower reads what the pipeline folded). */
  async function settle(tt: TestTailor): Promise<void> {
    for (let turn = 0; turn < 10; turn++) {
      await tt.collect([]);
      if ((await tt.tailor.journeys.work()) === 0) return;
    }
  }

  it("sends each person down their variant's arm and their factor level's arm, with the exposures in their events", async () => {
    const tt = (t = await startTestTailor());
    const ab = await tt.admin('PUT', '/v1/experiments/subject', {
      variants: [{ id: 'control' }, { id: 'short' }],
    });
    expect(ab.statusCode, ab.body).toBe(200);
    const mvt = await tt.admin('PUT', '/v1/experiments/onboarding-grid', {
      factors: [
        { name: 'channel', levels: [{ id: 'email' }, { id: 'push' }] },
        { name: 'tone', levels: [{ id: 'warm' }, { id: 'plain' }] },
      ],
    });
    expect(mvt.statusCode, mvt.body).toBe(200);
    const put = await tt.admin('PUT', '/v1/journeys/welcome', {
      entry: { event: 'Signed Up' },
      steps: [
        {
          split: { experiment: 'subject' },
          arms: [
            { variant: 'control', steps: [{ traits: { subject_arm: 'control' } }] },
            { variant: 'short', steps: [{ traits: { subject_arm: 'short' } }] },
          ],
        },
        {
          split: { experiment: 'onboarding-grid', factor: 'tone' },
          arms: [
            { level: 'warm', steps: [{ traits: { tone_arm: 'warm' } }] },
            { level: 'plain', steps: [] }, // goes straight on
          ],
        },
        { traits: { finished: true } },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    // Tailor's own log position is set at the first start: the journeys follow from there.
    await tt.tailor.journeys.work();
    await tt.collect(users.map((userId) => ({ type: 'track', userId, event: 'Signed Up' })));
    await settle(tt);
    const arms = new Set<string>();
    for (const userId of users) {
      const assign = async (experiment: string) =>
        (await tt.post(`/v1/experiments/${experiment}/assign`, { userId })).json<{
          variant: string;
          factors?: Record<string, string>;
        }>();
      const variant = (await assign('subject')).variant;
      const tone = (await assign('onboarding-grid')).factors?.['tone'];
      const profile = (await tt.admin('GET', `/v1/profiles?identifier=userId:${userId}`)).json<{
        traits: Record<string, unknown>;
      }>();
      arms.add(variant);
      expect(profile.traits['subject_arm'], userId).toBe(variant);
      expect(profile.traits['tone_arm'], userId).toBe(tone === 'warm' ? 'warm' : undefined);
      expect(profile.traits['finished']).toBe(true);
      const exposures = (await tt.eventsOf(userId)).filter((e) => e.event === 'Experiment Viewed');
      expect(exposures.map((e) => e.properties?.['experiment']).sort()).toContain('subject');
      const grid = exposures.find((e) => e.properties?.['experiment'] === 'onboarding-grid');
      expect(grid?.properties?.['factors']).toMatchObject({ tone });
    }
    expect(arms).toEqual(new Set(['control', 'short'])); // twelve people fall on both sides
    const stats = (await tt.admin('GET', '/v1/journeys/welcome/stats')).json<{
      steps: Record<string, { entered: number }>;
    }>().steps;
    expect((stats['0.arm0.0']?.entered ?? 0) + (stats['0.arm1.0']?.entered ?? 0)).toBe(12);
  });

  it('refuses splits naming an unknown experiment, variant, factor or level, or arms that do not fit', async () => {
    const tt = (t = await startTestTailor());
    await tt.admin('PUT', '/v1/experiments/subject', { variants: [{ id: 'a' }, { id: 'b' }] });
    const refused = async (step: object, reason: RegExp) => {
      const res = await tt.admin('PUT', '/v1/journeys/bad', {
        entry: { event: 'E' },
        steps: [step],
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(reason);
    };
    await refused(
      { split: { experiment: 'nope' }, arms: [{ variant: 'a', steps: [] }] },
      /steps\.0\.split\.experiment: no experiment nope/,
    );
    await refused(
      { split: { experiment: 'subject' }, arms: [{ variant: 'c', steps: [] }] },
      /steps\.0\.arms\.0: no variant c in experiment subject \(a, b\)/,
    );
    await refused(
      { split: { experiment: 'subject', factor: 'tone' }, arms: [{ level: 'x', steps: [] }] },
      /steps\.0\.split\.factor: experiment subject has no factor tone/,
    );
    await refused(
      { split: { experiment: 'subject' }, arms: [{ weight: 1, steps: [] }] },
      /steps\.0\.arms\.0: an arm of an experiment split names its variant/,
    );
    await refused(
      { split: { random: true }, arms: [{ steps: [{ sms: 'hi' }] }] },
      /steps\.0\.arms\.0\.steps\.0/,
    );
    await refused(
      { split: { random: true }, arms: [{ steps: [{ wait: 'soon' }] }] },
      /steps\.0\.arm0\.0\.wait: "soon" is not a duration/,
    );
    await refused(
      {
        split: { experiment: 'subject' },
        arms: [
          { variant: 'a', steps: [] },
          { variant: 'a', steps: [] },
        ],
      },
      /each once/,
    );
  });
});

describe.each(['sqlite', 'postgres'] as const)('random splits on %s', (backend) => {
  let h: JourneyHarness;
  beforeEach(async () => {
    h = await journeyHarness(backend);
  });
  afterEach(() => h.close());

  it('splits by weight, sticky per person: the arm is the hash of the journey, step and person', async () => {
    const { runner, store } = await h.open();
    await runner.put('nudge', {
      entry: { event: 'Signed Up' },
      reentry: 'always',
      steps: [
        { wait: '1h' },
        {
          split: { random: true },
          arms: [
            { weight: 80, steps: [{ email: { subject: 'Nudge', html: '<p>x</p>' } }] },
            { weight: 20, steps: [] }, // the control gets nothing
          ],
        },
      ],
    });
    const people = Array.from({ length: 200 }, (_, i) => `p${i}`);
    for (const person of people) {
      h.profiles.set(person, { traits: { email: `${person}@example.com` } });
      await runner.onEvent({ name: 'Signed Up', person, receivedAt: h.clock.now });
    }
    h.clock.now += 3_600_000;
    while ((await runner.tick()) > 0);
    // The reference: the weights' ranges over hashToUnit("__journey:JOURNEY:PATH:", person).
    const emailed = people.filter((p) => hashToUnit('__journey:nudge:1:', p) < 0.8);
    await expect.poll(() => h.smtp.received.length, { timeout: 20_000 }).toBe(emailed.length);
    expect(h.smtp.received.map((m) => m.to).sort()).toEqual(
      emailed.map((p) => `${p}@example.com`).sort(),
    );
    expect(emailed.length).toBeGreaterThan(140); // 80% of 200, give or take the hash
    expect(emailed.length).toBeLessThan(180);
    const stats = await store.stats('nudge');
    expect(stats['1']?.entered).toBe(200);
    expect(stats['1.arm0.0']?.entered).toBe(emailed.length);
    // Sticky: the same person entering again takes the same arm.
    const again = people.slice(0, 20);
    h.clock.now += 1000;
    for (const person of again)
      await runner.onEvent({ name: 'Signed Up', person, receivedAt: h.clock.now });
    h.clock.now += 3_600_000;
    while ((await runner.tick()) > 0);
    const twice = again.filter((p) => emailed.includes(p)).length;
    await expect.poll(() => h.smtp.received.length).toBe(emailed.length + twice);
  });
});
