import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

const DAY = 86_400_000;
let t: TestTailor;
let clock = Date.UTC(2026, 0, 1, 12);
afterEach(async () => {
  await t.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

async function decide(userId: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { authorization: t.writeAuth },
    payload: { userId, placements: ['hero'] },
  });
  expect(res.statusCode).toBe(200);
}

async function eventsOf(
  userId: string,
): Promise<{ event?: string; type: string; receivedAt: string }[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/v1/events?userId=${userId}&limit=100`,
    headers: { authorization: t.adminAuth },
  });
  return res.json<{ events: { event?: string; type: string; receivedAt: string }[] }>().events;
}

describe('decision records', () => {
  it('are deleted from the log once older than decide.recordRetentionDays; other events and newer records stay', async () => {
    t = await startTestTailor({ decide: { recordRetentionDays: 30 } }, () => clock);
    const put = await t.app.inject({
      method: 'PUT',
      url: '/v1/placements/hero',
      headers: { authorization: t.adminAuth },
      payload: {
        items: [{ id: 'a', priority: 1, template: 'A' }],
        default: { id: 'd', template: 'D' },
      },
    });
    expect(put.statusCode).toBe(200);
    await t.collect([{ type: 'track', userId: 'u1', event: 'Signed Up', timestamp: iso(clock) }]);
    await decide('u1');
    await decide('u2');
    await t.collect([]);
    clock += 31 * DAY;
    await decide('u1');
    await t.collect([{ type: 'track', userId: 'u1', event: 'Ordered', timestamp: iso(clock) }]);
    const before = (await t.tailor.log.stats()).events;

    expect(await t.tailor.pruneDecisions()).toBe(2);
    expect((await t.tailor.log.stats()).events).toBe(before - 2);
    const kept = await eventsOf('u1');
    expect(kept.map((e) => e.event)).toEqual(['Signed Up', 'Decision Made', 'Ordered']);
    expect(kept.find((e) => e.event === 'Decision Made')?.receivedAt).toBe(iso(clock));
    expect(await eventsOf('u2')).toEqual([]);
    // Nothing more to delete until the newer record ages too.
    expect(await t.tailor.pruneDecisions()).toBe(0);
    clock += 31 * DAY;
    expect(await t.tailor.pruneDecisions()).toBe(1);
  });

  it('are kept 90 days by default', async () => {
    t = await startTestTailor({}, () => clock);
    expect(t.tailor.config.decide.recordRetentionDays).toBe(90);
  });
});
