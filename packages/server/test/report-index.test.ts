import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, type FunnelRequest, type RetentionRequest } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../src/log/event-log.js';
import { FunnelService } from '../src/reports/funnel-service.js';
import { ReportProjection } from '../src/reports/projection/report-projection.js';
import { RetentionService } from '../src/reports/retention-service.js';
import type { StoredProfile } from '../src/store/profile-store.js';

/*
 * The in-memory index funnels and retention read (report-index.ts) against the projection reading
 * DuckDB, and both against the reports read from the log, on 300 generated people (a third
 * anonymous first, under a profile of their own), events at the same minute often (the log
 * order decides): with its events appended after it was loaded, then reopened (loaded from the
 * file) with more events appended, then after the anonymous profiles are merged into the
 * identified ones, a person refuses analytics, another gives consent back, and one is erased.
 */
const BASE = Date.UTC(2026, 2, 1, 8);
const MINUTE = 60_000;
const NOW = BASE + 150 * 24 * 60 * MINUTE;
const NAMES = ['A', 'B', 'C', 'D'];

const messages: LoggedEvent[] = [];
let position = 0;
/** Profile ids merged into another (from → into), erased, refusing analytics. */
const mergedInto = new Map<string, string>();
const erased = new Set<string>();
const refusing = new Set<string>();

function profile(id: string): StoredProfile | undefined {
  let current = id;
  while (mergedInto.has(current)) current = mergedInto.get(current) as string;
  if (erased.has(current)) return undefined;
  const consent = refusing.has(current) ? { analytics: { granted: false } } : {};
  return { id: current, consent: { current: consent }, segments: [] } as unknown as StoredProfile;
}
const profiles = {
  byIdentifier: ({ value }: { value: string }) => Promise.resolve(profile(`profile-${value}`)),
  byId: (id: string) => Promise.resolve(profile(id)),
};
const log = {
  read: (after: number, limit: number) =>
    Promise.resolve(messages.filter((m) => m.position > after).slice(0, limit)),
};

/** Generated events, shuffled into log order; the first `half` logged at once. */
const generated: { at: number; who: string; event: string }[] = [];
function logEvents(count: number): void {
  for (const { at, who, event } of generated.splice(0, count)) {
    if (profile(`profile-${who}`) === undefined) continue; // erased: the log takes no more
    const timestamp = new Date(at).toISOString();
    const anonymous = who.startsWith('anon-');
    messages.push({
      position: ++position,
      partition: 0,
      message: {
        type: 'track',
        messageId: `m${messages.length}`,
        userId: anonymous ? null : who,
        anonymousId: anonymous ? who : null,
        event,
        properties: {},
        timestamp,
        receivedAt: timestamp,
        context: {},
        tailor: { source: 'key:test' },
      },
    });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tailor-report-index-'));
const open = (file: string, indexMaxEvents: number) =>
  ReportProjection.open(join(dir, file), {
    log,
    profiles,
    folded: () => Promise.resolve(position),
    indexMaxEvents,
  });
let indexed: ReportProjection;
let plain: ReportProjection;

beforeAll(async () => {
  const next = seededRandom(41);
  for (let p = 0; p < 300; p++) {
    let at = BASE + Math.floor(next() * 60 * 24 * 60) * MINUTE;
    const count = 1 + Math.floor(next() * 20);
    for (let e = 0; e < count; e++) {
      const gap = next();
      at += gap < 0.3 ? 0 : gap < 0.8 ? Math.floor(next() * 600) * MINUTE : 7 * 24 * 60 * MINUTE;
      const who = p % 3 === 0 && e < count / 2 ? `anon-${p}` : `user-${p}`;
      generated.push({ at, who, event: NAMES[Math.floor(next() * NAMES.length)] as string });
    }
  }
  for (let i = generated.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [generated[i], generated[j]] = [
      generated[j] as (typeof generated)[number],
      generated[i] as (typeof generated)[number],
    ];
  }
  indexed = await open('indexed.duckdb', 1_000_000);
  plain = await open('plain.duckdb', 0);
});
afterAll(async () => {
  await indexed.close();
  await plain.close();
  rmSync(dir, { recursive: true, force: true });
});

const steps = (...names: string[]) => names.map((event) => ({ event }));
const FUNNELS: FunnelRequest[] = [
  { steps: steps('A', 'B', 'C'), windowDays: 3 },
  { steps: steps('A', 'B', 'C'), windowDays: 3, order: 'strict' },
  { steps: steps('A', 'B', 'C'), windowDays: 1, order: 'any' },
  { steps: steps('A', 'B', 'D'), exclude: [{ event: 'C', between: [2, 3] }] },
  { steps: Array.from({ length: 20 }, (_, k) => ({ event: NAMES[k % 4] as string })) },
];
const RETENTIONS: RetentionRequest[] = [
  { start: { event: 'A' }, return: { event: 'B' }, periods: 10 },
  { start: { event: '*' }, period: 'day', periods: 40 },
  { start: { event: 'B' }, return: { event: '*' }, period: 'month', periods: 4 },
];

/** Every report from the index, from DuckDB and from the log: the same answers. */
async function expectSameAnswers(): Promise<void> {
  expect(indexed.indexed).toBe(true);
  expect(plain.indexed).toBe(false);
  const services = (projection?: ReportProjection) => ({
    funnel: new FunnelService({ log, profiles, projection: () => projection }),
    retention: new RetentionService({
      log,
      profiles,
      now: () => NOW,
      projection: () => projection,
    }),
  });
  const [index, duck, fromLog] = [services(indexed), services(plain), services()];
  for (const request of FUNNELS) {
    const expected = await fromLog.funnel.funnel(request);
    expect(expected.people).toBeGreaterThan(0);
    expect(await index.funnel.funnel(request)).toEqual(expected);
    expect(await duck.funnel.funnel(request)).toEqual(expected);
  }
  for (const request of RETENTIONS) {
    const expected = await fromLog.retention.retention(request);
    expect(await index.retention.retention(request)).toEqual(expected);
    expect(await duck.retention.retention(request)).toEqual(expected);
  }
}

describe('the in-memory index of the reports projection', () => {
  it('answers as DuckDB and the log do with events appended after it was loaded', async () => {
    logEvents(Math.floor(generated.length / 2));
    await expectSameAnswers();
  });

  it('answers the same once reopened (loaded from the file), with more events appended', async () => {
    await indexed.close();
    indexed = await open('indexed.duckdb', 1_000_000);
    await expectSameAnswers();
    logEvents(Math.floor(generated.length / 2));
    await expectSameAnswers();
  });

  it('answers the same after merges, a refusal, consent given back and an erasure', async () => {
    const told: string[] = [];
    for (let p = 0; p < 300; p += 3) {
      mergedInto.set(`profile-anon-${p}`, `profile-user-${p}`);
      told.push(`profile-anon-${p}`);
    }
    refusing.add('profile-user-4');
    refusing.add('profile-user-7');
    erased.add('profile-user-9'); // with the anonymous profile merged into it
    erased.add('profile-user-10');
    // The log deletes the erased people's events (leaving gaps in its positions).
    const gone = new Set(['user-9', 'anon-9', 'user-10']);
    for (let i = messages.length - 1; i >= 0; i--) {
      const { userId, anonymousId } = (messages[i] as LoggedEvent).message;
      if (gone.has(userId ?? '') || gone.has(anonymousId ?? '')) messages.splice(i, 1);
    }
    told.push('profile-user-4', 'profile-user-7', 'profile-user-9', 'profile-user-10');
    const identifiers = told.map((id) => ({
      type: id.includes('anon') ? ('anonymousId' as const) : ('userId' as const),
      value: id.slice('profile-'.length),
    }));
    for (const projection of [indexed, plain]) projection.changed(told, identifiers);
    await expectSameAnswers();
    refusing.delete('profile-user-7');
    for (const projection of [indexed, plain])
      projection.changed(['profile-user-7'], [{ type: 'userId', value: 'user-7' }]);
    logEvents(generated.length);
    await expectSameAnswers();
  });

  it('holds the erased people no more, and every other event', async () => {
    const { events } = await plain.stats();
    expect((await indexed.stats()).events).toBe(events);
    expect(indexed.indexedEvents).toBe(events);
  });

  it('is left off past indexMaxEvents: reports read DuckDB', async () => {
    const small = await open('small.duckdb', 10);
    try {
      expect((await small.stats()).events).toBeGreaterThan(10);
      expect(small.indexed).toBe(false);
      const request = FUNNELS[0] as FunnelRequest;
      expect(
        await new FunnelService({ log, profiles, projection: () => small }).funnel(request),
      ).toEqual(await new FunnelService({ log, profiles }).funnel(request));
    } finally {
      await small.close();
    }
  });
});
