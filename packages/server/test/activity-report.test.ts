import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, type ActivityResult, type StoredMessage } from '@tailor/core';
import { formatKeyring, newKeyring } from '../src/privacy/keyring.js';
import { ActivityService } from '../src/reports/activity-service.js';
import { openMemoryEventLog } from '../src/store/memory/memory-event-log.js';
import { freshNatsPrefix, TEST_NATS_URL } from './support/nats.js';
import { freshSchemaName, testPostgresUrl } from './support/postgres.js';
import { storedMessage } from './support/stored-message.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * GET /v1/reports/activity: events per minute over the last hour, per hour over the last day and
 * week, and the top event names, by event time. The embedded store answers from the reports'
 * projection, the scale-out path (no projection) from the log read back; both are checked
 * against the counts worked out here from the messages sent, with a person who refused
 * analytics and an erased one left out.
 */
const NOW = Date.UTC(2026, 11, 6, 10, 17, 42, 500);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NAMES = ['Product Viewed', 'Added to Cart', 'Order Completed'];

interface Sent {
  type: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  timestamp: string;
}

/** Events over nine days back from NOW, densest in the last hour, from ten people and visitors. */
function batch(): Sent[] {
  const next = seededRandom(20);
  const sent: Sent[] = [];
  for (let i = 0; i < 240; i++) {
    const back = i < 120 ? next() * 70 * MINUTE : next() * 9 * 24 * HOUR;
    const who = i % 7 === 0 ? { anonymousId: `anon-${i % 3}` } : { userId: `user-${i % 10}` };
    const timestamp = new Date(NOW - back).toISOString();
    const pick = Math.floor(next() * 5);
    sent.push(
      pick === 4
        ? { type: 'page', ...who, name: 'Home', timestamp }
        : pick === 3
          ? { type: 'identify', ...who, timestamp }
          : { type: 'track', ...who, event: NAMES[pick], timestamp },
    );
  }
  return sent;
}

const SENT = batch();
const LEFT_OUT = new Set(['user-3', 'user-8']); // user-3 refuses analytics, user-8 is erased

/** What the report should say, worked out from the messages sent. */
function expected(window: 'hour' | 'day' | 'week') {
  const bucketMs = window === 'hour' ? MINUTE : HOUR;
  const length = { hour: HOUR, day: 24 * HOUR, week: 7 * 24 * HOUR }[window];
  const to = Math.ceil(NOW / bucketMs) * bucketMs; // NOW is not on a boundary
  const from = to - length;
  const counts = new Array<number>(length / bucketMs).fill(0);
  const names = new Map<string, number>();
  for (const m of SENT) {
    const at = Date.parse(m.timestamp);
    if (at < from || at >= to || (m.userId !== undefined && LEFT_OUT.has(m.userId))) continue;
    const b = Math.floor((at - from) / bucketMs);
    counts[b] = (counts[b] ?? 0) + 1;
    const name = m.type === 'track' ? m.event : m.type === 'page' ? 'Page Viewed' : undefined;
    if (name !== undefined) names.set(name, (names.get(name) ?? 0) + 1);
  }
  const top = [...names]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([event, events]) => ({ event, events }));
  return { from: new Date(from).toISOString(), counts, top };
}

const backends: [string, 'projection' | 'log', () => Promise<TestTailor>][] = [
  ['embedded (the projection)', 'projection', () => startTestTailor({}, () => NOW)],
  [
    'scale-out (the log)',
    'log',
    () =>
      startTestTailor(
        {
          privacy: { encryption: { enabled: true, keys: formatKeyring(newKeyring()) } },
          storage: {
            postgres: { url: testPostgresUrl(), schema: freshSchemaName(), maxConnections: 4 },
            nats: {
              url: TEST_NATS_URL,
              prefix: freshNatsPrefix(),
              replicas: 1,
              partitions: 4,
              duplicateWindowMinutes: 60,
            },
          },
        },
        () => NOW,
      ),
  ],
];

describe.each(backends)('the activity report, %s', (_name, read, start) => {
  let t: TestTailor;

  async function profileOf(userId: string): Promise<{ id: string; consent: object } | undefined> {
    const res = await t.admin('GET', `/v1/profiles?identifier=userId:${userId}`);
    return res.statusCode === 200 ? res.json() : undefined;
  }

  async function until(what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within a minute`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    t = await start();
    await t.collect(SENT as unknown as Record<string, unknown>[]);
    if (t.tailor.projection === undefined) {
      t.tailor.background.start();
      await t.tailor.background.ready();
    }
    await until('user-3 and user-8 folded', async () =>
      (await Promise.all(['user-3', 'user-8'].map(profileOf))).every((p) => p !== undefined),
    );
    const refuser = await profileOf('user-3');
    const consent = await t.admin('PUT', `/v1/profiles/${refuser?.id ?? ''}/consent`, {
      purposes: { analytics: false },
    });
    expect(consent.statusCode, consent.body).toBe(200);
    const erase = await t.admin('POST', '/v1/privacy/erase', { identifier: 'userId:user-8' });
    expect(erase.statusCode, erase.body).toBe(202);
    await t.collect([]);
    await until('the consent folded and the erasure carried out', async () => {
      const p = await profileOf('user-3');
      return (
        (await profileOf('user-8')) === undefined &&
        (p?.consent as Record<string, boolean> | undefined)?.analytics === false
      );
    });
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it.each(['hour', 'day', 'week'] as const)('counts the last %s by event time', async (window) => {
    const res = await t.admin('GET', `/v1/reports/activity?window=${window}&top=20`);
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<ActivityResult>();
    const { from, counts, top } = expected(window);
    expect(answer).toMatchObject({ window, from, read, complete: true });
    expect(answer.buckets.map((b) => b.events)).toEqual(counts);
    expect(answer.total).toBe(counts.reduce((a, b) => a + b, 0));
    expect(answer.top).toEqual(top);
    expect(answer.total).toBeGreaterThan(0);
  });

  it('keeps the top N and defaults to the last hour', async () => {
    const answer = (await t.admin('GET', '/v1/reports/activity?top=2')).json<ActivityResult>();
    expect(answer.window).toBe('hour');
    expect(answer.bucketSeconds).toBe(60);
    expect(answer.top).toEqual(expected('hour').top.slice(0, 2));
  });

  it('refuses a window it does not know, and the write key', async () => {
    const bad = await t.admin('GET', '/v1/reports/activity?window=month');
    expect(bad.statusCode).toBe(400);
    const write = await t.app.inject({
      url: '/v1/reports/activity',
      headers: { authorization: t.writeAuth },
    });
    expect(write.statusCode).toBe(403);
  });
});

describe('ActivityService without a projection', () => {
  const message = (i: number, minutesBack: number, receivedBack = minutesBack): StoredMessage => ({
    ...storedMessage(i, `u${i % 4}`),
    timestamp: new Date(NOW - minutesBack * MINUTE).toISOString(),
    receivedAt: new Date(NOW - receivedBack * MINUTE).toISOString(),
  });
  const service = (log: ReturnType<typeof openMemoryEventLog>, logBound?: number) =>
    new ActivityService({
      log,
      profiles: { byIdentifier: () => Promise.resolve(undefined) },
      suppressed: (m) => m.userId === 'u3',
      now: () => NOW,
      pageSize: 7,
      ...(logBound !== undefined && { logBound }),
    });

  it('reads back to a day before the window, and says when its bound stopped it first', async () => {
    const log = openMemoryEventLog();
    // Received 3 hours ago, timestamped 40 minutes ago (sent late): counted. The read stops at
    // the first received more than a day before the window: the two before it are not seen,
    // though timestamped in the hour (a timestamp lies at most a day after its receipt).
    await log.append([
      message(100, 30, 26 * 60 + 1),
      message(101, 20, 26 * 60),
      message(102, 40, 180),
      ...Array.from({ length: 20 }, (_, i) => message(i, 50 - i)),
    ]);
    const full = await service(log).activity({ window: 'hour' });
    // 20 recent events, u3's five (suppressed) left out, plus the one received 3 hours ago.
    expect(full.total).toBe(16);
    expect(full.complete).toBe(true);
    expect(full.read).toBe('log');
    const bounded = await service(log, 10).activity({ window: 'hour' });
    expect(bounded.complete).toBe(false);
    expect(bounded.total).toBe(7); // the newest 10, three of them u3's
    // A bound that reaches the log's first event exactly has seen it all.
    const recent = openMemoryEventLog();
    await recent.append(Array.from({ length: 14 }, (_, i) => message(i, 50 - i)));
    expect(await service(recent, 14).activity({ window: 'hour' })).toMatchObject({
      total: 14 - 3,
      complete: true,
    });
    expect((await service(recent, 13).activity({ window: 'hour' })).complete).toBe(false);
  });
});
