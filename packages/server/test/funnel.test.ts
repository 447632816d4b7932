import Database from 'better-sqlite3';
import { seededRandom } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Funnels over HTTP. Two parts:
 * - 150 generated people (userIds only), whose 3-step ordered funnel is also counted by a
 *   hand-written SQL query over the same events (an independent computation);
 * - a few people worked by hand: identity resolution (an anonymous first step), a refusal of
 *   analytics, a `where` on a page's path, strict and any order.
 */
const BASE = Date.UTC(2026, 10, 1, 12);
const HOUR = 3_600_000;
const at = (hours: number) => new Date(BASE + hours * HOUR).toISOString();
const track = (who: Record<string, string>, event: string, hours: number) => ({
  type: 'track',
  ...who,
  event,
  properties: {},
  timestamp: at(hours),
});
const STEPS = ['Signed Up', 'Viewed Pricing', 'Subscribed'];
const NAMES = [...STEPS, 'Opened App'];

const planOf = (hours: number) => (hours % 3 === 0 ? 'pro' : 'free');
const generated: { person: string; event: string; hours: number }[] = [];
let t: TestTailor;

beforeAll(async () => {
  t = await startTestTailor({}, () => BASE + 2000 * HOUR);
  const next = seededRandom(7);
  for (let p = 0; p < 150; p++) {
    let hours = Math.floor(next() * 100);
    const events = 1 + Math.floor(next() * 6);
    for (let e = 0; e < events; e++) {
      hours += Math.floor(next() * 40);
      generated.push({
        person: `g${p}`,
        event: NAMES[Math.floor(next() * NAMES.length)] as string,
        hours,
      });
    }
  }
  await t.collect(
    generated.map((e) => ({
      ...track({ userId: e.person }, e.event, e.hours),
      // Sign-ups carry a plan (a breakdown's property), taken from the hour so the draws stay put.
      properties: e.event === 'Signed Up' ? { plan: planOf(e.hours) } : {},
    })),
  );
  await t.collect([
    // h1: signs up anonymously, views pricing and subscribes once identified.
    track({ anonymousId: 'anon-h1' }, 'Checkout Started', 1000),
    { type: 'identify', userId: 'h1', anonymousId: 'anon-h1', timestamp: at(1001) },
    {
      type: 'page',
      userId: 'h1',
      name: 'Pricing',
      properties: { path: '/pricing' },
      timestamp: at(1002),
    },
    track({ userId: 'h1' }, 'Checkout Completed', 1003),
    // h2: the same steps, but the page is another path, then completes.
    track({ userId: 'h2' }, 'Checkout Started', 1000),
    { type: 'page', userId: 'h2', properties: { path: '/about' }, timestamp: at(1001) },
    track({ userId: 'h2' }, 'Checkout Completed', 1002),
    // h3 completes the funnel but refuses analytics: left out.
    track({ userId: 'h3' }, 'Checkout Started', 1000),
    { type: 'page', userId: 'h3', properties: { path: '/pricing' }, timestamp: at(1001) },
    track({ userId: 'h3' }, 'Checkout Completed', 1002),
  ]);
  const h3 = (
    await t.app.inject({
      url: '/v1/profiles?identifier=userId:h3',
      headers: { authorization: t.adminAuth },
    })
  ).json<{ id: string }>();
  const refused = await t.app.inject({
    method: 'PUT',
    url: `/v1/profiles/${h3.id}/consent`,
    headers: { authorization: t.adminAuth },
    payload: { purposes: { analytics: false } },
  });
  expect(refused.statusCode).toBe(200);
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

function funnel(body: unknown) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/reports/funnel',
    headers: { authorization: t.adminAuth },
    payload: body as object,
  });
}

interface Step {
  count: number;
  dropOff: number;
  conversionRate: number;
  medianSecondsFromPrevious: number | null;
}

describe('POST /v1/reports/funnel', () => {
  it('counts an ordered funnel as a hand-written SQL query does', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE e (seq INTEGER PRIMARY KEY, person TEXT, event TEXT, at INTEGER)');
    const insert = db.prepare('INSERT INTO e (person, event, at) VALUES (?, ?, ?)');
    for (const g of generated) insert.run(g.person, g.event, g.hours * HOUR);
    const window = 72 * HOUR;
    // A later event: later in time, or at the same time and later in the log.
    const after = (x: string, y: string) =>
      `(${y}.at > ${x}.at OR (${y}.at = ${x}.at AND ${y}.seq > ${x}.seq))`;
    const sql = [
      `SELECT COUNT(DISTINCT a.person) AS n FROM e a WHERE a.event = 'Signed Up'`,
      `SELECT COUNT(DISTINCT a.person) AS n FROM e a JOIN e b ON b.person = a.person
         AND b.event = 'Viewed Pricing' AND ${after('a', 'b')} AND b.at - a.at <= ${window}
       WHERE a.event = 'Signed Up'`,
      `SELECT COUNT(DISTINCT a.person) AS n FROM e a
         JOIN e b ON b.person = a.person AND b.event = 'Viewed Pricing' AND ${after('a', 'b')}
         JOIN e c ON c.person = a.person AND c.event = 'Subscribed' AND ${after('b', 'c')}
           AND c.at - a.at <= ${window}
       WHERE a.event = 'Signed Up'`,
    ].map((query) => (db.prepare(query).get() as { n: number }).n);
    db.close();

    const res = await funnel({ steps: STEPS.map((event) => ({ event })), windowDays: 3 });
    expect(res.statusCode).toBe(200);
    const steps = res.json<{ steps: Step[] }>().steps;
    expect(steps.map((s) => s.count)).toEqual(sql);
    expect(sql[2]).toBeGreaterThan(0);
    expect(steps[1]?.dropOff).toBe((sql[0] as number) - (sql[1] as number));
    expect(steps[2]?.conversionRate).toBeCloseTo((sql[2] as number) / (sql[0] as number), 12);
  });

  it('drops a person at an excluded event between steps, as a hand-written SQL query does', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE e (seq INTEGER PRIMARY KEY, person TEXT, event TEXT, at INTEGER)');
    const insert = db.prepare('INSERT INTO e (person, event, at) VALUES (?, ?, ?)');
    for (const g of generated) insert.run(g.person, g.event, g.hours * HOUR);
    const window = 72 * HOUR;
    const after = (x: string, y: string) =>
      `(${y}.at > ${x}.at OR (${y}.at = ${x}.at AND ${y}.seq > ${x}.seq))`;
    // No 'Opened App' of the person strictly between x and y.
    const clean = (x: string, y: string) =>
      `NOT EXISTS (SELECT 1 FROM e z WHERE z.person = ${x}.person AND z.event = 'Opened App'
         AND ${after(x, 'z')} AND ${after('z', y)})`;
    const sql = [
      `SELECT COUNT(DISTINCT a.person) AS n FROM e a WHERE a.event = 'Signed Up'`,
      `SELECT COUNT(DISTINCT a.person) AS n FROM e a JOIN e b ON b.person = a.person
         AND b.event = 'Viewed Pricing' AND ${after('a', 'b')} AND b.at - a.at <= ${window}
         AND ${clean('a', 'b')}
       WHERE a.event = 'Signed Up'`,
      `SELECT COUNT(DISTINCT a.person) AS n FROM e a
         JOIN e b ON b.person = a.person AND b.event = 'Viewed Pricing' AND ${after('a', 'b')}
           AND ${clean('a', 'b')}
         JOIN e c ON c.person = a.person AND c.event = 'Subscribed' AND ${after('b', 'c')}
           AND c.at - a.at <= ${window} AND ${clean('b', 'c')}
       WHERE a.event = 'Signed Up'`,
    ].map((query) => (db.prepare(query).get() as { n: number }).n);
    db.close();

    const steps = STEPS.map((event) => ({ event }));
    const res = await funnel({ steps, windowDays: 3, exclude: [{ event: 'Opened App' }] });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ steps: Step[] }>().steps.map((s) => s.count)).toEqual(sql);
    const without = await funnel({ steps, windowDays: 3 });
    expect(without.json<{ steps: Step[] }>().steps[2]?.count).toBeGreaterThan(sql[2] as number);
    expect(sql[2]).toBeGreaterThan(0);
  });

  it('breaks a funnel down by a property of the step-1 event, as a hand-written SQL query does', async () => {
    const db = new Database(':memory:');
    db.exec(
      'CREATE TABLE e (seq INTEGER PRIMARY KEY, person TEXT, event TEXT, at INTEGER, plan TEXT)',
    );
    const insert = db.prepare('INSERT INTO e (person, event, at, plan) VALUES (?, ?, ?, ?)');
    for (const g of generated)
      insert.run(
        g.person,
        g.event,
        g.hours * HOUR,
        g.event === 'Signed Up' ? planOf(g.hours) : null,
      );
    const window = 72 * HOUR;
    const after = (x: string, y: string) =>
      `(${y}.at > ${x}.at OR (${y}.at = ${x}.at AND ${y}.seq > ${x}.seq))`;
    const counts = (plan: string) =>
      [
        `SELECT COUNT(DISTINCT a.person) AS n FROM e a WHERE a.event = 'Signed Up' AND a.plan = ?`,
        `SELECT COUNT(DISTINCT a.person) AS n FROM e a JOIN e b ON b.person = a.person
           AND b.event = 'Viewed Pricing' AND ${after('a', 'b')} AND b.at - a.at <= ${window}
         WHERE a.event = 'Signed Up' AND a.plan = ?`,
        `SELECT COUNT(DISTINCT a.person) AS n FROM e a
           JOIN e b ON b.person = a.person AND b.event = 'Viewed Pricing' AND ${after('a', 'b')}
           JOIN e c ON c.person = a.person AND c.event = 'Subscribed' AND ${after('b', 'c')}
             AND c.at - a.at <= ${window}
         WHERE a.event = 'Signed Up' AND a.plan = ?`,
      ].map((query) => (db.prepare(query).get(plan) as { n: number }).n);
    const expected = { pro: counts('pro'), free: counts('free') };
    db.close();

    const res = await funnel({
      steps: STEPS.map((event) => ({ event })),
      windowDays: 3,
      breakdown: { property: 'plan' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      steps: Step[];
      breakdown: { value: string | null; steps: Step[] }[];
    }>();
    const byValue = Object.fromEntries(
      body.breakdown.map((group) => [group.value, group.steps.map((s) => s.count)]),
    );
    expect(byValue).toEqual(expected);
    expect(expected.pro[2]).toBeGreaterThan(0);
    expect(expected.free[2]).toBeGreaterThan(0);
    // The commonest value first.
    const [free, pro] = [expected.free[0] ?? 0, expected.pro[0] ?? 0];
    expect(body.breakdown[0]?.value).toBe(free >= pro ? 'free' : 'pro');

    const csv = await t.app.inject({
      method: 'POST',
      url: '/v1/reports/funnel',
      headers: { authorization: t.adminAuth, accept: 'text/csv' },
      payload: {
        steps: STEPS.map((event) => ({ event })),
        windowDays: 3,
        breakdown: { property: 'plan' },
      },
    });
    const lines = csv.body.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^group,group_absent,step,event,count,/);
    const proCounts = lines
      .filter((line) => line.startsWith('pro,false,'))
      .map((line) => Number(line.split(',')[4]));
    expect(proCounts).toEqual(expected.pro);
    expect(lines).toHaveLength(1 + 3 * (1 + body.breakdown.length));
  });

  it('joins an anonymous first step to the identified person and leaves out analytics refusers', async () => {
    const res = await funnel({
      steps: [
        { event: 'Checkout Started' },
        { event: 'Page Viewed', where: { path: '/pricing' } },
        { event: 'Checkout Completed' },
      ],
      windowDays: 1,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ people: number; steps: Step[] }>();
    // h1 (through identity) and h2 (wrong path) start; only h1 goes on; h3 is left out.
    expect(body.people).toBe(2);
    expect(body.steps.map((s) => s.count)).toEqual([2, 1, 1]);
    expect(body.steps.map((s) => s.medianSecondsFromPrevious)).toEqual([null, 7200, 3600]);
  });

  it('reads strict and any-order funnels', async () => {
    const steps = [{ event: 'Checkout Started' }, { event: 'Checkout Completed' }];
    const ordered = await funnel({ steps, windowDays: 1 });
    expect(ordered.json<{ steps: Step[] }>().steps.map((s) => s.count)).toEqual([2, 2]);
    // Strict: h1's identify and page come between, as h2's page does.
    const strict = await funnel({ steps, windowDays: 1, order: 'strict' });
    expect(strict.json<{ steps: Step[] }>().steps.map((s) => s.count)).toEqual([2, 0]);
    const any = await funnel({ steps: [...steps].reverse(), windowDays: 1, order: 'any' });
    expect(any.json<{ steps: Step[] }>().steps.map((s) => s.count)).toEqual([2, 2]);
  });

  it('answers CSV, one row per step, when asked for text/csv', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/reports/funnel',
      headers: { authorization: t.adminAuth, accept: 'text/csv, application/json;q=0.5' },
      payload: {
        steps: [{ event: 'Checkout Started' }, { event: 'Checkout Completed' }],
        windowDays: 1,
      },
    });
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body.trimEnd().split('\n')).toEqual([
      'step,event,count,conversion_rate,step_conversion_rate,drop_off,median_seconds_from_previous,mean_seconds_from_previous',
      '1,Checkout Started,2,1,1,0,,',
      '2,Checkout Completed,2,1,1,0,9000,9000',
    ]);
  });

  it.each([
    ['one step', { steps: [{ event: 'A' }] }],
    ['no steps', { steps: [] }],
    ['an unknown order', { steps: [{ event: 'A' }, { event: 'B' }], order: 'sideways' }],
    ['a window of zero', { steps: [{ event: 'A' }, { event: 'B' }], windowDays: 0 }],
    ['a repeated step in any order', { steps: [{ event: 'A' }, { event: 'A' }], order: 'any' }],
    ['an unknown field', { steps: [{ event: 'A' }, { event: 'B' }], extra: true }],
    [
      'an exclusion in an any-order funnel',
      { steps: [{ event: 'A' }, { event: 'B' }], order: 'any', exclude: [{ event: 'X' }] },
    ],
    [
      'an exclusion between steps the funnel lacks',
      { steps: [{ event: 'A' }, { event: 'B' }], exclude: [{ event: 'X', between: [1, 3] }] },
    ],
    [
      'an exclusion between a step and itself',
      {
        steps: [{ event: 'A' }, { event: 'B' }, { event: 'C' }],
        exclude: [{ event: 'X', between: [2, 2] }],
      },
    ],
  ])('answers 400 with a reason for %s', async (_name, body) => {
    const res = await funnel(body);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/\w{4,}.*\w{4,}/);
  });
});
