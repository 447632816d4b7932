import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
let clock = Date.UTC(2026, 10, 24, 12);
afterEach(async () => {
  await t.close();
});

async function start() {
  clock = Date.UTC(2026, 10, 24, 12);
  t = await startTestTailor({}, () => clock);
}
function call(method: 'GET' | 'PUT', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
async function collect(batch: Record<string, unknown>[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth },
    payload: { batch },
  });
  expect(res.json().rejected).toEqual([]);
  await t.tailor.pipeline.catchUp();
}
const iso = (ms: number) => new Date(ms).toISOString();

describe('computed traits and real-time segments', () => {
  it('keeps computed traits and memberships current, announces entries and exits in the log, and lets windows slide', async () => {
    await start();
    expect(
      (
        await call('PUT', '/v1/computed-traits/orders_1h', {
          definition: 'count("Order Completed", 1h)',
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await call('PUT', '/v1/computed-traits/revenue', {
          definition: 'sum("Order Completed".revenue)',
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await call('PUT', '/v1/segments/repeat buyers', { definition: 'computed.orders_1h >= 2' }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await call('PUT', '/v1/segments/pro repeat', {
          definition: 'in_segment("repeat buyers") and traits.plan = "pro"',
        })
      ).statusCode,
    ).toBe(200);

    await collect([
      { type: 'identify', userId: 'u1', traits: { plan: 'pro' }, timestamp: iso(clock) },
      {
        type: 'track',
        userId: 'u1',
        event: 'Order Completed',
        properties: { revenue: 30 },
        timestamp: iso(clock),
      },
    ]);
    let profile = (await call('GET', '/v1/profiles?identifier=userId:u1')).json();
    expect(profile).toMatchObject({ computed: { orders_1h: 1, revenue: 30 }, segments: [] });

    clock += 10 * 60_000;
    await collect([
      {
        type: 'track',
        userId: 'u1',
        event: 'Order Completed',
        properties: { revenue: 12.5 },
        timestamp: iso(clock),
      },
    ]);
    profile = (await call('GET', '/v1/profiles?identifier=userId:u1')).json();
    expect(profile).toMatchObject({
      computed: { orders_1h: 2, revenue: 42.5 },
      segments: ['repeat buyers', 'pro repeat'],
    });
    const members = (await call('GET', '/v1/segments/repeat%20buyers/members')).json();
    expect(members).toEqual({ profiles: [profile.id], count: 1, next: null });

    // The hour after the first order passes: the count drops and both segments are left, by time alone.
    clock += 51 * 60_000;
    await t.tailor.pipeline.catchUp();
    profile = (await call('GET', '/v1/profiles?identifier=userId:u1')).json();
    expect(profile).toMatchObject({ computed: { orders_1h: 1, revenue: 42.5 }, segments: [] });
    expect((await call('GET', '/v1/segments/repeat%20buyers/members')).json()).toEqual({
      profiles: [],
      count: 0,
      next: null,
    });

    const events = (await call('GET', '/v1/events?userId=u1')).json().events as {
      event?: string;
      properties?: Record<string, unknown>;
    }[];
    const announced = events
      .filter((e) => e.event?.startsWith('Segment '))
      .map((e) => [e.event, e.properties?.segment, e.properties?.profileId]);
    expect(announced).toEqual([
      ['Segment Entered', 'repeat buyers', profile.id],
      ['Segment Entered', 'pro repeat', profile.id],
      ['Segment Exited', 'repeat buyers', profile.id],
      ['Segment Exited', 'pro repeat', profile.id],
    ]);
    const history = (await call('GET', `/v1/profiles/${profile.id}/memberships`)).json()
      .memberships;
    expect(
      history.map((h: { segment: string; entered: boolean; cause: string }) => [
        h.segment,
        h.entered,
        h.cause === 'time',
      ]),
    ).toEqual([
      ['repeat buyers', true, false],
      ['pro repeat', true, false],
      ['repeat buyers', false, true],
      ['pro repeat', false, true],
    ]);
  });

  it('a trait change alone can move a person in or out of a segment', async () => {
    await start();
    await call('PUT', '/v1/segments/pros', { definition: 'traits.plan = "pro"' });
    await collect([{ type: 'identify', userId: 'u2', traits: { plan: 'free' } }]);
    expect((await call('GET', '/v1/profiles?identifier=userId:u2')).json().segments).toEqual([]);
    await collect([{ type: 'identify', userId: 'u2', traits: { plan: 'pro' } }]);
    expect((await call('GET', '/v1/profiles?identifier=userId:u2')).json().segments).toEqual([
      'pros',
    ]);
  });

  it('a definition put before any profile exists has nothing to backfill', async () => {
    await start();
    const put = await call('PUT', '/v1/segments/pros', { definition: 'traits.plan = "pro"' });
    expect(put.json().backfill).toMatchObject({ status: 'done', done: 0, total: 0 });
    expect(await t.tailor.profiles.backfills.next()).toBeUndefined();
  });

  it('a definition added after the events is backfilled over every profile, with progress in the API', async () => {
    await start();
    const batch = [];
    for (let p = 0; p < 450; p++) {
      batch.push({
        type: 'identify',
        userId: `b${p}`,
        traits: { plan: p % 3 === 0 ? 'pro' : 'free' },
      });
      for (let k = 0; k < p % 4; k++)
        batch.push({
          type: 'track',
          userId: `b${p}`,
          event: 'Product Viewed',
          properties: { sku: `S${k}` },
        });
    }
    for (let i = 0; i < batch.length; i += 400) await collect(batch.slice(i, i + 400));

    await call('PUT', '/v1/computed-traits/views', { definition: 'count("Product Viewed")' });
    const put = await call('PUT', '/v1/segments/engaged pros', {
      definition: 'traits.plan = "pro" and computed.views >= 2',
    });
    expect(put.json().backfill).toMatchObject({ status: 'running', done: 0, total: 450 });
    // One rebuild serves both definitions: the segment's backfill took over the computed trait's.
    const jobs = t.tailor.profiles.backfills;
    expect(await jobs.latest('computed:views')).toEqual(await jobs.latest('segment:engaged pros'));
    expect((await jobs.next())?.names).toEqual(['computed:views', 'segment:engaged pros']);
    await t.tailor.pipeline.catchUp();

    // pro people are p % 3 == 0; two or more views are p % 4 >= 2.
    const expected = Array.from({ length: 450 }, (_, p) => p).filter(
      (p) => p % 3 === 0 && p % 4 >= 2,
    ).length;
    const members = (await call('GET', '/v1/segments/engaged%20pros/members?limit=1000')).json();
    expect(members.count).toBe(expected);
    expect((await call('GET', '/v1/profiles?identifier=userId:b6')).json()).toMatchObject({
      computed: { views: 2 },
      segments: ['engaged pros'],
    });
    expect((await call('GET', '/v1/segments/engaged%20pros')).json().backfill).toMatchObject({
      status: 'done',
      done: 450,
      total: 450,
    });
    expect((await call('GET', '/v1/computed-traits/views')).json().backfill).toMatchObject({
      status: 'done',
    });
  });
});
