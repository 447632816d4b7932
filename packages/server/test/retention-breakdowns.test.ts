import Database from 'better-sqlite3';
import { seededRandom } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Retention broken down by current segment and by a property of the first start event, over
 * HTTP: 200 generated people over ten weeks, in two overlapping segments, whose sign-ups carry a
 * channel (a person may sign up again from another). Each group's weekly matrix is also built by a
 * hand-written SQL query over the same events, with SQLite's own calendar for the Mondays.
 */
const BASE = Date.UTC(2026, 6, 1, 9); // Wednesday 1 July 2026, 09:00 UTC
const HOUR = 3_600_000;
const NOW = BASE + 10 * 7 * 24 * HOUR;
const CHANNELS = ['ads', 'friends', 'search'];

const generated: { person: string; event: string; ms: number; via: string | null }[] = [];
/** Page visits with a UTM source, around each person's first sign-up (see beforeAll). */
const visits: { person: string; ms: number; source: string }[] = [];
const traits = new Map<string, { plan: string; size: number }>();
let t: TestTailor;

beforeAll(async () => {
  t = await startTestTailor({}, () => NOW);
  for (const [name, definition] of [
    ['pro', 'traits.plan = "pro"'],
    ['teams', 'traits.size > 5'],
  ] as const)
    expect((await t.admin('PUT', `/v1/segments/${name}`, { definition })).statusCode).toBe(200);
  const next = seededRandom(23);
  for (let p = 0; p < 200; p++) {
    const person = `g${p}`;
    traits.set(person, { plan: next() < 0.5 ? 'pro' : 'free', size: Math.floor(next() * 10) });
    let hours = Math.floor(next() * 5 * 7 * 24);
    for (let e = 0, n = 1 + Math.floor(next() * 7); e < n; e++) {
      const event = e === 0 || next() < 0.2 ? 'Signed Up' : 'Opened App';
      // A few sign-ups carry no channel: they are the null group.
      const via =
        event === 'Signed Up' && next() < 0.9
          ? (CHANNELS[Math.floor(next() * CHANNELS.length)] as string)
          : null;
      const ms = BASE + hours * HOUR;
      if (ms <= NOW) generated.push({ person: `g${p}`, event, ms, via });
      hours += Math.floor(next() * 14 * 24);
    }
  }
  // Visits: most people come from a source an hour before their first sign-up, some from a blog
  // earlier still (first touch ≠ last), some come back later (never their touch: it is after).
  const SOURCES = ['google', 'newsletter', 'partner'];
  for (let p = 0; p < 200; p++) {
    const person = `g${p}`;
    const firstSignUp = Math.min(
      ...generated.filter((g) => g.person === person && g.event === 'Signed Up').map((g) => g.ms),
    );
    const visit = (hours: number, source: string) => {
      const ms = firstSignUp + hours * HOUR;
      if (ms <= NOW) visits.push({ person, ms, source });
    };
    if (p % 4 !== 0) visit(-1, SOURCES[p % 3] as string);
    if (p % 6 === 1) visit(-3, 'blog');
    if (p % 5 === 0) visit(2, 'later');
  }
  await t.collect([
    ...visits.map(({ person, ms, source }) => ({
      type: 'page',
      userId: person,
      context: { campaign: { source, medium: 'referral' }, page: { url: 'https://site.example/' } },
      timestamp: new Date(ms).toISOString(),
    })),
    ...[...traits].map(([userId, values]) => ({
      type: 'identify',
      userId,
      traits: values,
      timestamp: new Date(BASE - HOUR).toISOString(),
    })),
    ...generated.map((g) => ({
      type: 'track',
      userId: g.person,
      event: g.event,
      properties: g.via === null ? {} : { via: g.via },
      timestamp: new Date(g.ms).toISOString(),
    })),
  ]);
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

interface Cohort {
  start: string;
  size: number;
  retained: (number | null)[];
}
interface Group {
  value: string | null;
  people: number;
  cohorts: Cohort[];
}

/**
 * The weekly matrix of the people `who` selects (a condition on first.person and first.via, the
 * channel of their first sign-up), by SQL: cohort sizes and, per cohort and week, the people back.
 */
function sqlMatrix(db: Database.Database, who: string, ...args: unknown[]) {
  const monday = (column: string) => `date(${column} / 1000, 'unixepoch', '-6 days', 'weekday 1')`;
  const first = `first AS (SELECT s.person, s.at, s.via FROM e s
      WHERE s.event = 'Signed Up' AND NOT EXISTS (SELECT 1 FROM e o WHERE o.person = s.person
        AND o.event = 'Signed Up' AND (o.at < s.at OR (o.at = s.at AND o.seq < s.seq))))`;
  const sizes = db
    .prepare(
      `WITH ${first} SELECT ${monday('at')} AS cohort, COUNT(*) AS n FROM first WHERE ${who}
       GROUP BY cohort ORDER BY cohort`,
    )
    .all(...args) as { cohort: string; n: number }[];
  const cells = db
    .prepare(
      `WITH ${first},
       c AS (SELECT person, at, ${monday('at')} AS cohort FROM first WHERE ${who}),
       r AS (SELECT DISTINCT c.person, c.cohort,
               CAST(ROUND((julianday(${monday('e.at')}) - julianday(c.cohort)) / 7) AS INTEGER) AS n
             FROM c JOIN e ON e.person = c.person AND e.event = 'Opened App' AND e.at >= c.at)
       SELECT cohort, n, COUNT(*) AS people FROM r WHERE n BETWEEN 1 AND 12 GROUP BY cohort, n`,
    )
    .all(...args) as { cohort: string; n: number; people: number }[];
  return { sizes, cells };
}

function database(): Database.Database {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE e (seq INTEGER PRIMARY KEY, person TEXT, event TEXT, at INTEGER, via TEXT);
           CREATE TABLE m (person TEXT, segment TEXT);
           CREATE TABLE pg (person TEXT, at INTEGER, source TEXT)`);
  const page = db.prepare('INSERT INTO pg VALUES (?, ?, ?)');
  for (const v of visits) page.run(v.person, v.ms, v.source);
  const insert = db.prepare('INSERT INTO e (person, event, at, via) VALUES (?, ?, ?, ?)');
  for (const g of generated) insert.run(g.person, g.event, g.ms, g.via);
  const member = db.prepare('INSERT INTO m VALUES (?, ?)');
  for (const [person, { plan, size }] of traits) {
    if (plan === 'pro') member.run(person, 'pro');
    if (size > 5) member.run(person, 'teams');
  }
  return db;
}

/** Compares a group's matrix with SQL's; returns how many non-zero cells were compared. */
function compare(group: Group | undefined, sql: ReturnType<typeof sqlMatrix>): number {
  expect(group).toBeDefined();
  const cohorts = (group as Group).cohorts;
  expect(cohorts.map((c) => [c.start.slice(0, 10), c.size])).toEqual(
    sql.sizes.map((s) => [s.cohort, s.n]),
  );
  let compared = 0;
  for (const cohort of cohorts) {
    const day = cohort.start.slice(0, 10);
    for (let n = 1; n <= 12; n++) {
      const begun = Date.parse(cohort.start) + n * 7 * 24 * HOUR <= NOW;
      const expected = sql.cells.find((c) => c.cohort === day && c.n === n)?.people ?? 0;
      expect(cohort.retained[n], `${day} week ${n}`).toBe(begun ? expected : null);
      if (begun && expected > 0) compared++;
    }
  }
  return compared;
}

async function retention(breakdown: object) {
  const res = await t.admin('POST', '/v1/reports/retention', {
    start: { event: 'Signed Up' },
    return: { event: 'Opened App' },
    breakdown,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ people: number; breakdown: Group[] }>();
}

describe('retention breakdowns', () => {
  it('builds each segment’s weekly matrix as SQL does, a person in two in both', async () => {
    const db = database();
    const body = await retention({ segments: true });
    expect(body.breakdown.map((g) => g.value).sort()).toEqual(['pro', 'teams']);
    for (const segment of ['pro', 'teams']) {
      const sql = sqlMatrix(db, 'person IN (SELECT person FROM m WHERE segment = ?)', segment);
      const group = body.breakdown.find((g) => g.value === segment);
      expect(compare(group, sql)).toBeGreaterThan(5);
      expect(group?.people).toBe(sql.sizes.reduce((n, s) => n + s.n, 0));
    }
    db.close();
  });

  it('builds a matrix per value of the first sign-up’s property as SQL does', async () => {
    const db = database();
    const body = await retention({ property: 'via' });
    expect(body.breakdown.map((g) => g.value).sort()).toEqual([...CHANNELS, null].sort());
    for (const group of body.breakdown) {
      const sql = sqlMatrix(db, 'via IS ?', group.value);
      expect(compare(group, sql)).toBeGreaterThan(group.value === null ? 0 : 3);
    }
    // Each person is in exactly one group: the channel of their first sign-up.
    expect(body.breakdown.reduce((n, g) => n + g.people, 0)).toBe(body.people);
    // The commonest first.
    const sizes = body.breakdown.map((g) => g.people);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    db.close();
  });

  it.each([
    ['first', 'ASC'],
    ['last', 'DESC'],
  ])(
    'builds a matrix per %s touch’s source at or before the first sign-up as SQL does',
    async (touch, order) => {
      const db = database();
      const body = await retention({ touch, by: 'source' });
      const keyOf = `(SELECT pg.source FROM pg WHERE pg.person = first.person AND pg.at <= first.at
       ORDER BY pg.at ${order} LIMIT 1)`;
      const values = body.breakdown.map((g) => g.value);
      expect(values).toContain(null);
      expect(values).not.toContain('later');
      expect(values.includes('blog')).toBe(touch === 'first');
      for (const group of body.breakdown) {
        const sql = sqlMatrix(db, `${keyOf} IS ?`, group.value);
        expect(compare(group, sql)).toBeGreaterThan(0);
      }
      expect(body.breakdown.reduce((n, g) => n + g.people, 0)).toBe(body.people);
      db.close();
    },
  );

  it('answers CSV with the group in front', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/reports/retention',
      headers: { authorization: t.adminAuth, accept: 'text/csv' },
      payload: { start: { event: 'Signed Up' }, breakdown: { segments: true } },
    });
    const lines = res.body.trimEnd().split('\n');
    expect(lines[0]).toBe('group,group_absent,cohort,size,period,retained,rate');
    expect(lines[1]).toMatch(/^,false,2026-06-29T00:00:00.000Z,\d+,0,\d+,1$/);
    expect(lines.some((line) => line.startsWith('teams,false,'))).toBe(true);
  });

  it('answers 400 for a breakdown by two things', async () => {
    const res = await t.admin('POST', '/v1/reports/retention', {
      start: { event: 'Signed Up' },
      breakdown: { segments: true, property: 'via' },
    });
    expect(res.statusCode).toBe(400);
  });
});
