import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchemaName, testPostgresUrl } from '../support/postgres.js';
import { call, cleanupClusters, clusterEnv, startCluster, until } from './support/cluster.js';
import { spawnTailor, type SpawnedTailor } from './support/spawn-tailor.js';

/**
 * Scheduled source syncs under the real `tailor serve`: on one node (the background worker thread
 * runs them) and on two nodes of one installation, where only the node holding the upkeep lease
 * may run them. A sync's page reads are counted by PostgreSQL's own statistics of the source
 * table (`seq_scan + idx_scan`), so a second node syncing the same rows shows even though the
 * messageIds keep it from storing anything twice.
 */

let db: pg.Pool;
let dir: string;
let config: string;
beforeAll(() => {
  db = new pg.Pool({ connectionString: testPostgresUrl(), max: 2 });
  dir = mkdtempSync(join(tmpdir(), 'tailor-source-schedule-'));
  config = join(dir, 'tailor.config.json');
  // The source is this machine's PostgreSQL: an internal address the operator allows.
  writeFileSync(
    config,
    JSON.stringify({
      keys: { writeRateLimitPerIp: null },
      destinations: { allowInternal: ['127.0.0.1/32'] },
    }),
  );
});
afterAll(async () => {
  await cleanupClusters();
  await db.end();
  rmSync(dir, { recursive: true, force: true });
});

/** A customers table of two rows in a schema of its own; its scans so far. */
async function customers(): Promise<{ table: string; scans: () => Promise<number> }> {
  const schema = freshSchemaName();
  await db.query(`CREATE SCHEMA ${schema}`);
  await db.query(
    `CREATE TABLE ${schema}.customers (id int PRIMARY KEY, plan text, updated_at timestamp NOT NULL)`,
  );
  await db.query(`INSERT INTO ${schema}.customers VALUES
    (1, 'pro', '2026-11-01 10:00:00'), (2, 'free', '2026-11-01 10:00:01')`);
  return {
    table: `${schema}.customers`,
    scans: async () => {
      await db.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await db.query<{ n: string }>(
        'SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS n FROM pg_stat_user_tables WHERE schemaname = $1',
        [schema],
      );
      return Number(rows[0]?.n ?? 0);
    },
  };
}

const source = (table: string) => ({
  kind: 'postgres',
  url: testPostgresUrl(),
  table,
  key: 'id',
  cursor: 'updated_at',
  everyMinutes: 1,
  mapping: { type: 'identify', fields: { userId: 'id', 'traits.plan': 'plan' } },
});

/** Defines the source on `on`, waits for its scheduled sync, and answers the table's scans after it settled. */
async function scheduledSync(on: SpawnedTailor, readers: SpawnedTailor[]): Promise<number> {
  const crm = await customers();
  const before = await crm.scans();
  const put = await call(on, 'PUT', '/v1/sources/crm', source(crm.table));
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  // Due at once (never attempted); the background looks every 15 s.
  const status = await until(
    async () => {
      const answer = await call(on, 'GET', '/v1/sources/crm/status');
      return answer.body.lastSyncAt ? answer.body : undefined;
    },
    'the scheduled sync',
    45_000,
  );
  expect(status).toMatchObject({ rowsRead: 2, messagesStored: 2, duplicates: 0, lastError: null });
  for (const node of readers) {
    const profile = await until(
      async () => {
        const answer = await call(node, 'GET', '/v1/profiles?identifier=userId:2');
        return answer.status === 200 ? answer : undefined;
      },
      'the synced profile',
      20_000,
    );
    expect(profile.body.traits).toMatchObject({ plan: 'free' });
  }
  // Another round of every node's schedule check (15 s): a node wrongly syncing too would scan again.
  await new Promise((resolve) => setTimeout(resolve, 17_000));
  return (await crm.scans()) - before;
}

describe('scheduled source syncs under tailor serve', () => {
  let once: number;

  it('runs a due source on one node, on its background thread', async () => {
    const node = await spawnTailor({ env: { TAILOR_CONFIG: config } });
    once = await scheduledSync(node, [node]);
    expect(once).toBeGreaterThan(0);
  }, 120_000);

  it('runs it on exactly one node of two: the one holding the upkeep lease', async () => {
    const nodes = await startCluster(2, clusterEnv({ TAILOR_CONFIG: config }));
    const [a, b] = nodes as [SpawnedTailor, SpawnedTailor];
    expect(await scheduledSync(a, [a, b])).toBe(once);
  }, 180_000);
});
