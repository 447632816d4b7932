import { seededRandom, type FunnelRequest, type RetentionRequest } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../src/log/event-log.js';
import { FunnelService } from '../src/reports/funnel-service.js';
import { ReportProjection } from '../src/reports/projection/report-projection.js';
import { RetentionService } from '../src/reports/retention-service.js';
import type { StoredProfile } from '../src/store/profile-store.js';

/*
 * Funnels and retention from the reports projection (retention computed in SQL by
 * retention-sql.ts; funnels by computeFunnelColumns over the rows it returns) against the same
 * reports read from the log and computed by core's computeFunnel and computeRetention (themselves
 * checked against hand-written SQL in funnel.test.ts and retention.test.ts): 400 generated people,
 * many events at the same millisecond (so the log order decides), windows ending exactly on an
 * event, the same event at several steps, 20 steps, periods of a day, a week and a month. Each
 * runs twice: reading DuckDB, and reading the in-memory index (report-index.ts) the projection
 * keeps beside it, which reports read when `indexMaxEvents` allows.
 */
const BASE = Date.UTC(2026, 0, 30, 22);
const MINUTE = 60_000;
const NOW = BASE + 200 * 24 * 60 * MINUTE;
const NAMES = ['A', 'B', 'C', 'D', 'E'];

const messages: LoggedEvent[] = [];
const profileOf = (userId: string) =>
  ({ id: `profile-${userId}`, consent: { current: {} }, segments: [] }) as unknown as StoredProfile;
const profiles = {
  byIdentifier: ({ value }: { value: string }) => Promise.resolve(profileOf(value)),
  byId: (id: string) => Promise.resolve(profileOf(id.slice('profile-'.length))),
};
const log = {
  read: (after: number, limit: number) =>
    Promise.resolve(messages.filter((m) => m.position > after).slice(0, limit)),
};
/** The projection reading DuckDB, and the one reading its in-memory index. */
const projections: Record<string, ReportProjection> = {};
const PATHS = [
  ['DuckDB', 0],
  ['the in-memory index', 1_000_000],
] as const;

beforeAll(async () => {
  const next = seededRandom(19);
  const rows: { at: number; userId: string; event: string }[] = [];
  for (let p = 0; p < 400; p++) {
    let at = BASE + Math.floor(next() * 60 * 24 * 60) * MINUTE;
    const count = 1 + Math.floor(next() * 25);
    for (let e = 0; e < count; e++) {
      // Often the same minute (a tie), sometimes a whole day or week later.
      const gap = next();
      at += gap < 0.3 ? 0 : gap < 0.8 ? Math.floor(next() * 600) * MINUTE : 7 * 24 * 60 * MINUTE;
      rows.push({ at, userId: `u${p}`, event: NAMES[Math.floor(next() * NAMES.length)] as string });
    }
  }
  // Log order is not time order: shuffled.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as (typeof rows)[number], rows[i] as (typeof rows)[number]];
  }
  rows.forEach(({ at, userId, event }, i) => {
    const timestamp = new Date(at).toISOString();
    messages.push({
      position: i + 1,
      partition: 0,
      message: {
        type: 'track',
        messageId: `m${i}`,
        userId,
        anonymousId: null,
        event,
        properties: {},
        timestamp,
        receivedAt: timestamp,
        context: {},
        tailor: { source: 'key:test' },
      },
    });
  });
  for (const [path, indexMaxEvents] of PATHS)
    projections[path] = await ReportProjection.open(':memory:', {
      log,
      profiles,
      folded: () => Promise.resolve(messages.length),
      indexMaxEvents,
    });
});
afterAll(async () => {
  for (const projection of Object.values(projections)) await projection.close();
});

const steps = (...names: string[]) => names.map((event) => ({ event }));
const FUNNELS: FunnelRequest[] = [
  { steps: steps('A', 'B'), windowDays: 1 },
  { steps: steps('A', 'B', 'C', 'D'), windowDays: 0.25 },
  { steps: steps('A', 'B', 'C', 'D', 'E'), windowDays: 7 },
  { steps: steps('A', 'A', 'B', 'A'), windowDays: 3 },
  { steps: steps('B', 'Z', 'C') },
  { steps: Array.from({ length: 20 }, (_, k) => ({ event: NAMES[k % 3] as string })) },
  { steps: steps('A', 'B', 'C'), windowDays: 0.25, order: 'any' },
  { steps: steps('E', 'D', 'C', 'B', 'A'), windowDays: 10, order: 'any' },
  // Windows ending exactly on events: 10 minutes is a multiple of the generated gaps.
  { steps: steps('A', 'B', 'C'), windowDays: 10 / (24 * 60) },
  { steps: steps('A', 'B', 'C'), windowDays: 10 / (24 * 60), order: 'any' },
];
const RETENTIONS: RetentionRequest[] = [
  { start: { event: 'A' }, return: { event: 'B' } },
  { start: { event: '*' }, period: 'day', periods: 60 },
  { start: { event: 'C' }, return: { event: '*' }, period: 'month', periods: 6 },
  { start: { event: 'A' }, since: new Date(BASE + 20 * 24 * 60 * MINUTE).toISOString() },
  { start: { event: 'Z' } },
];

describe.each(PATHS)('funnels and retention over the projection reading %s', (path) => {
  const projection = (): ReportProjection => projections[path] as ReportProjection;
  it('reads the path it is meant to', () => {
    expect(projection().indexed).toBe(path !== 'DuckDB');
  });

  it.each(FUNNELS.map((request) => [JSON.stringify(request), request] as const))(
    'funnel %s equals computeFunnel over the log',
    async (_, request) => {
      const fromProjection = await new FunnelService({ log, profiles, projection }).funnel(request);
      const fromLog = await new FunnelService({ log, profiles }).funnel(request);
      expect(fromProjection).toEqual(fromLog);
      expect(fromLog.people).toBeGreaterThan(0);
    },
  );

  it.each(RETENTIONS.map((request) => [JSON.stringify(request), request] as const))(
    'retention %s equals computeRetention over the log',
    async (_, request) => {
      const deps = { log, profiles, now: () => NOW };
      const fromProjection = await new RetentionService({ ...deps, projection }).retention(request);
      const fromLog = await new RetentionService(deps).retention(request);
      expect(fromProjection).toEqual(fromLog);
    },
  );
});

describe.each(PATHS)(
  "the log's retention reaching the projection reading %s",
  (_, indexMaxEvents) => {
    it('deletes the decision records the log deletes, and only them', async () => {
      const now = BASE + 100 * 24 * 60 * MINUTE;
      const entries: LoggedEvent[] = [];
      for (let i = 0; i < 300; i++) {
        // Received over 100 days; every third a decision record.
        const received = new Date(BASE + i * 8 * 60 * MINUTE).toISOString();
        entries.push({
          position: i + 1,
          partition: 0,
          message: {
            type: 'track',
            messageId: `r${i}`,
            userId: `u${i % 40}`,
            anonymousId: null,
            event: i % 3 === 0 ? 'Decision Made' : 'Clicked',
            properties: {},
            timestamp: received,
            receivedAt: received,
            context: {},
            tailor: { source: 'key:test' },
          },
        });
      }
      const kept = entries.filter(
        ({ message }) =>
          message.event !== 'Decision Made' ||
          Date.parse(message.receivedAt) >= now - 30 * 24 * 60 * MINUTE,
      );
      const entriesLog = {
        read: (after: number, limit: number) =>
          Promise.resolve(entries.filter((e) => e.position > after).slice(0, limit)),
      };
      const keptLog = {
        read: (after: number, limit: number) =>
          Promise.resolve(kept.filter((e) => e.position > after).slice(0, limit)),
      };
      const retained = await ReportProjection.open(':memory:', {
        log: entriesLog,
        profiles,
        folded: () => Promise.resolve(entries.length),
        retention: { event: 'Decision Made', days: 30, now: () => now },
        indexMaxEvents,
      });
      try {
        expect(kept.length).toBeLessThan(entries.length - 50);
        expect((await retained.stats()).events).toBe(kept.length);
        const request: FunnelRequest = { steps: steps('Decision Made', 'Clicked'), windowDays: 1 };
        expect(
          await new FunnelService({
            log: entriesLog,
            profiles,
            projection: () => retained,
          }).funnel(request),
        ).toEqual(await new FunnelService({ log: keptLog, profiles }).funnel(request));
      } finally {
        await retained.close();
      }
    });
  },
);
