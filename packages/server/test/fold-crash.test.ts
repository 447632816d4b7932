import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileDefinitions,
  DEFAULT_IDENTITY_RULES,
  readCondition,
  type CompiledDefinitions,
  type StoredMessage,
} from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../src/log/sqlite/sqlite-event-log.js';
import { ProfilePipeline } from '../src/pipeline/profile-pipeline.js';
import { plainSealer } from '../src/privacy/sealer.js';
import { PgDatabase } from '../src/storage/postgres/pg-database.js';
import { openPgProfileStore } from '../src/store/postgres/pg-profile-store.js';
import type { ProfileStore } from '../src/store/profile-store.js';
import { cleanupOwnServices, startOwnPostgres, type OwnServer } from './support/own-services.js';
import { dump, message, randomStream } from './support/profile-streams.js';

// A fold on PostgreSQL commits without waiting for the disk unless it announces something
// (docs/scale-out.md, "Folds commit without waiting for the disk"). These tests crash a PostgreSQL
// of their own (immediate shutdown) right after folding. Its WAL writer is told to wait 10 s, so a
// commit that did not wait is still in memory at the crash: the crash undoes it, with the
// positions it moved, and folding the log again from there must give the same state.

let dir: string;
let server: OwnServer | undefined;
const opened: PgDatabase[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-fold-crash-'));
});
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
  await cleanupOwnServices();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function openStore(url: string): Promise<ProfileStore> {
  const db = await PgDatabase.open({ url, schema: 'crash', maxConnections: 2 });
  opened.push(db);
  return openPgProfileStore(db, plainSealer);
}

async function crashAndRestart(own: OwnServer): Promise<void> {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
  await own.stop('crash');
  await own.start();
}

function pipeline(
  log: SqliteEventLog,
  store: ProfileStore,
  definitions?: CompiledDefinitions,
): ProfilePipeline {
  return new ProfilePipeline({
    log,
    store,
    rules: DEFAULT_IDENTITY_RULES,
    policy: { sourcePriority: [] },
    batchSize: 40,
    ...(definitions && { definitions: () => definitions }),
  });
}

async function logOf(messages: StoredMessage[]): Promise<SqliteEventLog> {
  const log = new SqliteEventLog(join(dir, 'log.sqlite'));
  for (let i = 0; i < messages.length; i += 100) await log.append(messages.slice(i, i + 100));
  return log;
}

describe('folds on PostgreSQL and a crash of the server', () => {
  it('a crash undoes the latest folds with their positions; folding again gives the same state', async () => {
    server = await startOwnPostgres({ wal_writer_delay: '10000ms' });
    const messages = randomStream(400, 11);
    const log = await logOf(messages);
    const store = await openStore(server.url);
    await pipeline(log, store).catchUp();
    const folded = await store.position('profiles');
    expect(folded).toBe(messages.length);
    const before = await dump(store, messages);

    await crashAndRestart(server);
    const reopened = await openStore(server.url);
    const survived = await reopened.position('profiles');
    // The crash took the folds whose commits had not reached the disk (the scenario is real) ...
    expect(survived).toBeLessThan(folded);
    // ... and the state it left is the one at that position, which the log folds on from.
    await pipeline(log, reopened).catchUp();
    expect(await reopened.position('profiles')).toBe(folded);
    expect(await dump(reopened, messages)).toEqual(before);
    await log.close();
  });

  it('a fold that announces segment entries waits for the disk: a crash after the announcement leaves it once', async () => {
    const own = await startOwnPostgres({ wal_writer_delay: '10000ms' });
    server = own;
    const pros = readCondition('traits.plan = "pro"');
    if (!pros.ok) throw new Error(pros.error.message);
    const definitions = compileDefinitions([], [{ name: 'pros', tree: pros.value.tree }]);
    const messages = Array.from({ length: 120 }, (_, i) =>
      message({ type: 'identify', userId: `pro-${String(i)}`, traits: { plan: 'pro' } }),
    );
    // The server crashes once the first entries are in the log, before the pipeline tells the
    // store so: the fold that made them must still be there after the restart, or folding again
    // would announce the same people under new messageIds.
    let armed = true;
    class CrashingAfterEntries extends SqliteEventLog {
      override async append(batch: StoredMessage[]): ReturnType<SqliteEventLog['append']> {
        const appended = await super.append(batch);
        if (armed && batch.some((m) => m.event === 'Segment Entered')) {
          armed = false;
          await own.stop('crash');
        }
        return appended;
      }
    }
    const log = new CrashingAfterEntries(join(dir, 'log.sqlite'));
    for (let i = 0; i < messages.length; i += 100) await log.append(messages.slice(i, i + 100));
    await expect(pipeline(log, await openStore(own.url), definitions).catchUp()).rejects.toThrow();
    expect(armed).toBe(false);
    for (const db of opened.splice(0)) await db.close().catch(() => undefined);
    await own.start();

    const reopened = await openStore(own.url);
    await pipeline(log, reopened, definitions).catchUp();
    const entered = (await log.read(0, 10_000)).filter(
      (e) => e.message.event === 'Segment Entered',
    );
    expect(entered).toHaveLength(messages.length); // each person announced once
    expect((await reopened.members('pros', '', 1000)).count).toBe(messages.length);
    await log.close();
  });
});
