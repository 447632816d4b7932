import Database from 'better-sqlite3';
import { seededRandom } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Funnel breakdowns by a current segment and by the first or last touch, over HTTP. 160 generated
 * people with a plan and a team size (two overlapping segments), funnel events and page visits:
 * from a paid Google ad, a newsletter, typed in (direct), or a link on the site itself (no
 * touchpoint). Each group's counts are also counted by hand-written SQL over the same events,
 * where a visit's source and channel are the generator's own labels, not Tailor's grouping.
 */
const BASE = Date.UTC(2026, 10, 1, 12);
const HOUR = 3_600_000;
const SITE = 'https://shop.example';
const STEPS = ['Signed Up', 'Viewed Pricing', 'Subscribed'];

/** The kinds of visit: their page context, and the touchpoint they are (source, channel). */
const VISITS = {
  ad: {
    context: {
      campaign: { source: 'google', medium: 'cpc', name: 'brand' },
      page: { url: `${SITE}/` },
    },
    source: 'google',
    channel: 'Paid Search',
  },
  newsletter: {
    context: {
      campaign: { source: 'newsletter', medium: 'email' },
      page: { url: `${SITE}/news` },
    },
    source: 'newsletter',
    channel: 'Email',
  },
  direct: { context: { page: { url: `${SITE}/` } }, source: null, channel: 'Direct' },
  internal: {
    context: { page: { url: `${SITE}/docs`, referrer: `${SITE}/` } },
    source: null,
    channel: null,
  },
} as const;
type Visit = keyof typeof VISITS;
const KINDS: string[] = [...STEPS, 'ad', 'newsletter', 'direct', 'internal'];

interface Generated {
  person: string;
  kind: string;
  hours: number;
}
const generated: Generated[] = [];
const plans = new Map<string, { plan: string; size: number }>();
let t: TestTailor;

beforeAll(async () => {
  t = await startTestTailor({}, () => BASE + 3000 * HOUR);
  for (const [name, definition] of [
    ['pro', 'traits.plan = "pro"'],
    ['teams', 'traits.size > 5'],
  ] as const)
    expect((await t.admin('PUT', `/v1/segments/${name}`, { definition })).statusCode).toBe(200);
  const next = seededRandom(19);
  for (let p = 0; p < 300; p++) {
    const person = `g${p}`;
    plans.set(person, {
      plan: next() < 0.4 ? 'pro' : 'free',
      size: Math.floor(next() * 10),
    });
    let hours = Math.floor(next() * 100);
    for (let e = 0, n = 3 + Math.floor(next() * 8); e < n; e++) {
      hours += Math.floor(next() * 20);
      generated.push({ person, kind: KINDS[Math.floor(next() * KINDS.length)] as string, hours });
    }
  }
  await t.collect([
    ...[...plans].map(([userId, traits]) => ({
      type: 'identify',
      userId,
      traits,
      timestamp: new Date(BASE - HOUR).toISOString(),
    })),
    ...generated.map(({ person, kind, hours }) => {
      const timestamp = new Date(BASE + hours * HOUR).toISOString();
      if (kind in VISITS)
        return { type: 'page', userId: person, context: VISITS[kind as Visit].context, timestamp };
      return { type: 'track', userId: person, event: kind, properties: {}, timestamp };
    }),
  ]);
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

interface Group {
  value: string | null;
  people: number;
  steps: { count: number }[];
}

async function breakdown(by: object): Promise<Record<string, number[]>> {
  const res = await t.admin('POST', '/v1/reports/funnel', {
    steps: STEPS.map((event) => ({ event })),
    windowDays: 6,
    breakdown: by,
  });
  expect(res.statusCode).toBe(200);
  const groups = res.json<{ breakdown: Group[] }>().breakdown;
  return Object.fromEntries(
    groups.map((group) => [String(group.value), group.steps.map((s) => s.count)]),
  );
}

/**
 * The generated events in SQLite: e (seq, person, event, at, source, channel) with visits named
 * `Visit`, m (person, segment) from the traits, and t (seq, first, last): each sign-up with the
 * source and channel of the person's first touchpoint before it and of the latest.
 */
function database(): Database.Database {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE e (seq INTEGER PRIMARY KEY, person TEXT, event TEXT, at INTEGER,
             source TEXT, channel TEXT);
           CREATE TABLE m (person TEXT, segment TEXT)`);
  const insert = db.prepare(
    'INSERT INTO e (person, event, at, source, channel) VALUES (?, ?, ?, ?, ?)',
  );
  for (const { person, kind, hours } of generated) {
    const visit = kind in VISITS ? VISITS[kind as Visit] : undefined;
    insert.run(
      person,
      visit ? 'Visit' : kind,
      hours * HOUR,
      visit?.source ?? null,
      visit?.channel ?? null,
    );
  }
  const member = db.prepare('INSERT INTO m VALUES (?, ?)');
  for (const [person, { plan, size }] of plans) {
    if (plan === 'pro') member.run(person, 'pro');
    if (size > 5) member.run(person, 'teams');
  }
  const touch = (column: string, direction: string) =>
    `(SELECT p.${column} FROM e p WHERE p.person = a.person AND p.${column} IS NOT NULL
        AND (p.at < a.at OR (p.at = a.at AND p.seq < a.seq))
      ORDER BY p.at ${direction}, p.seq ${direction} LIMIT 1)`;
  db.exec(`CREATE TABLE t AS SELECT a.seq,
             ${touch('source', 'ASC')} AS first_source, ${touch('source', 'DESC')} AS last_source,
             ${touch('channel', 'ASC')} AS first_channel, ${touch('channel', 'DESC')} AS last_channel
           FROM e a WHERE a.event = 'Signed Up'`);
  return db;
}

/** The 3-step ordered funnel's counts over the sign-ups `starts` (a condition on a and t). */
function sqlFunnel(db: Database.Database, starts: string, ...args: unknown[]): number[] {
  const window = 144 * HOUR;
  const after = (x: string, y: string) =>
    `(${y}.at > ${x}.at OR (${y}.at = ${x}.at AND ${y}.seq > ${x}.seq))`;
  const from = `FROM e a JOIN t ON t.seq = a.seq`;
  return [
    `SELECT COUNT(DISTINCT a.person) AS n ${from} WHERE ${starts}`,
    `SELECT COUNT(DISTINCT a.person) AS n ${from} JOIN e b ON b.person = a.person
       AND b.event = 'Viewed Pricing' AND ${after('a', 'b')} AND b.at - a.at <= ${window}
     WHERE ${starts}`,
    `SELECT COUNT(DISTINCT a.person) AS n ${from}
       JOIN e b ON b.person = a.person AND b.event = 'Viewed Pricing' AND ${after('a', 'b')}
       JOIN e c ON c.person = a.person AND c.event = 'Subscribed' AND ${after('b', 'c')}
         AND c.at - a.at <= ${window}
     WHERE ${starts}`,
  ].map((query) => (db.prepare(query).get(...args) as { n: number }).n);
}

describe('funnel breakdowns', () => {
  it('breaks a funnel down by current segment, a person in two in each, as SQL does', async () => {
    const db = database();
    const inSegment = 'a.person IN (SELECT person FROM m WHERE segment = ?)';
    const expected = {
      pro: sqlFunnel(db, inSegment, 'pro'),
      teams: sqlFunnel(db, inSegment, 'teams'),
    };
    const both = (
      db
        .prepare(
          `SELECT COUNT(*) AS n FROM (SELECT person FROM m GROUP BY person HAVING COUNT(*) = 2)`,
        )
        .get() as { n: number }
    ).n;
    db.close();
    expect(await breakdown({ segments: true })).toEqual(expected);
    expect(expected.pro[2]).toBeGreaterThan(0);
    expect(expected.teams[2]).toBeGreaterThan(0);
    expect(both).toBeGreaterThan(10);
  });

  it.each([
    ['first', 'source'],
    ['last', 'source'],
    ['first', 'channel'],
    ['last', 'channel'],
  ])('breaks a funnel down by the %s touch’s %s, as SQL does', async (touch, by) => {
    const db = database();
    const column = `${touch}_${by}`;
    const values = (
      db.prepare(`SELECT DISTINCT ${column} AS v FROM t`).all() as { v: string | null }[]
    ).map(({ v }) => v);
    const expected = Object.fromEntries(
      values.map((v) => [
        String(v),
        sqlFunnel(db, `a.event = 'Signed Up' AND t.${column} IS ?`, v),
      ]),
    );
    db.close();
    expect(values.length).toBeGreaterThanOrEqual(by === 'source' ? 3 : 4);
    expect(Object.values(expected).filter((counts) => (counts[2] ?? 0) > 0).length).toBe(
      values.length,
    );
    expect(await breakdown({ touch, by })).toEqual(expected);
  });

  it('answers 400 for a breakdown by two things or an unknown touch', async () => {
    for (const by of [
      { segments: true, property: 'plan' },
      { touch: 'middle', by: 'source' },
      { touch: 'first', by: 'colour' },
      { segments: false },
    ]) {
      const res = await t.admin('POST', '/v1/reports/funnel', {
        steps: STEPS.map((event) => ({ event })),
        breakdown: by,
      });
      expect(res.statusCode).toBe(400);
    }
  });
});
