import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Attribution by channel over HTTP (days from 2026-11-01 12:00 UTC), worked by hand:
 *   c1: arrives from a Google search (referrer www.google.com, day 0), reads a second page of the
 *       site (referrer the site itself: the same visit, no touchpoint), comes back from a
 *       newsletter (utm email, day 2), then types the address (no referrer, day 3) and orders.
 *       Path: Organic Search, Email, Direct.
 *   c2: clicks a paid Facebook ad (utm facebook / paid_social, day 0) and orders. Path: Paid Social.
 *   c3: comes from a partner's site (referrer partner.example, day 0) and orders; a rule names
 *       that source "Partners" in the second request. Path: Referral (or Partners).
 */
const BASE = Date.UTC(2026, 10, 1, 12);
const day = (d: number) => new Date(BASE + d * 86_400_000).toISOString();
const SITE = 'https://shop.example.com';
const page = (userId: string, d: number, referrer?: string, campaign?: object) => ({
  type: 'page',
  userId,
  timestamp: day(d),
  context: {
    page: { url: `${SITE}/p${d}`, ...(referrer === undefined ? {} : { referrer }) },
    ...(campaign === undefined ? {} : { campaign }),
  },
});
const order = (userId: string, d: number) => ({
  type: 'track',
  userId,
  event: 'Order Completed',
  properties: { revenue: 10 },
  timestamp: day(d),
});

let t: TestTailor;
beforeAll(async () => {
  t = await startTestTailor({}, () => BASE + 30 * 86_400_000);
  await t.collect([
    page('c1', 0, 'https://www.google.com/'),
    page('c1', 0.1, `${SITE}/p0`),
    page('c1', 2, undefined, { source: 'newsletter', medium: 'email', name: 'winter' }),
    page('c1', 3),
    order('c1', 3),
    page('c2', 0, undefined, { source: 'facebook', medium: 'paid_social' }),
    order('c2', 0),
    page('c3', 0, 'https://partner.example/review'),
    order('c3', 0),
  ]);
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

async function shares(body: object): Promise<Record<string, Record<string, number>>> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/reports/attribution',
    headers: { authorization: t.adminAuth },
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  const models = res.json<{ models: Record<string, { shares: Record<string, number> }> }>().models;
  return Object.fromEntries(Object.entries(models).map(([m, r]) => [m, r.shares]));
}

describe('attribution by channel', () => {
  it('groups touchpoints into channels and skips pages of the same visit', async () => {
    const result = await shares({
      conversion: 'Order Completed',
      by: 'channel',
      models: ['first_touch', 'last_touch', 'last_non_direct', 'shapley'],
    });
    const third = 1 / 3;
    expect(result.first_touch).toEqual({
      'Organic Search': third,
      'Paid Social': third,
      Referral: third,
    });
    expect(result.last_touch).toEqual({ Direct: third, 'Paid Social': third, Referral: third });
    expect(result.last_non_direct).toEqual({ Email: third, 'Paid Social': third, Referral: third });
    const shapley = result.shapley ?? {};
    expect(shapley['Organic Search']).toBeCloseTo(1 / 9, 12);
    expect(shapley.Email).toBeCloseTo(1 / 9, 12);
    expect(shapley.Direct).toBeCloseTo(1 / 9, 12);
    expect(shapley['Paid Social']).toBeCloseTo(third, 12);
  });

  it('applies the caller’s channel rules before the defaults', async () => {
    const result = await shares({
      conversion: 'Order Completed',
      by: 'channel',
      models: ['first_touch'],
      channels: [{ channel: 'Partners', sources: ['partner.example'] }],
    });
    expect(Object.keys(result.first_touch ?? {}).sort()).toEqual([
      'Organic Search',
      'Paid Social',
      'Partners',
    ]);
  });
});
