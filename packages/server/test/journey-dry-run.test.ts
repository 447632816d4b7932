import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/** The dry run for one person over HTTP, as `openTailor` wires it: their profile, nothing sent or stored. */
describe('journey dry run', () => {
  let t: TestTailor | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('shows the steps and rendered emails a person would get, on their branches and in their time zone, and changes nothing', async () => {
    const now = Date.UTC(2026, 0, 5, 12); // Monday noon UTC
    const tt = (t = await startTestTailor({}, () => now));
    const put = await tt.admin('PUT', '/v1/journeys/welcome', {
      entry: { event: 'Signed Up' },
      steps: [
        { wait: '1d' },
        {
          if: 'traits.plan = "pro"',
          then: [{ email: { subject: 'Welcome, pro {{ traits.name }}', html: '<p>Hi</p>' } }],
          else: [{ email: { subject: 'Try pro, {{ traits.name }}', html: '<p>Pro?</p>' } }],
        },
        { waitUntil: { time: '09:00' } },
        { split: { random: true }, arms: [{ steps: [{ traits: { nudged: true } }] }] },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    await tt.collect([
      {
        type: 'identify',
        userId: 'ada',
        traits: {
          email: 'ada@example.com',
          name: 'Ada',
          plan: 'pro',
          timezone: 'America/New_York',
        },
      },
      { type: 'identify', userId: 'bob', traits: { name: 'Bob' } },
    ]);
    const dry = async (identifier: string) =>
      tt.admin('POST', '/v1/journeys/welcome/dry-run', { identifier });
    const ada = await dry('userId:ada');
    expect(ada.statusCode, ada.body).toBe(200);
    const run = ada.json<{
      end: string;
      steps: { path: string; at: string; email?: { to: string; subject: string; sent: boolean } }[];
    }>();
    expect(run.end).toBe('finished');
    expect(run.steps.map((s) => s.path)).toEqual(['0', '1', '1.then.0', '2', '3', '3.arm0.0']);
    expect(run.steps[2]).toMatchObject({
      at: '2026-01-06T12:00:00.000Z',
      email: { to: 'ada@example.com', subject: 'Welcome, pro Ada', sent: true },
    });
    // The next 09:00 in New York after Tuesday noon UTC (07:00 there) is 14:00 UTC.
    expect(run.steps[4]?.at).toBe('2026-01-06T14:00:00.000Z');
    const bob = (await dry('userId:bob')).json<{ steps: { path: string; email?: object }[] }>();
    expect(bob.steps[2]).toMatchObject({
      path: '1.else.0',
      email: { to: null, subject: 'Try pro, Bob', sent: false, reason: 'no traits.email' },
    });
    expect((await dry('userId:nobody')).statusCode).toBe(404);
    expect(
      (await tt.admin('POST', '/v1/journeys/none/dry-run', { identifier: 'userId:ada' }))
        .statusCode,
    ).toBe(404);
    const stats = (await tt.admin('GET', '/v1/journeys/welcome/stats')).json<{ steps: object }>();
    expect(stats.steps).toEqual({}); // nobody entered
  });
});
