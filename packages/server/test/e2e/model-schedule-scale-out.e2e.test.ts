import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPostgresUrl } from '../support/postgres.js';
import { call, cleanupClusters, clusterEnv, send, until } from './support/cluster.js';
import { spawnTailor, type SpawnedTailor } from './support/spawn-tailor.js';

/**
 * The models' schedules on the scale-out path: two `tailor serve` nodes of one installation
 * (PostgreSQL and NATS JetStream, this test's own schema and NATS prefix). A scheduled training
 * and a scheduled drift measurement each run on exactly one node, the holder of the upkeep lease;
 * when that node dies, the other takes the lease and the schedules go on there. Which node ran a
 * run is read from the info lines each node prints for it (`scheduled training of model buy
 * began`).
 */

const DAY = 86_400_000;
let db: pg.Pool;
let dir: string;
let config: string;
beforeAll(() => {
  db = new pg.Pool({ connectionString: testPostgresUrl(), max: 2 });
  dir = mkdtempSync(join(tmpdir(), 'tailor-model-schedule-'));
  config = join(dir, 'tailor.config.json');
  // The schedules are read every second, so due work starts at once.
  writeFileSync(
    config,
    JSON.stringify({
      keys: { writeRateLimitPerIp: null },
      models: { scheduleCheckSeconds: 1 },
    }),
  );
});
afterAll(async () => {
  await cleanupClusters();
  await db.end();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * 200 people, the label learnable (as in test/models.test.ts): half engaged (8 page views before
 * the cutoff, the others 1); 8 in 10 engaged people order in the 30 days after the cutoff, 2 in
 * 10 of the others. The latest event is a day ago, so the cutoff is 31 days ago.
 */
function shop(now: number): Record<string, unknown>[] {
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  const track = (userId: string, event: string, daysAgo: number, properties = {}) => ({
    type: 'track',
    event,
    userId,
    properties,
    timestamp: at(daysAgo),
  });
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    const user = `u${i}`;
    const engaged = i % 2 === 0;
    for (let v = 0; v < (engaged ? 8 : 1); v++) events.push(track(user, 'Page Viewed', 32 + v * 3));
    const k = Math.floor(i / 2) % 10;
    if (engaged ? k < 8 : k < 2) events.push(track(user, 'Order Completed', 10, { revenue: 20 }));
  }
  events.push(track('late', 'Page Viewed', 1));
  return events;
}

const BUY = {
  type: 'propensity',
  label: { event: 'Order Completed', days: 30 },
  schedule: { retrainDays: 1, driftHours: 1 },
};

/** How many times each node printed `msg` as an info line. */
const printed = (nodes: SpawnedTailor[], msg: string): number[] =>
  nodes.map(
    (node) =>
      node
        .output()
        .split('\n')
        .filter((line) => line.includes(`"msg":"${msg}`)).length,
  );

/** The process id in the upkeep lease's owner (`host-pid-random`), while someone holds it. */
async function upkeepHolder(schema: string): Promise<number | undefined> {
  const { rows } = await db.query<{ owner: string | null }>(
    `SELECT owner FROM ${schema}.leases WHERE name = 'upkeep' AND expires_at > now()`,
  );
  const owner = rows[0]?.owner;
  return owner == null ? undefined : Number(/-(\d+)-[0-9a-f]+$/.exec(owner)?.[1]);
}

/** Waits for the model's scheduled `kind` to have recorded its outcome; returns the schedule. */
function scheduled(node: SpawnedTailor, name: string, kind: 'retrain' | 'drift') {
  return until(
    async () => {
      const answer = await call(node, 'GET', `/v1/models/${name}/schedule`);
      return answer.status === 200 && answer.body[kind]?.last && answer.body.running === null
        ? answer.body
        : undefined;
    },
    `the scheduled ${kind} of ${name}`,
    120_000,
  );
}

describe('model schedules on two nodes', () => {
  it('runs each scheduled training and drift measurement on one node, and fails over when it stops', async () => {
    const env = clusterEnv({ TAILOR_CONFIG: config });
    const schema = env.TAILOR_POSTGRES_SCHEMA!;
    const nodes: SpawnedTailor[] = [];
    // One after the other: the first creates the schema, the stream and the tables.
    for (let i = 0; i < 2; i++)
      nodes.push(await spawnTailor({ env, startTimeoutMs: 40_000, logLevel: 'info' }));
    const [a, b] = nodes as [SpawnedTailor, SpawnedTailor];

    const events = shop(Date.now());
    for (let i = 0; i < events.length; i += 500)
      expect(await send(i % 1000 === 0 ? a : b, events.slice(i, i + 500))).toBe(200);

    // A model with a schedule and no version is due at once.
    expect((await call(b, 'PUT', '/v1/models/buy', BUY)).status).toBe(200);
    const trained = await scheduled(a, 'buy', 'retrain');
    expect(trained.retrain.last).toMatchObject({ version: 1, promoted: true });
    const versions = (await call(b, 'GET', '/v1/models/buy/versions')).body.items;
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ version: 1, trainedBy: 'schedule', rows: 200 });
    const trainings = printed(nodes, 'scheduled training of model buy began');
    expect(trainings.reduce((x, y) => x + y)).toBe(1);
    const ran = trainings[0] === 1 ? a : b;
    const other = ran === a ? b : a;
    expect(await upkeepHolder(schema)).toBe(ran.process.pid);

    // Drift is due an hour after the promoted version's training: that time is moved two hours
    // back in the registry, as if it were two hours old.
    await db.query(
      `UPDATE ${schema}.model_versions
          SET body = jsonb_set(body::jsonb, '{trainedAt}', to_jsonb($1::text))::json
        WHERE name = 'buy' AND version = 1`,
      [new Date(Date.now() - 2 * 3_600_000).toISOString()],
    );
    const measured = await scheduled(b, 'buy', 'drift');
    expect(measured.drift.last).toMatchObject({ version: 1, drifted: expect.any(Array) });
    expect(printed(nodes, 'scheduled drift measurement of model buy began')).toEqual(
      nodes.map((n) => (n === ran ? 1 : 0)),
    );
    expect(printed([other], 'scheduled ')).toEqual([0]);

    // The node running the schedules dies: its lease expires and the other takes it over.
    await ran.stop('SIGKILL');
    await until(
      async () => ((await upkeepHolder(schema)) === other.process.pid ? true : undefined),
      'the survivor to take the upkeep lease',
      60_000,
    );
    expect((await call(other, 'PUT', '/v1/models/buy2', BUY)).status).toBe(200);
    const failedOver = await scheduled(other, 'buy2', 'retrain');
    expect(failedOver.retrain.last).toMatchObject({ version: 1, promoted: true });
    expect(printed([other], 'scheduled training of model buy2 began')).toEqual([1]);
    // Nothing of the first model ran again: its training and drift are not due for hours.
    expect(printed([other], 'scheduled ')).toEqual([2]); // buy2's "began" and its outcome
    expect((await call(other, 'GET', '/v1/models/buy/versions')).body.items).toHaveLength(1);
  }, 300_000);
});
