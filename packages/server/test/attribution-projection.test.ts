import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  ATTRIBUTION_KEYS,
  ATTRIBUTION_MODELS,
  formatTimestamp,
  seededRandom,
  type AttributionRequest,
  type ChannelRule,
  type FunnelRequest,
} from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSealer } from '../src/privacy/open-sealer.js';
import { AttributionService } from '../src/reports/attribution-service.js';
import { FunnelService } from '../src/reports/funnel-service.js';
import { PROJECTION_FILE } from '../src/reports/projection/open-report-projection.js';
import { ProjectionFeed } from '../src/reports/projection/projection-feed.js';
import { ReportProjection } from '../src/reports/projection/report-projection.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Attribution answered from the reports projection (its touch columns, docs/reports.md) against
 * attribution read from the log (attribution.test.ts checks that one by hand): the same answers,
 * for every `by` and model, with own touchpoints, channel rules (the request's and stored ones),
 * revenue weighting, lookback and paths since the last conversion, on 200 generated people (a
 * third anonymous first) whose pages carry campaigns, referrers (the site's own, malformed,
 * missing) and whose track events include decisions clicked, email links clicked by Tailor and
 * by a client, a track event named `Page Viewed`; after merges, a refusal, an erasure and
 * reopening; fed by the pipeline's rows alone; and from a file made before the touch columns.
 * Funnels broken down by the first or last touch (every key, every order, own touchpoints, an
 * exclusion) read the same columns and are compared with the log's the same way.
 */
const BASE = Date.UTC(2026, 9, 5, 9);
const HOUR = 3_600_000;
const NOW = BASE + 3000 * HOUR;
const at = (hours: number) => new Date(BASE + hours * HOUR).toISOString();
const STORED_RULES: ChannelRule[] = [{ channel: 'Partners', sources: ['partner.example'] }];

let t: TestTailor;

const REQUESTS: AttributionRequest[] = [
  ...ATTRIBUTION_KEYS.map((by): AttributionRequest => ({
    conversion: 'Order Completed',
    by,
    models: [...ATTRIBUTION_MODELS],
  })),
  {
    conversion: 'Order Completed',
    by: 'source',
    models: [...ATTRIBUTION_MODELS],
    unkeyed: 'direct',
    weight: 'revenue',
    lookbackDays: 20,
    halfLifeDays: 3,
  },
  {
    conversion: 'Order Completed',
    by: 'channel',
    models: [...ATTRIBUTION_MODELS],
    ownTouchpoints: ['email_clicks', 'decision_clicks'],
    channels: [
      { channel: 'Podcasts', mediums: ['audio'] },
      { channel: 'Lifecycle', mediums: ['email'] },
    ],
    weight: 'revenue',
  },
  {
    conversion: 'Order Completed',
    by: 'campaign',
    models: ['first_touch', 'linear', 'markov', 'shapley'],
    ownTouchpoints: ['decision_clicks'],
    paths: 'since_conversion',
  },
  {
    conversion: 'Order Completed',
    by: 'content',
    models: ['last_touch', 'time_decay', 'markov_2'],
    ownTouchpoints: ['email_clicks', 'decision_clicks'],
  },
  // A conversion named as one of Tailor's own touchpoints is never also a touchpoint.
  {
    conversion: 'Decision Clicked',
    by: 'medium',
    models: ['first_touch', 'markov'],
    ownTouchpoints: ['decision_clicks', 'email_clicks'],
  },
  // A track event named `Page Viewed` converts; page events do not.
  { conversion: 'Page Viewed', by: 'channel', models: ['last_touch', 'linear'] },
  { conversion: 'Never Sent', by: 'source', models: ['first_touch'] },
];

const STEPS = [
  { event: 'Page Viewed' },
  { event: 'Decision Clicked' },
  { event: 'Order Completed' },
];
/** Funnels broken down by the first or last touch, which the projection answers too. */
const FUNNELS: FunnelRequest[] = [
  ...ATTRIBUTION_KEYS.map((by, i): FunnelRequest => ({
    steps: STEPS,
    windowDays: 30,
    breakdown: { touch: i % 2 === 0 ? 'first' : 'last', by },
  })),
  {
    steps: STEPS,
    order: 'strict',
    breakdown: {
      touch: 'last',
      by: 'channel',
      ownTouchpoints: ['decision_clicks', 'email_clicks'],
    },
  },
  {
    steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }, { event: 'Decision Clicked' }],
    order: 'any',
    breakdown: { touch: 'first', by: 'campaign', ownTouchpoints: ['decision_clicks'] },
  },
  // The same event at two steps.
  {
    steps: [{ event: 'Page Viewed' }, { event: 'Order Completed' }, { event: 'Page Viewed' }],
    breakdown: { touch: 'last', by: 'source' },
  },
  {
    steps: STEPS,
    exclude: [{ event: 'Signed Up', between: [1, 3] }],
    breakdown: { touch: 'first', by: 'channel' },
  },
];

/** A funnel read from the log alone. */
function funnelFromLog(request: FunnelRequest) {
  return new FunnelService({
    log: t.tailor.log,
    profiles: t.tailor.profiles,
    channelRules: () => Promise.resolve(STORED_RULES),
  }).funnel(request);
}

/** Attribution read from the log alone. */
function fromLog(request: AttributionRequest) {
  return new AttributionService({
    log: t.tailor.log,
    profiles: t.tailor.profiles,
    channelRules: () => Promise.resolve(STORED_RULES),
  }).attribution(request);
}

async function expectSameAnswers(
  answer: (request: AttributionRequest) => Promise<unknown> = async (request) => {
    const res = await t.admin('POST', '/v1/reports/attribution', request);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  },
  funnel: (request: FunnelRequest) => Promise<unknown> = async (request) => {
    const res = await t.admin('POST', '/v1/reports/funnel', request);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  },
): Promise<void> {
  for (const request of REQUESTS) {
    const expected = await fromLog(request);
    expect(close(await answer(request)), JSON.stringify(request)).toEqual(close(expected));
  }
  for (const request of FUNNELS) {
    const expected = await funnelFromLog(request);
    expect(await funnel(request), JSON.stringify(request)).toEqual(expected);
  }
}

/** Numbers rounded to 12 significant digits (sums over people in another order may differ in the last bit). */
function close(value: unknown): unknown {
  if (typeof value === 'number') return Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(close);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, close(v)]));
  return value;
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

/** A generated person's events (in time order). */
function personEvents(next: () => number, p: number): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  let hours = Math.floor(next() * 1500);
  const anonymous = p % 3 === 0;
  const count = 1 + Math.floor(next() * 10);
  for (let e = 0; e < count; e++) {
    hours += Math.floor(next() * 60);
    const who = anonymous && e < count / 2 ? { anonymousId: `anon-${p}` } : { userId: `user-${p}` };
    if (anonymous && e === Math.ceil(count / 2))
      events.push({
        type: 'identify',
        userId: `user-${p}`,
        anonymousId: `anon-${p}`,
        timestamp: at(hours),
      });
    const r = next();
    const base = { ...who, timestamp: at(hours) };
    if (r < 0.55) {
      const campaign =
        next() < 0.5
          ? {
              source: pick(next, ['google', 'newsletter', 'facebook', 'Partner.example', '']),
              medium: pick(next, ['cpc', 'email', 'social', 'referral', 'audio', undefined]),
              name: pick(next, ['spring', 'summer', undefined]),
              content: pick(next, ['a', 'b', undefined]),
              term: pick(next, ['shoes', undefined]),
            }
          : undefined;
      const referrer = pick(next, [
        'https://www.google.com/search?q=boots',
        'https://m.facebook.com/',
        'https://shop.example.com/cart?id=7',
        'https://News.Example.org/a',
        'not a url',
        '',
        undefined,
      ]);
      const onPage = next() < 0.8;
      events.push({
        type: 'page',
        ...base,
        context: {
          ...(campaign === undefined ? {} : { campaign }),
          ...(onPage ? { page: { url: `https://shop.example.com/p${e}`, referrer } } : {}),
        },
        properties: onPage ? {} : { url: 'https://shop.example.com/', referrer },
      });
    } else if (r < 0.72)
      events.push({
        type: 'track',
        ...base,
        event: 'Order Completed',
        properties: { revenue: pick(next, [49.5, 10, '12', undefined, -5]) },
      });
    else if (r < 0.8)
      events.push({
        type: 'track',
        ...base,
        event: 'Decision Clicked',
        properties: {
          placement: pick(next, ['hero', 'sidebar', '']),
          itemId: pick(next, ['i1', 'i2', undefined]),
        },
      });
    else if (r < 0.84)
      // A client's own event of that name: no touchpoint.
      events.push({
        type: 'track',
        ...base,
        event: 'Email Link Clicked',
        properties: { journey: 'fake', step: '0' },
      });
    else if (r < 0.88) events.push({ type: 'track', ...base, event: 'Page Viewed' });
    else events.push({ type: 'track', ...base, event: 'Signed Up' });
  }
  return events;
}

/** Journey email clicks as the click route records them (source `journeys`), for identified people. */
async function appendEmailClicks(next: () => number): Promise<void> {
  const clicks = [];
  for (let p = 1; p < 200; p += 4) {
    const when = formatTimestamp(BASE + Math.floor(next() * 1500) * HOUR);
    clicks.push({
      type: 'track' as const,
      event: 'Email Link Clicked',
      messageId: `click-${p}`,
      userId: `user-${p}`,
      anonymousId: null,
      timestamp: when,
      receivedAt: when,
      properties: { journey: pick(next, ['welcome', 'winback']), step: pick(next, ['0', '1']) },
      context: {},
      tailor: { source: 'journeys' },
    });
  }
  await t.tailor.log.append(clicks);
}

beforeAll(async () => {
  t = await startTestTailor({}, () => NOW);
  const next = seededRandom(19);
  const batch: Record<string, unknown>[] = [];
  for (let p = 0; p < 200; p++) batch.push(...personEvents(next, p));
  // A campaign value only user-6's page carries (user-6 is erased below).
  batch.push({
    type: 'page',
    userId: 'user-6',
    context: { campaign: { source: 'google', term: 'only-user-6' } },
    timestamp: at(1000),
  });
  const put = await t.admin('PUT', '/v1/channel-rules', { rules: STORED_RULES });
  expect(put.statusCode, put.body).toBe(200);
  // Sent in log order unlike time order: each person's steps are put in time order.
  await t.collect(batch.slice(0, 700));
  await appendEmailClicks(next);
  await t.collect(batch.slice(700).reverse());
});
afterAll(async () => {
  await t.close();
});

describe('attribution from the reports projection', () => {
  it('answers as the log does, for every key, model and option', async () => {
    expect(t.tailor.projection).toBeDefined();
    const rules = REQUESTS.find((r) => r.by === 'channel' && r.channels !== undefined);
    const result = await t.admin('POST', '/v1/reports/attribution', rules);
    const models = result.json<{ models: Record<string, { shares: Record<string, number> }> }>();
    // The data reaches every kind of key: own touchpoints, both rules, default channels.
    expect(Object.keys(models.models.linear?.shares ?? {})).toEqual(
      expect.arrayContaining(['Personalization', 'Lifecycle', 'Podcasts', 'Partners', 'Direct']),
    );
    const funnel = await t.admin('POST', '/v1/reports/funnel', FUNNELS[5]);
    expect(funnel.json<{ breakdown: unknown[] }>().breakdown.length).toBeGreaterThan(3);
    await expectSameAnswers();
  });

  it('is kept by the rows the pipeline hands it, without reading the log again', async () => {
    const projection = await ReportProjection.open(':memory:', {
      log: { read: () => Promise.reject(new Error('the projection read the log')) },
      profiles: t.tailor.profiles,
      folded: () => Promise.resolve(0),
    });
    try {
      const feed = new ProjectionFeed({
        profiles: t.tailor.profiles,
        send: (rows) => void projection.receive(rows),
      });
      const { lastPosition } = await t.tailor.log.stats();
      for (let from = 0; from < lastPosition;) {
        const events = await t.tailor.log.read(from, 97);
        const to = events[events.length - 1]?.position ?? lastPosition;
        await feed.follow(events, { from, to });
        from = to;
      }
      const service = new AttributionService({
        log: t.tailor.log,
        profiles: t.tailor.profiles,
        channelRules: () => Promise.resolve(STORED_RULES),
        projection: () => projection,
      });
      const funnels = new FunnelService({
        log: t.tailor.log,
        profiles: t.tailor.profiles,
        channelRules: () => Promise.resolve(STORED_RULES),
        projection: () => projection,
      });
      await expectSameAnswers(
        (request) => service.attribution(request),
        (request) => funnels.funnel(request),
      );
    } finally {
      await projection.close();
    }
  });

  it('reads profiles merged after their events were projected as one person', async () => {
    await t.collect([
      {
        type: 'page',
        anonymousId: 'anon-x1',
        context: { campaign: { source: 'podcast', medium: 'audio' } },
        timestamp: at(2000),
      },
      {
        type: 'track',
        userId: 'user-x1',
        event: 'Order Completed',
        properties: { revenue: 5 },
        timestamp: at(2001),
      },
    ]);
    await expectSameAnswers();
    await t.collect([
      { type: 'identify', userId: 'user-x1', anonymousId: 'anon-x1', timestamp: at(2002) },
    ]);
    await expectSameAnswers();
  });

  it('leaves out a person who refuses analytics and an erased person', async () => {
    const profile = (await t.admin('GET', '/v1/profiles?identifier=userId:user-4')).json<{
      id: string;
    }>();
    const refused = await t.admin('PUT', `/v1/profiles/${profile.id}/consent`, {
      purposes: { analytics: false },
    });
    expect(refused.statusCode).toBe(200);
    await t.collect([]);
    await expectSameAnswers();
    expect(
      (await t.admin('POST', '/v1/privacy/erase', { identifier: 'userId:user-6' })).statusCode,
    ).toBe(202);
    await t.collect([]);
    await expectSameAnswers();
  });

  it('keeps its touch columns when reopened, holding hosts and no campaign value of the erased', async () => {
    const answer = await t.admin('POST', '/v1/reports/attribution', REQUESTS[5]);
    await t.shut();
    // What the file holds: hosts, never a URL; the erased person's own campaign value is gone.
    const instance = await DuckDBInstance.create(join(t.dir, PROJECTION_FILE), {
      access_mode: 'READ_ONLY',
    });
    const db = await instance.connect();
    const strings = (await db.runAndReadAll('SELECT id, value FROM touch_strings')).getRows();
    db.closeSync();
    instance.closeSync();
    // Sealed as the log's payloads are (encryption is on by default): nothing readable in the
    // file, each string opening only for its own row.
    const sealer = openSealer(t.tailor.config);
    expect(sealer.encrypts).toBe(true);
    const stored = strings.map(([, value]) => String(value));
    expect(stored).not.toEqual(expect.arrayContaining(['shop.example.com']));
    for (const value of stored) expect(value).not.toMatch(/example|google|spring/);
    const values = strings.map(([id, value]) =>
      sealer.open(Buffer.from(String(value), 'base64'), `touch_strings:${String(id)}`),
    );
    expect(values).toEqual(
      expect.arrayContaining(['shop.example.com', 'www.google.com', 'spring']),
    );
    expect(values).not.toContain('only-user-6');
    for (const value of values) expect(value).not.toMatch(/[/?:]/);
    const [firstId, firstValue] = strings[0] ?? [];
    expect(() =>
      sealer.open(
        Buffer.from(String(firstValue), 'base64'),
        `touch_strings:${String(Number(firstId) + 1)}`,
      ),
    ).toThrow();

    await t.reopen();
    const again = await t.admin('POST', '/v1/reports/attribution', REQUESTS[5]);
    expect(again.json()).toEqual(answer.json());
    await expectSameAnswers();
  });

  it('projects a file made before the touch columns again from the log', async () => {
    const stats = await t.tailor.projection?.stats();
    await t.shut();
    // The file as the previous version left it: every event projected, without touch columns.
    const file = join(t.dir, PROJECTION_FILE);
    const instance = await DuckDBInstance.create(file);
    const db = await instance.connect();
    await db.run(
      'DROP TABLE touch_strings; DROP TABLE touch_combos; ALTER TABLE events DROP COLUMN revenue; ALTER TABLE events DROP COLUMN touch',
    );
    db.closeSync();
    instance.closeSync();
    await t.reopen();
    expect(await t.tailor.projection?.stats()).toEqual(stats);
    await expectSameAnswers();
  });
});
