import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredMessage } from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-event-log.js';
import { ModelService } from '../../src/models/model-service.js';
import type { ModelTraining } from '../../src/models/model.schema.js';
import { plainSealer } from '../../src/privacy/sealer.js';
import type { ModelStore } from '../../src/store/model-store.js';
import { openPgModelStore } from '../../src/store/postgres/pg-model-store.js';
import { openSqliteModelStore } from '../../src/store/sqlite/sqlite-model-store.js';
import { openTestDatabase } from '../support/postgres.js';

/**
 * A model's training runs (`POST /v1/models/NAME/train` as a job, docs/models.md) kept in the
 * model store of each backend: two services sharing one store stand for two nodes. What one node
 * starts, the other reads and joins; a run that stopped moving long ago is taken as lost.
 */
let dir: string;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-model-runs-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30);
let seq = 0;
const track = (userId: string, event: string, daysAgo: number): StoredMessage => {
  const timestamp = new Date(NOW - daysAgo * DAY).toISOString();
  return {
    type: 'track',
    event,
    messageId: `m${String(++seq)}`,
    userId,
    anonymousId: null,
    timestamp,
    receivedAt: timestamp,
    properties: {},
    context: {},
    tailor: { source: 'collect' },
  };
};

/** 100 people, half of them engaged and likelier to order in the month after the cutoff. */
function shop(): StoredMessage[] {
  const messages: StoredMessage[] = [];
  for (let i = 0; i < 100; i++) {
    const views = i % 2 === 0 ? 6 : 1;
    for (let v = 0; v < views; v++) messages.push(track(`u${String(i)}`, 'Page Viewed', 35 + v));
    if (i % 2 === 0 ? i % 10 < 8 : i % 10 < 2)
      messages.push(track(`u${String(i)}`, 'Order Completed', 10));
  }
  messages.push(track('late', 'Page Viewed', 1));
  return messages;
}

async function openModels(backend: 'sqlite' | 'postgres'): Promise<ModelStore> {
  if (backend === 'sqlite') {
    const models = openSqliteModelStore(join(dir, 'state.sqlite'));
    cleanups.push(() => models.close());
    return models;
  }
  const db = await openTestDatabase();
  cleanups.push(() => db.close());
  return openPgModelStore(db);
}

describe.each(['sqlite', 'postgres'] as const)('model training runs: %s', (backend) => {
  it('shows a run to every node, joins it from another node, and starts again after a lost one', async () => {
    const log = new SqliteEventLog(join(dir, 'log.sqlite'), plainSealer);
    cleanups.push(() => log.close());
    await log.append(shop());
    const store = await openModels(backend);
    let clock = NOW;
    const node = () =>
      new ModelService({
        store,
        now: () => clock,
        training: {
          log,
          profiles: { byIdentifier: () => Promise.resolve(undefined) },
          suppressed: () => false,
          now: () => clock,
          pageSize: 20, // many steps, so the run is still reading when the other node asks
        },
      });
    const a = node();
    const b = node();
    cleanups.push(() => a.close());
    cleanups.push(() => b.close());
    await a.put('buy', { type: 'propensity', label: { event: 'Order Completed', days: 30 } });
    await expect(b.trainingRun('buy')).rejects.toMatchObject({ code: 'not_found' });

    const started = await a.startTraining('buy');
    expect(started).toMatchObject({ model: 'buy', status: 'running', phase: 'read' });
    const seen = await b.trainingRun('buy'); // from the store
    expect(seen).toMatchObject({ id: started.id, status: 'running' });
    const joined = await b.startTraining('buy'); // joined, not started again
    expect(joined.id).toBe(started.id);

    const version = await a.train('buy'); // the run under way, awaited
    expect(version).toMatchObject({ version: 1, promoted: true, rows: 100 });
    const ended = await b.trainingRun('buy');
    expect(ended).toMatchObject({
      id: started.id,
      status: 'succeeded',
      phase: 'done',
      fraction: 1,
      version: { version: 1 },
    });
    expect((await store.versions('buy')).map((v) => v.version)).toEqual([1]);

    // A run that shows running but has not moved for over 10 minutes lost its node.
    const lost: ModelTraining = { ...ended, id: 'lost', status: 'running', phase: 'read' };
    delete lost.version;
    delete lost.finishedAt;
    await store.saveJobState('training:buy', lost);
    clock += 11 * 60_000;
    const fresh = await b.startTraining('buy');
    expect(fresh.id).not.toBe('lost');
    await expect.poll(async () => (await a.trainingRun('buy')).status).toBe('succeeded');
    expect((await store.versions('buy')).map((v) => v.version)).toEqual([1, 2]);
  });
});
