import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Multi-touch attribution over HTTP. The people (times in days from 2026-11-01 12:00 UTC):
 *   P1: anonymous a1 sees google (0) and facebook (7); identifies as u1 (13); as u1 sees
 *       newsletter (14) and then completes an order (14, revenue 100). One person through identity
 *       resolution: path google, facebook, newsletter.
 *   P2: anonymous a2 sees facebook (0); the order (0, revenue 50) carries userId u2 and
 *       anonymousId a2. Path facebook.
 *   P3: u3 sees google (0) and a page without UTM (1): a non-converting path, google.
 *   P4: u4 sees bing and orders (revenue 1000), then refuses analytics: left out.
 *   P5: u5 orders without any touchpoint: counted, shares nothing.
 * Hand-worked shares (counting conversions; docs/attribution.md works the same example):
 *   first_touch google 1/2 facebook 1/2; last_touch newsletter 1/2 facebook 1/2;
 *   linear google 1/6 facebook 2/3 newsletter 1/6; position_based google 0.2 facebook 0.6 newsletter 0.2;
 *   time_decay (7 days) google 1/14 facebook 9/14 newsletter 4/14;
 *   markov: P(conv) 2/3, removal effects google 1/2, facebook 1, newsletter 1/2 → 1/4, 1/2, 1/4.
 */
const BASE = Date.UTC(2026, 10, 1, 12);
const day = (d: number) => new Date(BASE + d * 86_400_000).toISOString();
const page = (who: Record<string, string>, d: number, source?: string) => ({
  type: 'page',
  ...who,
  name: 'Home',
  timestamp: day(d),
  context: source === undefined ? {} : { campaign: { source, medium: 'cpc', name: 'winter' } },
});
const order = (who: Record<string, string>, d: number, revenue: number) => ({
  type: 'track',
  ...who,
  event: 'Order Completed',
  properties: { revenue },
  timestamp: day(d),
});

let t: TestTailor;
let viewer: string;

beforeAll(async () => {
  t = await startTestTailor({}, () => BASE + 30 * 86_400_000);
  await t.collect([
    page({ anonymousId: 'a1' }, 0, 'google'),
    page({ anonymousId: 'a1' }, 7, 'facebook'),
    { type: 'identify', userId: 'u1', anonymousId: 'a1', timestamp: day(13) },
    page({ userId: 'u1' }, 14, 'newsletter'),
    order({ userId: 'u1' }, 14, 100),
    page({ anonymousId: 'a2' }, 0, 'facebook'),
    order({ userId: 'u2', anonymousId: 'a2' }, 0, 50),
    page({ userId: 'u3' }, 0, 'google'),
    page({ userId: 'u3' }, 1),
    page({ userId: 'u4' }, 0, 'bing'),
    order({ userId: 'u4' }, 1, 1000),
    order({ userId: 'u5' }, 2, 70),
  ]);
  const u4 = (
    await t.app.inject({
      url: '/v1/profiles?identifier=userId:u4',
      headers: { authorization: t.adminAuth },
    })
  ).json<{ id: string }>();
  const refused = await t.app.inject({
    method: 'PUT',
    url: `/v1/profiles/${u4.id}/consent`,
    headers: { authorization: t.adminAuth },
    payload: { purposes: { analytics: false } },
  });
  expect(refused.statusCode).toBe(200);
  await t.tailor.pipeline.catchUp();
  const made = await t.app.inject({
    method: 'PUT',
    url: '/v1/keys/analyst',
    headers: { authorization: t.adminAuth },
    payload: { role: 'viewer' },
  });
  viewer = `Bearer ${made.json<{ key: string }>().key}`;
});
afterAll(async () => {
  await t.close();
});

function report(body: unknown, authorization = viewer) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/reports/attribution',
    headers: { authorization },
    payload: body as object,
  });
}
function expectShares(actual: Record<string, number>, expected: Record<string, number>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected)) expect(actual[key]).toBeCloseTo(value, 9);
}
const ALL = ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'markov'];

describe('POST /v1/reports/attribution', () => {
  it('gives each model its hand-computed shares, people stitched by identity and consent honoured', async () => {
    const res = await report({ conversion: 'Order Completed', by: 'source', models: ALL });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      models: Record<string, { shares: Record<string, number>; removalEffects?: object }>;
    }>();
    expect(body).toMatchObject({
      conversions: 3,
      attributedConversions: 2,
      conversionsWithoutTouchpoints: 1,
      convertingPaths: 2,
      nonConvertingPaths: 1,
      touchpoints: 5,
      people: 4,
    });
    const shares = (model: string) => body.models[model]?.shares ?? {};
    expectShares(shares('first_touch'), { google: 0.5, facebook: 0.5 });
    expectShares(shares('last_touch'), { newsletter: 0.5, facebook: 0.5 });
    expectShares(shares('linear'), { google: 1 / 6, facebook: 2 / 3, newsletter: 1 / 6 });
    expectShares(shares('position_based'), { google: 0.2, facebook: 0.6, newsletter: 0.2 });
    expectShares(shares('time_decay'), { google: 1 / 14, facebook: 9 / 14, newsletter: 4 / 14 });
    expectShares(shares('markov'), { google: 0.25, facebook: 0.5, newsletter: 0.25 });
    expect(body.models.markov?.removalEffects).toMatchObject({ facebook: 1 });
  });

  it('weights by revenue, applies the lookback, and keys by another UTM parameter', async () => {
    const byRevenue = (
      await report({
        conversion: 'Order Completed',
        by: 'source',
        models: ['first_touch'],
        weight: 'revenue',
      })
    ).json<{ value: number; models: Record<string, { shares: Record<string, number> }> }>();
    expect(byRevenue.value).toBe(150);
    expectShares(byRevenue.models.first_touch?.shares ?? {}, { google: 2 / 3, facebook: 1 / 3 });

    const lookback = (
      await report({
        conversion: 'Order Completed',
        by: 'source',
        models: ['first_touch'],
        lookbackDays: 10,
      })
    ).json<{ models: Record<string, { shares: Record<string, number> }> }>();
    expectShares(lookback.models.first_touch?.shares ?? {}, { facebook: 1 });

    const byMedium = (
      await report({ conversion: 'Order Completed', by: 'medium', models: ['linear'] })
    ).json<{ models: Record<string, { shares: Record<string, number> }> }>();
    expectShares(byMedium.models.linear?.shares ?? {}, { cpc: 1 });

    const direct = (
      await report({
        conversion: 'Order Completed',
        by: 'source',
        models: ['first_touch'],
        unkeyed: 'direct',
      })
    ).json<{ touchpoints: number; nonConvertingPaths: number }>();
    expect(direct).toMatchObject({ touchpoints: 6, nonConvertingPaths: 1 });
  });

  it('refuses a write key (403) and no key (401)', async () => {
    const body = { conversion: 'Order Completed', by: 'source', models: ['linear'] };
    expect((await report(body, t.writeAuth)).statusCode).toBe(403);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/reports/attribution',
      payload: body,
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await report(body, t.adminAuth)).statusCode).toBe(200);
  });

  it.each([
    ['no conversion', { by: 'source', models: ['linear'] }],
    ['an unknown model', { conversion: 'X', by: 'source', models: ['shapley_magic'] }],
    ['an unknown key', { conversion: 'X', by: 'colour', models: ['linear'] }],
    ['no models', { conversion: 'X', by: 'source', models: [] }],
    [
      'a negative lookback',
      { conversion: 'X', by: 'source', models: ['linear'], lookbackDays: -1 },
    ],
    ['an unknown field', { conversion: 'X', by: 'source', models: ['linear'], extra: 1 }],
  ])('answers 400 with a reason for %s', async (_name, body) => {
    const res = await report(body);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toMatch(/\w{4,}/);
  });

  it('answers CSV, one row per model and key, when asked for text/csv', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/reports/attribution',
      headers: { authorization: viewer, accept: 'text/csv' },
      payload: {
        conversion: 'Order Completed',
        by: 'source',
        models: ['first_touch', 'last_touch'],
      },
    });
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines[0]).toBe('model,key,share,credit');
    expect(lines.slice(1).sort()).toEqual([
      'first_touch,facebook,0.5,1',
      'first_touch,google,0.5,1',
      'last_touch,facebook,0.5,1',
      'last_touch,newsletter,0.5,1',
    ]);
  });

  it('is described in the OpenAPI document', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(spec.paths['/v1/reports/attribution']?.post).toBeDefined();
  });
});
