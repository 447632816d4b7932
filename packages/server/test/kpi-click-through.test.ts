import Database from 'better-sqlite3';
import { seededRandom, type StoredMessage } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * KPIs over HTTP: placement click-through, and CLV by segment and by experiment variant.
 * 60 generated people on a moving clock: each is assigned in the experiment `copy`, asks decide
 * for two placements a few times (real `Decision Made` records), clicks some of them (a click
 * naming the item, or only the placement), and buys on a few days (the `clv` computed trait).
 * Click-through is also counted by hand-written SQL over the decisions read back from the log;
 * the means of a CLV field (P(alive)) by a brute force over the profiles read back through the API.
 */
const BASE = Date.UTC(2026, 10, 2, 8);
const MINUTE = 60_000;
const DAY = 86_400_000;
const FROM = BASE + DAY;
const TO = BASE + 20 * DAY;
let clock = BASE;
let t: TestTailor;
const people = Array.from({ length: 60 }, (_, p) => `g${p}`);
const clicks: { person: string; placement: string; item: string | null; at: number }[] = [];

beforeAll(async () => {
  t = await startTestTailor({}, () => clock);
  const put = async (url: string, body: object) => {
    expect((await t.admin('PUT', url, body)).statusCode, url).toBe(200);
  };
  await put('/v1/segments/pro', { definition: 'traits.plan = "pro"' });
  await put('/v1/computed-traits/clv', { definition: 'clv("Order Completed".revenue, 52w)' });
  await put('/v1/experiments/copy', { variants: [{ id: 'a' }, { id: 'b' }] });
  await put('/v1/placements/hero', {
    items: [{ id: 'sale', when: 'traits.plan = "pro"', priority: 10, template: 'Sale' }],
    default: { id: 'welcome', template: 'Welcome' },
  });
  await put('/v1/placements/footer', {
    items: [{ id: 'app', when: 'traits.size > 4', priority: 10, template: 'Get the app' }],
    default: { id: 'news', template: 'Newsletter' },
  });
  const next = seededRandom(31);
  const orders: Record<string, unknown>[] = [];
  await t.collect(
    people.map((userId) => ({
      type: 'identify',
      userId,
      traits: { plan: next() < 0.5 ? 'pro' : 'free', size: Math.floor(next() * 9) },
      timestamp: new Date(BASE - DAY).toISOString(),
    })),
  );
  // The schedule: each person's decisions at whole minutes, in time order over everyone.
  const visits: { person: string; at: number }[] = [];
  for (const person of people) {
    for (let v = 0, n = 1 + Math.floor(next() * 5); v < n; v++)
      visits.push({ person, at: BASE + Math.floor(next() * 22 * 24 * 60) * MINUTE });
    for (let o = 0, n = Math.floor(next() * 8); o < n; o++)
      orders.push({
        type: 'track',
        userId: person,
        event: 'Order Completed',
        properties: { revenue: 10 + Math.round(next() * 90) },
        timestamp: new Date(BASE - Math.floor(next() * 200) * DAY).toISOString(),
      });
  }
  visits.sort((a, b) => a.at - b.at);
  for (const person of people) {
    const assigned = await t.post('/v1/experiments/copy/assign', { userId: person });
    expect(assigned.statusCode).toBe(200);
  }
  for (const { person, at } of visits) {
    clock = at;
    const res = await t.post('/v1/decide', { userId: person, placements: ['hero', 'footer'] });
    expect(res.statusCode).toBe(200);
    const decisions = res.json<{ decisions: { placement: string; itemId: string | null }[] }>()
      .decisions;
    for (const { placement, itemId } of decisions) {
      if (itemId === null) continue;
      // Clicked soon, late (past the 30-minute window) or not at all; some clicks name no item,
      // some name another item than the one shown (they click nothing).
      const draw = next();
      if (draw > 0.55) continue;
      const delay = draw < 0.4 ? 7 + Math.floor(next() * 20) : 40 + Math.floor(next() * 100);
      const item = next() < 0.2 ? null : next() < 0.1 ? 'other' : itemId;
      clicks.push({ person, placement, item, at: at + delay * MINUTE + 1000 });
    }
  }
  clock = BASE + 30 * DAY;
  await t.collect([
    ...orders,
    ...clicks.map(({ person, placement, item, at }) => ({
      type: 'track',
      userId: person,
      event: 'Decision Clicked',
      properties: item === null ? { placement } : { placement, itemId: item },
      timestamp: new Date(at).toISOString(),
    })),
    // A client's own `Decision Made` is not a decision.
    {
      type: 'track',
      userId: 'g0',
      event: 'Decision Made',
      properties: { placement: 'hero', itemId: 'sale' },
      timestamp: new Date(FROM + DAY).toISOString(),
    },
  ]);
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

interface Clicks {
  decisions: number;
  clicked: number;
  clickThroughRate: number | null;
}
interface Row {
  group: string;
  visitors: number;
  computed: Record<string, { mean: number | null; count: number }>;
  placements: (Clicks & { placement: string; items: (Clicks & { itemId: string })[] })[];
}

async function kpis(body: object) {
  const res = await t.admin('POST', '/v1/reports/kpis', body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ all: Row; groups: Row[] }>();
}

/** Every person's decide records and clicks in SQLite, with their segment and variant. */
async function database(): Promise<Database.Database> {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE d (seq INTEGER PRIMARY KEY, person TEXT, placement TEXT, item TEXT, at INTEGER);
           CREATE TABLE c (person TEXT, placement TEXT, item TEXT, at INTEGER);
           CREATE TABLE g (person TEXT, grp TEXT)`);
  const decision = db.prepare('INSERT INTO d (person, placement, item, at) VALUES (?, ?, ?, ?)');
  const group = db.prepare('INSERT INTO g VALUES (?, ?)');
  for (const person of people) {
    const events: StoredMessage[] = await t.eventsOf(person);
    for (const e of events) {
      if (e.event === 'Decision Made' && e.tailor.source === 'decide')
        decision.run(
          person,
          e.properties?.placement,
          e.properties?.itemId,
          Date.parse(e.timestamp),
        );
      if (e.event === 'Experiment Viewed')
        group.run(person, `variant:${String(e.properties?.variant)}`);
    }
    const profile = (await t.admin('GET', `/v1/profiles?identifier=userId:${person}`)).json<{
      segments: string[];
    }>();
    for (const segment of profile.segments) group.run(person, `segment:${segment}`);
  }
  const click = db.prepare('INSERT INTO c VALUES (?, ?, ?, ?)');
  for (const { person, placement, item, at } of clicks) click.run(person, placement, item, at);
  return db;
}

/** Per placement and item: decisions in [FROM, TO) of the people `who` selects, and those clicked. */
function sqlClickThrough(db: Database.Database, who: string, ...args: unknown[]) {
  const window = 30 * MINUTE;
  return db
    .prepare(
      `SELECT d.placement, d.item, COUNT(*) AS decisions,
         SUM(EXISTS (SELECT 1 FROM c WHERE c.person = d.person AND c.placement = d.placement
               AND (c.item IS NULL OR c.item = d.item) AND c.at > d.at AND c.at - d.at <= ${window}
               AND NOT EXISTS (SELECT 1 FROM d n WHERE n.person = d.person
                 AND n.placement = d.placement AND n.seq <> d.seq
                 AND (n.at > d.at OR (n.at = d.at AND n.seq > d.seq)) AND n.at < c.at))) AS clicked
       FROM d WHERE d.at >= ${FROM} AND d.at < ${TO} AND ${who}
       GROUP BY d.placement, d.item ORDER BY d.placement, d.item`,
    )
    .all(...args) as { placement: string; item: string; decisions: number; clicked: number }[];
}

/** A row's placements flattened as SQL's rows. */
function flat(row: Row | undefined) {
  return (row?.placements ?? []).flatMap((p) =>
    p.items.map((i) => ({
      placement: p.placement,
      item: i.itemId,
      decisions: i.decisions,
      clicked: i.clicked,
    })),
  );
}

describe('KPIs: placement click-through and CLV by group', () => {
  it('counts each placement’s and item’s click-through as SQL does, everyone and per segment', async () => {
    const db = await database();
    const body = await kpis({
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      by: { segments: true },
      clickThrough: { withinMinutes: 30 },
    });
    const all = sqlClickThrough(db, '1');
    expect(flat(body.all)).toEqual(all);
    expect(all.length).toBe(4); // hero: sale, welcome; footer: app, news
    expect(all.every((r) => r.clicked > 0 && r.clicked < r.decisions)).toBe(true);
    const pro = body.groups.find((g) => g.group === 'pro');
    expect(flat(pro)).toEqual(
      sqlClickThrough(db, `d.person IN (SELECT person FROM g WHERE grp = 'segment:pro')`),
    );
    const hero = body.all.placements.find((p) => p.placement === 'hero') as Row['placements'][0];
    const heroSql = all.filter((r) => r.placement === 'hero');
    expect(hero.decisions).toBe(heroSql.reduce((n, r) => n + r.decisions, 0));
    expect(hero.clickThroughRate).toBeCloseTo(
      heroSql.reduce((n, r) => n + r.clicked, 0) / hero.decisions,
      12,
    );
    db.close();
  });

  it('counts click-through per experiment variant and with the default day-long window', async () => {
    const db = await database();
    const body = await kpis({
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      by: { experiment: 'copy' },
      clickThrough: {},
    });
    expect(body.groups.map((g) => g.group)).toEqual(['a', 'b']);
    for (const variant of ['a', 'b']) {
      const rows = sqlClickThrough(
        db,
        `d.person IN (SELECT person FROM g WHERE grp = ?)`,
        `variant:${variant}`,
      );
      // With a day-long window the late clicks count too.
      const dayLong = db
        .prepare(
          `SELECT COUNT(*) AS n FROM d WHERE d.at >= ${FROM} AND d.at < ${TO}
             AND d.person IN (SELECT person FROM g WHERE grp = ?)`,
        )
        .get(`variant:${variant}`) as { n: number };
      const row = body.groups.find((g) => g.group === variant);
      expect(row?.placements.reduce((n, p) => n + p.decisions, 0)).toBe(dayLong.n);
      const clicked = row?.placements.reduce((n, p) => n + p.clicked, 0) ?? 0;
      expect(clicked).toBeGreaterThan(rows.reduce((n, r) => n + r.clicked, 0));
    }
    db.close();
  });

  it('reports the mean of a CLV field (a path into the computed value) per segment and variant as the profiles give it', async () => {
    const body = await kpis({
      by: { segments: true },
      computed: ['clv.pAlive', 'clv.expectedSpend'],
    });
    const byVariant = await kpis({ by: { experiment: 'copy' }, computed: ['clv.pAlive'] });
    const values: { segments: string[]; variant: string; clv: number | undefined }[] = [];
    for (const person of people) {
      const profile = (await t.admin('GET', `/v1/profiles?identifier=userId:${person}`)).json<{
        segments: string[];
        computed: { clv?: { pAlive?: number } };
      }>();
      const exposure = (await t.eventsOf(person)).find((e) => e.event === 'Experiment Viewed');
      values.push({
        segments: profile.segments,
        variant: String(exposure?.properties?.variant),
        clv: profile.computed.clv?.pAlive,
      });
    }
    const mean = (rows: typeof values) => {
      const known = rows.filter((r) => typeof r.clv === 'number');
      return {
        count: known.length,
        mean: known.reduce((s, r) => s + (r.clv as number), 0) / known.length,
      };
    };
    const pro = mean(values.filter((v) => v.segments.includes('pro')));
    expect(pro.count).toBeGreaterThan(5);
    const proRow = body.groups.find((g) => g.group === 'pro');
    expect(proRow?.computed['clv.pAlive']?.count).toBe(pro.count);
    expect(proRow?.computed['clv.pAlive']?.mean).toBeCloseTo(pro.mean, 9);
    expect(proRow?.computed['clv.expectedSpend']?.count).toBe(pro.count);
    for (const variant of ['a', 'b']) {
      const expected = mean(values.filter((v) => v.variant === variant));
      const row = byVariant.groups.find((g) => g.group === variant);
      expect(row?.computed['clv.pAlive']?.count).toBe(expected.count);
      expect(row?.computed['clv.pAlive']?.mean).toBeCloseTo(expected.mean, 9);
    }
    expect(body.all.computed['clv.pAlive']?.mean).toBeCloseTo(mean(values).mean, 9);
  });

  it('answers CSV: a row per group, then its placements and items', async () => {
    const body = {
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      by: { segments: true },
      computed: ['clv.pAlive'],
      clickThrough: {},
    };
    const json = await kpis(body);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/reports/kpis',
      headers: { authorization: t.adminAuth, accept: 'text/csv' },
      payload: body,
    });
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body
      .trimEnd()
      .split('\n')
      .map((line) => line.split(','));
    expect(lines[0]).toEqual([
      'group',
      'placement',
      'item_id',
      'visitors',
      'converters',
      'conversion_rate',
      'orders',
      'revenue',
      'average_order_value',
      'revenue_per_visitor',
      'clv.pAlive_mean',
      'clv.pAlive_count',
      'decisions',
      'clicked',
      'click_through_rate',
    ]);
    const all = lines.find((l) => l[0] === '*' && l[1] === '');
    expect(all?.[3]).toBe(String(json.all.visitors));
    expect(all?.[11]).toBe(String(json.all.computed['clv.pAlive']?.count));
    const heroSale = lines.find((l) => l[0] === 'pro' && l[1] === 'hero' && l[2] === 'sale');
    const pro = json.groups.find((g) => g.group === 'pro');
    const sale = pro?.placements
      .find((p) => p.placement === 'hero')
      ?.items.find((i) => i.itemId === 'sale');
    expect(heroSale?.slice(12, 14)).toEqual([String(sale?.decisions), String(sale?.clicked)]);
    const rows = 1 + json.groups.length;
    const placementRows = [json.all, ...json.groups].reduce(
      (n, g) => n + g.placements.reduce((m, p) => m + 1 + p.items.length, 0),
      0,
    );
    expect(lines).toHaveLength(1 + rows + placementRows);
  });

  it('answers 400 for a bad click window or a malformed computed path', async () => {
    for (const body of [
      { clickThrough: { withinMinutes: 0 } },
      { clickThrough: { colour: 'red' } },
      { computed: ['clv..value'] },
      { computed: ['.value'] },
    ]) {
      const res = await t.admin('POST', '/v1/reports/kpis', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
  });
});
