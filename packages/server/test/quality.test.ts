import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * The data-quality report over HTTP, worked by hand. The clock moves: 14 `Signed Up` received
 * over the baseline (3 days before the report), then in the last 24 hours 6 `Signed Up` (2 of
 * them without `plan`, which the 4 others carry; one sent 3 hours after its timestamp; one a
 * resend of another under a new messageId) and 2 `Order Completed`, one breaking its plan.
 */
const T0 = Date.UTC(2026, 10, 20, 12);
const HOUR = 3_600_000;
let now = T0 - 72 * HOUR;
let t: TestTailor;

const signUp = (n: number, at: number, properties: object = { plan: 'pro' }) => ({
  type: 'track',
  userId: `u${n}`,
  event: 'Signed Up',
  properties,
  timestamp: new Date(at).toISOString(),
});

beforeAll(async () => {
  t = await startTestTailor({}, () => now);
  const plan = await t.app.inject({
    method: 'PUT',
    url: '/v1/tracking-plans/events/Order%20Completed',
    headers: { authorization: t.adminAuth },
    payload: {
      mode: 'allow',
      schema: {
        type: 'object',
        required: ['revenue'],
        properties: { revenue: { type: 'number' } },
      },
    },
  });
  expect(plan.statusCode).toBe(200);
  await t.collect(Array.from({ length: 14 }, (_, n) => signUp(100 + n, now)));
  now = T0 - HOUR;
  const resent = signUp(3, now - 5 * 60_000); // sent 5 minutes late, twice
  await t.collect([
    signUp(1, now),
    signUp(2, now - 3 * HOUR), // late
    resent,
    { ...resent }, // the same message again, under a new messageId
    signUp(4, now, {}),
    signUp(5, now, { source: 'ad' }),
    {
      type: 'track',
      userId: 'u1',
      event: 'Order Completed',
      properties: { revenue: 10 },
      timestamp: new Date(now).toISOString(),
    },
    {
      type: 'track',
      userId: 'u2',
      event: 'Order Completed',
      properties: { revenue: 'ten' },
      timestamp: new Date(now).toISOString(),
    },
  ]);
  now = T0;
});
afterAll(async () => {
  await t.close();
});

interface Row {
  source: string;
  event: string;
  count: number;
  usual: number;
  ratio: number | null;
  violations: number;
  missing: Record<string, number>;
  duplicates: number;
  late: number;
  latenessP95Seconds: number | null;
}

describe('GET /v1/reports/quality', () => {
  it('reports volume against its usual level, violations, missing fields, duplicates and late events', async () => {
    const res = await t.app.inject({
      url: '/v1/reports/quality',
      headers: { authorization: t.adminAuth },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ from: string; to: string; rows: Row[] }>();
    expect(body.to).toBe(new Date(T0).toISOString());
    expect(body.from).toBe(new Date(T0 - 24 * HOUR).toISOString());
    const signUps = body.rows.find((r) => r.event === 'Signed Up');
    expect(signUps).toMatchObject({
      count: 6,
      usual: 2, // 14 over 7 days
      ratio: 3,
      violations: 0,
      missing: { plan: 2 },
      duplicates: 1,
      late: 1,
    });
    expect(signUps?.source).toMatch(/^key:/);
    // Lateness of 0, 0, 0, 5 min, 5 min and 3 h: the 95th percentile interpolates between the last two.
    expect(signUps?.latenessP95Seconds).toBeCloseTo(300 + 0.75 * (3 * 3600 - 300), 6);
    const orders = body.rows.find((r) => r.event === 'Order Completed');
    expect(orders).toMatchObject({ count: 2, usual: 0, ratio: null, violations: 1, duplicates: 0 });
  });

  it('takes a period, a baseline and a lateness threshold', async () => {
    const res = await t.app.inject({
      url: `/v1/reports/quality?from=${new Date(T0 - 2 * HOUR).toISOString()}&to=${new Date(T0).toISOString()}&baselineDays=3&lateMinutes=1`,
      headers: { authorization: t.adminAuth },
    });
    expect(res.statusCode).toBe(200);
    const signUps = res.json<{ rows: Row[] }>().rows.find((r) => r.event === 'Signed Up');
    // 14 over 3 days is 14 / 36 per 2 hours; with a 1-minute threshold the resends count as late too.
    expect(signUps?.usual).toBeCloseTo(14 / 36, 9);
    expect(signUps?.late).toBe(3);
  });

  it('answers CSV, one row per source and event, when asked for text/csv', async () => {
    const json = (
      await t.app.inject({ url: '/v1/reports/quality', headers: { authorization: t.adminAuth } })
    ).json<{ rows: Row[] }>().rows;
    const res = await t.app.inject({
      url: '/v1/reports/quality',
      headers: { authorization: t.adminAuth, accept: 'text/csv' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'source,event,count,usual,ratio,violations,missing,duplicates,late,lateness_p95_seconds',
    );
    expect(lines).toHaveLength(1 + json.length);
    const signUps = lines.find((line) => line.includes(',Signed Up,'))?.split(',');
    expect(signUps?.slice(2, 9)).toEqual(['6', '2', '3', '0', 'plan:2', '1', '1']);
    const orders = lines.find((line) => line.includes(',Order Completed,'))?.split(',');
    expect(orders?.[4]).toBe(''); // ratio null
  });

  it.each([
    ['from after to', `from=${new Date(T0).toISOString()}&to=${new Date(T0 - HOUR).toISOString()}`],
    ['a bad time', 'from=yesterday'],
    ['a baseline of 0 days', 'baselineDays=0'],
    ['an unknown parameter', 'colour=red'],
  ])('answers 400 with a reason for %s', async (_name, query) => {
    const res = await t.app.inject({
      url: `/v1/reports/quality?${query}`,
      headers: { authorization: t.adminAuth },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/\w{4,}.*\w{4,}/);
  });
});
