import Database from 'better-sqlite3';
import { seededRandom } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Retention over HTTP: 120 generated people over ten weeks, whose weekly matrix is also computed
 * by a hand-written SQL query over the same events (an independent computation, with SQLite's
 * own calendar for the Mondays), and a monthly case worked by hand.
 */
const BASE = Date.UTC(2026, 6, 1, 9); // Wednesday 1 July 2026, 09:00 UTC
const HOUR = 3_600_000;
const NOW = BASE + 10 * 7 * 24 * HOUR;

const generated: { person: string; event: string; ms: number }[] = [];
let t: TestTailor;

beforeAll(async () => {
  t = await startTestTailor({}, () => NOW);
  const next = seededRandom(11);
  for (let p = 0; p < 120; p++) {
    let hours = Math.floor(next() * 5 * 7 * 24);
    for (let e = 0, n = 1 + Math.floor(next() * 7); e < n; e++) {
      const event = e === 0 || next() < 0.2 ? 'Signed Up' : 'Opened App';
      // Some return events come before the sign-up: they must not count.
      const ms = BASE + (e === 1 && next() < 0.2 ? hours - 30 : hours) * HOUR;
      generated.push({ person: `g${p}`, event, ms });
      hours += Math.floor(next() * 14 * 24);
    }
  }
  await t.collect(
    generated
      .filter((g) => g.ms <= NOW)
      .map((g) => ({
        type: 'track',
        userId: g.person,
        event: g.event,
        properties: {},
        timestamp: new Date(g.ms).toISOString(),
      })),
  );
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

function retention(body: unknown) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/reports/retention',
    headers: { authorization: t.adminAuth },
    payload: body as object,
  });
}

interface Cohort {
  start: string;
  size: number;
  retained: (number | null)[];
  rates: (number | null)[];
}

describe('POST /v1/reports/retention', () => {
  it('builds the weekly matrix a hand-written SQL query builds', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE e (person TEXT, event TEXT, at INTEGER)');
    const insert = db.prepare('INSERT INTO e VALUES (?, ?, ?)');
    for (const g of generated) if (g.ms <= NOW) insert.run(g.person, g.event, g.ms);
    const monday = (column: string) =>
      `date(${column} / 1000, 'unixepoch', '-6 days', 'weekday 1')`;
    const sizes = db
      .prepare(
        `WITH first AS (SELECT person, MIN(at) AS at FROM e WHERE event = 'Signed Up' GROUP BY person)
         SELECT ${monday('at')} AS cohort, COUNT(*) AS n FROM first GROUP BY cohort ORDER BY cohort`,
      )
      .all() as { cohort: string; n: number }[];
    const cells = db
      .prepare(
        `WITH first AS (SELECT person, MIN(at) AS at FROM e WHERE event = 'Signed Up' GROUP BY person),
         c AS (SELECT person, at, ${monday('at')} AS cohort FROM first),
         r AS (SELECT DISTINCT c.person, c.cohort,
                 CAST(ROUND((julianday(${monday('e.at')}) - julianday(c.cohort)) / 7) AS INTEGER) AS n
               FROM c JOIN e ON e.person = c.person AND e.event = 'Opened App' AND e.at >= c.at)
         SELECT cohort, n, COUNT(*) AS people FROM r WHERE n BETWEEN 1 AND 12 GROUP BY cohort, n`,
      )
      .all() as { cohort: string; n: number; people: number }[];
    db.close();

    const res = await retention({
      start: { event: 'Signed Up' },
      return: { event: 'Opened App' },
      period: 'week',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ people: number; cohorts: Cohort[] }>();
    expect(body.people).toBe(120);
    expect(body.cohorts.map((c) => [c.start.slice(0, 10), c.size])).toEqual(
      sizes.map((s) => [s.cohort, s.n]),
    );
    let compared = 0;
    for (const cohort of body.cohorts) {
      const day = cohort.start.slice(0, 10);
      expect(cohort.retained[0]).toBe(cohort.size);
      for (let n = 1; n <= 12; n++) {
        const begun = Date.parse(cohort.start) + n * 7 * 24 * HOUR <= NOW;
        const expected = cells.find((c) => c.cohort === day && c.n === n)?.people ?? 0;
        expect(cohort.retained[n], `${day} week ${n}`).toBe(begun ? expected : null);
        if (begun && expected > 0) compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('reads monthly cohorts, any event as return, and leaves periods not begun null', async () => {
    const res = await retention({
      start: { event: 'Signed Up' },
      return: { event: '*' },
      period: 'month',
      periods: 4,
    });
    const cohorts = res.json<{ cohorts: Cohort[] }>().cohorts;
    // NOW is 9 September 2026: July's cohort has begun periods 0 to 2, August's 0 and 1.
    expect(cohorts.map((c) => c.start)).toEqual([
      '2026-07-01T00:00:00.000Z',
      '2026-08-01T00:00:00.000Z',
    ]);
    expect(cohorts[0]?.retained.slice(3)).toEqual([null, null]);
    expect(cohorts[1]?.retained.slice(2)).toEqual([null, null, null]);
    expect(cohorts[0]?.rates[0]).toBe(1);
  });

  it('answers CSV, one row per cohort and period begun, when asked for text/csv', async () => {
    const body = {
      start: { event: 'Signed Up' },
      return: { event: '*' },
      period: 'month',
      periods: 4,
    };
    const json = (await retention(body)).json<{ cohorts: Cohort[] }>().cohorts;
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/reports/retention',
      headers: { authorization: t.adminAuth, accept: 'text/csv' },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines[0]).toBe('cohort,size,period,retained,rate');
    const first = json[0] as Cohort;
    expect(lines[1]).toBe(`${first.start},${first.size},0,${first.size},1`);
    expect(lines).toHaveLength(
      1 + json.reduce((n, c) => n + c.retained.filter((r) => r !== null).length, 0),
    );
  });

  it.each([
    ['no start', { period: 'week' }],
    ['an unknown period', { start: { event: 'A' }, period: 'fortnight' }],
    ['too many periods', { start: { event: 'A' }, periods: 61 }],
    ['a since that is not a time', { start: { event: 'A' }, since: 'yesterday' }],
  ])('answers 400 with a reason for %s', async (_name, body) => {
    const res = await retention(body);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/\w{4,}.*\w{4,}/);
  });
});
