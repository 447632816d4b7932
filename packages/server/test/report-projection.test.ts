import { seededRandom, type FunnelRequest, type RetentionRequest } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunnelService } from '../src/reports/funnel-service.js';
import { ProjectionFeed } from '../src/reports/projection/projection-feed.js';
import { ReportProjection } from '../src/reports/projection/report-projection.js';
import { RetentionService } from '../src/reports/retention-service.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * The columnar projection behind funnels and retention (docs/reports.md) against the reports read
 * from the log (person-timelines.ts, itself checked against hand-written SQL in funnel.test.ts and
 * retention.test.ts, which now run through the projection too): the same answers on generated
 * people with anonymous visits identified later, after merges, a refusal of analytics and an
 * erasure made once the events were projected, and after the projection is reopened.
 */
const BASE = Date.UTC(2026, 9, 5, 9);
const HOUR = 3_600_000;
const NOW = BASE + 3000 * HOUR;
const at = (hours: number) => new Date(BASE + hours * HOUR).toISOString();
const NAMES = ['Signed Up', 'Viewed Pricing', 'Subscribed', 'Opened App'];

let t: TestTailor;

/** The answers read from the log alone, for comparison. */
function fromLog() {
  const deps = { log: t.tailor.log, profiles: t.tailor.profiles };
  return {
    funnel: (request: FunnelRequest) => new FunnelService(deps).funnel(request),
    retention: (request: RetentionRequest) =>
      new RetentionService({ ...deps, now: () => NOW }).retention(request),
  };
}

async function report(kind: 'funnel' | 'retention', body: object): Promise<unknown> {
  const res = await t.admin('POST', `/v1/reports/${kind}`, body);
  expect(res.statusCode).toBe(200);
  return res.json();
}

const FUNNELS: FunnelRequest[] = [
  { steps: NAMES.slice(0, 3).map((event) => ({ event })), windowDays: 4 },
  { steps: NAMES.slice(0, 3).map((event) => ({ event })), windowDays: 4, order: 'strict' },
  { steps: NAMES.slice(0, 3).map((event) => ({ event })), windowDays: 4, order: 'any' },
  {
    steps: [{ event: 'Signed Up' }, { event: 'Page Viewed' }, { event: 'Subscribed' }],
    exclude: [{ event: 'Opened App', between: [2, 3] }],
  },
  // The same event at two steps.
  { steps: [{ event: 'Opened App' }, { event: 'Signed Up' }, { event: 'Opened App' }] },
];
const RETENTIONS: RetentionRequest[] = [
  { start: { event: 'Signed Up' }, return: { event: 'Opened App' }, periods: 8 },
  { start: { event: '*' }, period: 'day', periods: 30 },
  { start: { event: 'Signed Up' }, period: 'month', periods: 3 },
];

async function expectSameAnswers(): Promise<void> {
  const log = fromLog();
  for (const request of FUNNELS)
    expect(await report('funnel', request)).toEqual(await log.funnel(request));
  for (const request of RETENTIONS)
    expect(await report('retention', request)).toEqual(await log.retention(request));
}

beforeAll(async () => {
  t = await startTestTailor({}, () => NOW);
  const next = seededRandom(26);
  const batch: Record<string, unknown>[] = [];
  for (let p = 0; p < 200; p++) {
    let hours = Math.floor(next() * 1500);
    // A third start anonymously and are identified half way.
    const anonymous = p % 3 === 0;
    const events = 1 + Math.floor(next() * 8);
    for (let e = 0; e < events; e++) {
      hours += Math.floor(next() * 60);
      const who =
        anonymous && e < events / 2 ? { anonymousId: `anon-${p}` } : { userId: `user-${p}` };
      if (anonymous && e === Math.ceil(events / 2))
        batch.push({
          type: 'identify',
          userId: `user-${p}`,
          anonymousId: `anon-${p}`,
          timestamp: at(hours),
        });
      const name = NAMES[Math.floor(next() * NAMES.length)] as string;
      batch.push(
        next() < 0.15
          ? { type: 'page', ...who, properties: { path: '/' }, timestamp: at(hours) }
          : { type: 'track', ...who, event: name, properties: {}, timestamp: at(hours) },
      );
    }
  }
  // Sent in log order unlike time order: the projection sorts each person's events by time.
  await t.collect(batch.slice(0, 600));
  await t.collect(batch.slice(600).reverse());
});
afterAll(async () => {
  await t.close();
});

describe('the reports projection', () => {
  it('answers funnels and retention as the log does', async () => {
    expect(t.tailor.projection).toBeDefined();
    const stats = await t.tailor.projection?.stats();
    expect(stats?.events).toBeGreaterThan(500);
    await expectSameAnswers();
  });

  it('is kept by the rows the pipeline hands it, without reading the log again', async () => {
    // A second projection that may not read the log: everything in it came through the feed.
    const projection = await ReportProjection.open(':memory:', {
      log: {
        read: () => Promise.reject(new Error('the projection read the log')),
      },
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
      // A batch sent twice (a worker restarted after folding it) is not counted again.
      await feed.follow(await t.tailor.log.read(0, 10), { from: 0, to: 10 });
      expect(await projection.stats()).toEqual(await t.tailor.projection?.stats());
      const log = fromLog();
      const funnels = new FunnelService({
        log: t.tailor.log,
        profiles: t.tailor.profiles,
        projection: () => projection,
      });
      for (const request of FUNNELS)
        expect(await funnels.funnel(request)).toEqual(await log.funnel(request));
    } finally {
      await projection.close();
    }
  });

  it('catches up from the log in pages of any size, to the same rows', async () => {
    const { lastPosition } = await t.tailor.log.stats();
    const expected = await t.tailor.projection?.stats();
    // 37 a page: many pages; none given: sized by how long a page takes (250 to 5,000).
    for (const pageSize of [37, undefined]) {
      const projection = await ReportProjection.open(':memory:', {
        log: t.tailor.log,
        profiles: t.tailor.profiles,
        folded: () => Promise.resolve(lastPosition),
        ...(pageSize !== undefined && { pageSize }),
      });
      try {
        expect(await projection.stats()).toEqual(expected);
        const funnels = new FunnelService({
          log: t.tailor.log,
          profiles: t.tailor.profiles,
          projection: () => projection,
        });
        const request = FUNNELS[0] as FunnelRequest;
        expect(await funnels.funnel(request)).toEqual(await fromLog().funnel(request));
      } finally {
        await projection.close();
      }
    }
  });

  it('reads two profiles merged after their events were projected as one person', async () => {
    const before = await t.tailor.projection?.stats();
    // anon-1 and user-1 had separate profiles (person 1 was never anonymous): an identify merges them.
    await t.collect([
      { type: 'track', anonymousId: 'anon-x1', event: 'Signed Up', timestamp: at(2000) },
      { type: 'track', userId: 'user-x1', event: 'Viewed Pricing', timestamp: at(2001) },
    ]);
    expect((await t.tailor.projection?.stats())?.events).toBe((before?.events ?? 0) + 2);
    const steps = [{ event: 'Signed Up' }, { event: 'Viewed Pricing' }];
    const apart = (await report('funnel', { steps, windowDays: 1 })) as {
      steps: { count: number }[];
    };
    await t.collect([
      { type: 'identify', userId: 'user-x1', anonymousId: 'anon-x1', timestamp: at(2002) },
    ]);
    const merged = (await report('funnel', { steps, windowDays: 1 })) as {
      steps: { count: number }[];
    };
    expect(merged.steps[1]?.count).toBe((apart.steps[1]?.count ?? 0) + 1);
    await expectSameAnswers();
  });

  it('leaves out a person who refuses analytics, and an erased person, once told', async () => {
    const profile = (await t.admin('GET', '/v1/profiles?identifier=userId:user-3')).json<{
      id: string;
    }>();
    const refused = await t.admin('PUT', `/v1/profiles/${profile.id}/consent`, {
      purposes: { analytics: false },
    });
    expect(refused.statusCode).toBe(200);
    await t.collect([]);
    await expectSameAnswers();

    const before = await t.tailor.projection?.stats();
    const own = (await t.eventsOf('user-6')).length;
    expect(own).toBeGreaterThan(0);
    expect(
      (await t.admin('POST', '/v1/privacy/erase', { identifier: 'userId:user-6' })).statusCode,
    ).toBe(202);
    await t.collect([]);
    // user-6 was anonymous first: the identify and the anonymous events go too.
    expect((await t.tailor.projection?.stats())?.events).toBeLessThanOrEqual(
      (before?.events ?? 0) - own,
    );
    await expectSameAnswers();
  });

  it('keeps its rows and people when reopened', async () => {
    const before = await t.tailor.projection?.stats();
    const answer = await report('funnel', FUNNELS[0] as object);
    await t.shut();
    await t.reopen();
    expect(await t.tailor.projection?.stats()).toEqual(before);
    expect(await report('funnel', FUNNELS[0] as object)).toEqual(answer);
    await expectSameAnswers();
  });
});
