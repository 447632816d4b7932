import { seededRandom, type FunnelRequest, type RetentionRequest } from '@tailor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatKeyring, newKeyring } from '../src/privacy/keyring.js';
import { freshNatsPrefix, TEST_NATS_URL } from './support/nats.js';
import { freshSchemaName, testPostgresUrl } from './support/postgres.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Funnels and retention on the scale-out path (PostgreSQL and NATS JetStream), where no node
 * keeps the columnar projection and reports read the log (docs/reports.md): the same requests,
 * on the same events, answer as on the embedded store, whose answers are checked against
 * hand-written SQL (funnel.test.ts, retention.test.ts) and against the log
 * (report-projection-sql.test.ts).
 */
const BASE = Date.UTC(2026, 9, 5, 9);
const HOUR = 3_600_000;
const NOW = BASE + 3000 * HOUR;
const at = (hours: number) => new Date(BASE + hours * HOUR).toISOString();
const NAMES = ['Signed Up', 'Viewed Pricing', 'Subscribed', 'Opened App'];

let embedded: TestTailor;
let scaleOut: TestTailor;

beforeAll(async () => {
  embedded = await startTestTailor({}, () => NOW);
  scaleOut = await startTestTailor(
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
  );
  const next = seededRandom(27);
  const batch: Record<string, unknown>[] = [];
  for (let p = 0; p < 60; p++) {
    let hours = Math.floor(next() * 1500);
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
      batch.push({
        type: 'track',
        ...who,
        event: NAMES[Math.floor(next() * NAMES.length)],
        properties: { plan: next() < 0.5 ? 'pro' : 'free' },
        timestamp: at(hours),
      });
    }
  }
  for (const t of [embedded, scaleOut]) {
    await t.collect(batch.slice(0, 150));
    await t.collect(batch.slice(150));
  }
  // On several nodes the pipeline folds on the node holding a partition's lease: this one, once
  // its background runs. Folded when every identifier has a profile, each identify's two the same.
  scaleOut.tailor.background.start();
  await scaleOut.tailor.background.ready();
  const profileOf = async (identifier: string): Promise<string | undefined> => {
    const res = await scaleOut.admin('GET', `/v1/profiles?identifier=${identifier}`);
    return res.statusCode === 200 ? res.json<{ id: string }>().id : undefined;
  };
  const folded = async (): Promise<boolean> => {
    for (const m of batch) {
      const user = typeof m.userId === 'string' ? await profileOf(`userId:${m.userId}`) : undefined;
      const anon =
        typeof m.anonymousId === 'string'
          ? await profileOf(`anonymousId:${m.anonymousId}`)
          : undefined;
      if (
        (m.userId !== undefined && user === undefined) ||
        (m.anonymousId !== undefined && anon === undefined)
      )
        return false;
      if (m.type === 'identify' && user !== anon) return false;
    }
    return true;
  };
  const deadline = Date.now() + 60_000;
  while (!(await folded())) {
    if (Date.now() > deadline) throw new Error('the scale-out pipeline did not fold in a minute');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 120_000);
afterAll(async () => {
  await scaleOut.close();
  await embedded.close();
});

const steps = NAMES.slice(0, 3).map((event) => ({ event }));
const FUNNELS: FunnelRequest[] = [
  { steps, windowDays: 4 },
  { steps, windowDays: 4, order: 'strict' },
  { steps, windowDays: 4, order: 'any' },
  { steps, exclude: [{ event: 'Opened App', between: [2, 3] }] },
  { steps, breakdown: { property: 'plan' } },
  { steps: [{ event: 'Signed Up', where: { plan: 'pro' } }, { event: 'Subscribed' }] },
];
const RETENTIONS: RetentionRequest[] = [
  { start: { event: 'Signed Up' }, return: { event: 'Opened App' }, periods: 8 },
  { start: { event: '*' }, period: 'day', periods: 30 },
  { start: { event: 'Signed Up' }, period: 'month', periods: 3, breakdown: { property: 'plan' } },
];

async function report(t: TestTailor, kind: string, body: object): Promise<unknown> {
  const res = await t.admin('POST', `/v1/reports/${kind}`, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('funnels and retention on PostgreSQL and NATS', () => {
  it('keep no projection there, and answer as the embedded store does', async () => {
    expect(scaleOut.tailor.projection).toBeUndefined();
    expect(embedded.tailor.projection).toBeDefined();
    for (const request of FUNNELS) {
      const answer = (await report(scaleOut, 'funnel', request)) as { people: number };
      expect(answer.people).toBeGreaterThan(0);
      expect(answer, JSON.stringify(request)).toEqual(await report(embedded, 'funnel', request));
    }
    for (const request of RETENTIONS)
      expect(await report(scaleOut, 'retention', request), JSON.stringify(request)).toEqual(
        await report(embedded, 'retention', request),
      );
  });
});
