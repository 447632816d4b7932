import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * KPIs over HTTP, worked by hand (days from 2026-11-01 12:00 UTC; the period is days 0 to 10):
 *   u1 (plan pro):  exposed to hero/bold (day -5), pages on days 1 and 2, orders 100 and 50.
 *   u2 (plan pro):  exposed to hero/control (day 0), a page on day 3, no order.
 *   u3 (plan free): exposed to hero/bold on day 1 and to hero/control later (the first counts),
 *                   an order of 30 on day 4 and one of 999 on day 12 (after the period).
 *   u4 (plan free): no exposure, an order without revenue on day 5.
 *   u5 (plan pro):  only events before the period: not a visitor.
 *   u6:             a visitor who refused analytics: left out.
 * Everyone: 4 visitors, 3 converters, 4 orders, revenue 180, AOV 45, 45 per visitor.
 */
const BASE = Date.UTC(2026, 10, 1, 12);
const day = (d: number) => new Date(BASE + d * 86_400_000).toISOString();
const track = (userId: string, event: string, d: number, properties: object = {}) => ({
  type: 'track',
  userId,
  event,
  properties,
  timestamp: day(d),
});
const exposure = (userId: string, variant: string, d: number) =>
  track(userId, 'Experiment Viewed', d, { experiment: 'hero', variant });
const page = (userId: string, d: number) => ({ type: 'page', userId, timestamp: day(d) });
const identify = (userId: string, plan: string) => ({
  type: 'identify',
  userId,
  traits: { plan },
  timestamp: day(-10),
});

let t: TestTailor;
beforeAll(async () => {
  t = await startTestTailor({}, () => BASE + 20 * 86_400_000);
  const admin = (url: string, payload: object) =>
    t.app.inject({ method: 'PUT', url, headers: { authorization: t.adminAuth }, payload });
  expect((await admin('/v1/segments/pro', { definition: 'traits.plan = "pro"' })).statusCode).toBe(
    200,
  );
  expect(
    (
      await admin('/v1/computed-traits/spend', {
        definition: 'sum("Order Completed".revenue, 365d)',
      })
    ).statusCode,
  ).toBe(200);
  await t.collect([
    identify('u1', 'pro'),
    identify('u2', 'pro'),
    identify('u3', 'free'),
    identify('u4', 'free'),
    identify('u5', 'pro'),
    identify('u6', 'pro'),
    exposure('u1', 'bold', -5),
    page('u1', 1),
    page('u1', 2),
    track('u1', 'Order Completed', 2, { revenue: 100 }),
    track('u1', 'Order Completed', 3, { revenue: 50 }),
    exposure('u2', 'control', 0),
    page('u2', 3),
    exposure('u3', 'bold', 1),
    exposure('u3', 'control', 2),
    track('u3', 'Order Completed', 4, { revenue: 30 }),
    track('u3', 'Order Completed', 12, { revenue: 999 }),
    track('u4', 'Order Completed', 5),
    page('u5', -3),
    track('u6', 'Order Completed', 1, { revenue: 5000 }),
  ]);
  const u6 = (
    await t.app.inject({
      url: '/v1/profiles?identifier=userId:u6',
      headers: { authorization: t.adminAuth },
    })
  ).json<{ id: string }>();
  await t.app.inject({
    method: 'PUT',
    url: `/v1/profiles/${u6.id}/consent`,
    headers: { authorization: t.adminAuth },
    payload: { purposes: { analytics: false } },
  });
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

function kpis(body: object) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/reports/kpis',
    headers: { authorization: t.adminAuth },
    payload: body,
  });
}

const PERIOD = { from: day(0), to: day(10) };

describe('POST /v1/reports/kpis', () => {
  it('totals everyone in the period', async () => {
    const res = await kpis(PERIOD);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      all: {
        group: '*',
        visitors: 4,
        converters: 3,
        conversionRate: 0.75,
        orders: 4,
        revenue: 180,
        averageOrderValue: 45,
        revenuePerVisitor: 45,
        computed: {},
      },
      groups: [],
    });
  });

  it('splits by the variant of the first exposure', async () => {
    const body = (await kpis({ ...PERIOD, by: { experiment: 'hero' } })).json<{
      groups: { group: string; visitors: number; orders: number; revenue: number }[];
    }>();
    expect(
      body.groups.map(({ group, visitors, orders, revenue }) => ({
        group,
        visitors,
        orders,
        revenue,
      })),
    ).toEqual([
      { group: 'bold', visitors: 2, orders: 3, revenue: 180 },
      { group: 'control', visitors: 1, orders: 0, revenue: 0 },
    ]);
  });

  it('splits by current segment with the mean of a computed trait', async () => {
    const body = (await kpis({ ...PERIOD, by: { segments: true }, computed: ['spend'] })).json<{
      all: { computed: Record<string, { mean: number; count: number }> };
      groups: {
        group: string;
        visitors: number;
        converters: number;
        computed: Record<string, { mean: number; count: number }>;
      }[];
    }>();
    // spend is a sum over all time, 0 without orders: u1 150, u2 0, u3 1029, u4 0.
    expect(body.groups.map((g) => [g.group, g.visitors, g.converters])).toEqual([['pro', 2, 1]]);
    expect(body.groups[0]?.computed.spend).toEqual({ mean: 75, count: 2 });
    expect(body.all.computed.spend).toEqual({ mean: (150 + 1029) / 4, count: 4 });
  });

  it.each([
    ['an unknown grouping', { by: { channel: true } }],
    ['a bad time', { from: 'last week' }],
    ['too many computed traits', { computed: Array.from({ length: 11 }, (_, i) => `c${i}`) }],
  ])('answers 400 with a reason for %s', async (_name, body) => {
    const res = await kpis(body);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/\w{4,}.*\w{4,}/);
  });
});
