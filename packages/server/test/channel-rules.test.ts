import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Stored channel rules over HTTP (days from 2026-11-01 12:00 UTC), worked by hand:
 *   c1: comes from a partner's site (referrer partner.example, day 0), signs up and orders.
 *   c2: clicks a podcast link (utm_source show, utm_medium audio, day 0), signs up and orders.
 *   c3: comes from a Google search (day 0), signs up, does not order.
 * Defaults: Referral, Other, Organic Search. With the stored rules (partner.example → Partners,
 * medium audio → Podcasts): Partners, Podcasts, Organic Search, in attribution and in the funnel
 * broken down by first touch. A request's own rules come before the stored ones.
 */
const BASE = Date.UTC(2026, 10, 1, 12);
const day = (d: number) => new Date(BASE + d * 86_400_000).toISOString();
const SITE = 'https://shop.example.com';
const page = (userId: string, d: number, referrer?: string, campaign?: object) => ({
  type: 'page',
  userId,
  timestamp: day(d),
  context: {
    page: { url: `${SITE}/`, ...(referrer === undefined ? {} : { referrer }) },
    ...(campaign === undefined ? {} : { campaign }),
  },
});
const track = (userId: string, event: string, d: number) => ({
  type: 'track',
  userId,
  event,
  properties: { revenue: 10 },
  timestamp: day(d),
});
const RULES = [
  { channel: 'Partners', sources: ['Partner.example'] },
  { channel: 'Podcasts', mediums: ['audio'] },
];

let t: TestTailor;
beforeAll(async () => {
  t = await startTestTailor({}, () => BASE + 30 * 86_400_000);
  await t.collect([
    page('c1', 0, 'https://partner.example/review'),
    track('c1', 'Signed Up', 0.1),
    track('c1', 'Order Completed', 0.2),
    page('c2', 0, undefined, { source: 'show', medium: 'audio' }),
    track('c2', 'Signed Up', 0.1),
    track('c2', 'Order Completed', 0.2),
    page('c3', 0, 'https://www.google.com/'),
    track('c3', 'Signed Up', 0.1),
  ]);
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

async function firstTouch(extra: object = {}): Promise<Record<string, number>> {
  const res = await t.admin('POST', '/v1/reports/attribution', {
    conversion: 'Order Completed',
    by: 'channel',
    models: ['first_touch'],
    ...extra,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ models: { first_touch: { shares: Record<string, number> } } }>().models
    .first_touch.shares;
}

async function funnelGroups(): Promise<Record<string, number[]>> {
  const res = await t.admin('POST', '/v1/reports/funnel', {
    steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }],
    breakdown: { touch: 'first', by: 'channel' },
  });
  expect(res.statusCode).toBe(200);
  const groups = res.json<{ breakdown: { value: string; steps: { count: number }[] }[] }>()
    .breakdown;
  return Object.fromEntries(groups.map((g) => [g.value, g.steps.map((s) => s.count)]));
}

describe('stored channel rules', () => {
  it('starts with none, the default grouping listed', async () => {
    const res = await t.admin('GET', '/v1/channel-rules');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ rules: unknown[]; updatedAt: string | null; defaults: string[] }>();
    expect(body.rules).toEqual([]);
    expect(body.updatedAt).toBeNull();
    expect(body.defaults).toContain('Paid Search');
    expect(await firstTouch()).toEqual({ Referral: 0.5, Other: 0.5 });
    expect(await funnelGroups()).toEqual({
      Referral: [1, 1],
      Other: [1, 1],
      'Organic Search': [1, 0],
    });
  });

  it('are stored, read back, and used by attribution and the funnel breakdowns at once', async () => {
    const put = await t.admin('PUT', '/v1/channel-rules', { rules: RULES });
    expect(put.statusCode).toBe(200);
    const stored = (await t.admin('GET', '/v1/channel-rules')).json<{
      rules: unknown;
      updatedAt: string;
    }>();
    expect(stored.rules).toEqual(RULES);
    expect(stored.updatedAt).toBe(new Date(BASE + 30 * 86_400_000).toISOString());
    expect(await firstTouch()).toEqual({ Partners: 0.5, Podcasts: 0.5 });
    expect(await funnelGroups()).toEqual({
      Partners: [1, 1],
      Podcasts: [1, 1],
      'Organic Search': [1, 0],
    });
    // The request's own rules come first, then the stored ones.
    expect(
      await firstTouch({ channels: [{ channel: 'Friends', sources: ['partner.example'] }] }),
    ).toEqual({ Friends: 0.5, Podcasts: 0.5 });
    // The change is audited.
    const audit = (await t.admin('GET', '/v1/audit')).json<{
      entries: { action: string; target: string }[];
    }>();
    expect(audit.entries.find((e) => e.action === 'channel-rules.put')?.target).toBe(
      'channel-rules',
    );
  });

  it('are replaced as a whole, an empty list going back to the defaults', async () => {
    expect((await t.admin('PUT', '/v1/channel-rules', { rules: [] })).statusCode).toBe(200);
    expect(await firstTouch()).toEqual({ Referral: 0.5, Other: 0.5 });
    expect((await t.admin('GET', '/v1/channel-rules')).json<{ rules: unknown[] }>().rules).toEqual(
      [],
    );
  });

  it.each([
    ['a rule naming no source or medium', { rules: [{ channel: 'Nothing' }] }],
    ['a rule with empty lists', { rules: [{ channel: 'Nothing', sources: [], mediums: [] }] }],
    ['a rule without a channel', { rules: [{ sources: ['a'] }] }],
    ['an unknown field', { rules: [{ channel: 'A', sources: ['a'], referrers: ['b'] }] }],
    [
      'more than 50 rules',
      { rules: Array.from({ length: 51 }, (_, i) => ({ channel: `C${i}`, sources: [`s${i}`] })) },
    ],
    ['no rules field', {}],
  ])('answers 400 with a reason for %s, keeping the stored rules', async (_name, body) => {
    await t.admin('PUT', '/v1/channel-rules', { rules: RULES });
    const res = await t.admin('PUT', '/v1/channel-rules', body);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/\w{4,}.*\w{4,}/);
    expect((await t.admin('GET', '/v1/channel-rules')).json<{ rules: unknown }>().rules).toEqual(
      RULES,
    );
  });
});
