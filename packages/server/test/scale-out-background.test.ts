import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_IDENTITY_RULES, DEFAULT_PII_POLICY, type StoredMessage } from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScaleOutBackground } from '../src/background/scale-out-background.js';
import { ChannelRegistry } from '../src/destinations/channel.js';
import { Dispatcher } from '../src/destinations/dispatcher.js';
import { partitionOf, PARTITIONS } from '../src/log/event-log.js';
import { SqliteEventLog } from '../src/log/sqlite/sqlite-event-log.js';
import {
  partitionConsumer,
  ProfilePipeline,
  type PipelineOptions,
} from '../src/pipeline/profile-pipeline.js';
import { CLUSTER_MIGRATIONS } from '../src/scale-out/cluster-tables.js';
import { migratePostgres } from '../src/storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../src/storage/postgres/pg-database.js';
import { openSqliteDestinationStore } from '../src/store/sqlite/sqlite-destination-store.js';
import { openSqliteProfileStore } from '../src/store/sqlite/sqlite-profile-store.js';
import { openTestDatabase } from './support/postgres.js';

let dir: string;
let db: PgDatabase | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-nodes-'));
});
afterEach(async () => {
  await db?.close();
  db = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function track(i: number): StoredMessage {
  const timestamp = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
  return {
    messageId: `m-${String(i)}`,
    type: 'track',
    event: 'Viewed',
    userId: `user-${String(i % 50)}`,
    anonymousId: null,
    timestamp,
    receivedAt: timestamp,
    context: {},
    tailor: { source: 'key:test' },
  };
}

async function until(condition: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// The node runtime alone: its leases on PostgreSQL, the log and stores on SQLite files that the
// "nodes" (two in this process) share, so this runs without the PostgreSQL stores.
describe('ScaleOutBackground', () => {
  it('nodes fold every partition between them, and the survivor takes over a stopped node', async () => {
    db = await openTestDatabase();
    await migratePostgres(db, 'cluster', CLUSTER_MIGRATIONS);
    const log = new SqliteEventLog(join(dir, 'log.sqlite'));
    const profiles = openSqliteProfileStore(join(dir, 'state.sqlite'));
    const destinations = openSqliteDestinationStore(join(dir, 'state.sqlite'));
    const options: PipelineOptions = {
      log,
      store: profiles,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
      pollMs: 50,
    };
    const node = (database: PgDatabase) =>
      new ScaleOutBackground({
        db: database,
        partitions: PARTITIONS,
        pipeline: options,
        upkeep: () => new ProfilePipeline({ ...options, work: { fold: false, upkeep: true } }),
        dispatcher: new Dispatcher({
          log,
          store: destinations,
          channels: new ChannelRegistry([]),
          now: Date.now,
          timeoutMs: 1000,
          concurrency: 1,
          retentionMs: 86_400_000,
          pii: () => DEFAULT_PII_POLICY,
          suppressed: () => false,
          consentOf: () => Promise.resolve(undefined),
        }),
        heartbeatMs: 100,
        ttlMs: 600,
        onError: (message, error) => {
          throw new Error(message, { cause: error });
        },
      });
    const [a, b] = [node(db), node(db)];
    a.start();
    b.start();
    const first = Array.from({ length: 300 }, (_, i) => track(i));
    await log.append(first);
    const folded = async (messages: StoredMessage[]): Promise<boolean> => {
      for (const p of new Set(messages.map((m) => partitionOf(m)))) {
        const last = (await log.read(0, 100_000, [p])).at(-1)?.position ?? 0;
        if ((await profiles.position(partitionConsumer(p))) < last) return false;
      }
      return true;
    };
    await until(() => folded(first), 'two nodes to fold everything');
    await until(
      () =>
        Promise.resolve(a.owned().length === PARTITIONS / 2 && b.owned().length === PARTITIONS / 2),
      'an even share',
    );
    expect(new Set([...a.owned(), ...b.owned()]).size).toBe(PARTITIONS);

    await a.stop(); // its leases are released: b takes everything on its next heartbeat
    await until(
      () => Promise.resolve(b.owned().length === PARTITIONS),
      'b to hold every partition',
    );
    const more = Array.from({ length: 300 }, (_, i) => track(300 + i));
    await log.append(more);
    b.wake();
    await until(() => folded(more), 'the survivor to fold what came after');
    const person = await profiles.byIdentifier({ type: 'userId', value: 'user-7' });
    expect(person).toBeDefined();
    const { positions } = await profiles.eventPositions(person?.id ?? '', 0, 1000);
    expect(positions).toHaveLength(12); // every event of user-7, each once
    await b.stop();
    await log.close();
    await profiles.close();
    await destinations.close();
  });
});
