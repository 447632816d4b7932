import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredMessage } from '@tailor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelRegistry, type Channel, type ChannelResult } from '../src/destinations/channel.js';
import type {
  Delivery,
  Destination,
  DestinationStore,
} from '../src/destinations/destination-store.js';
import { Dispatcher } from '../src/destinations/dispatcher.js';
import type { EventLog } from '../src/log/event-log.js';
import { plainSealer } from '../src/privacy/sealer.js';
import { PgDatabase } from '../src/storage/postgres/pg-database.js';
import { openPgDestinationStore } from '../src/store/postgres/pg-destination-store.js';
import { openSqliteDestinationStore } from '../src/store/sqlite/sqlite-destination-store.js';
import { openTestDatabase, testPostgresUrl } from './support/postgres.js';
import { storedMessage } from './support/stored-message.js';

/** A log holding `messages` at positions 1..n (the dispatcher only reads it). */
function memoryLog(messages: readonly StoredMessage[]): EventLog {
  const log: Pick<EventLog, 'read'> = {
    read: (position, limit) =>
      Promise.resolve(
        messages
          .slice(position, position + limit)
          .map((message, i) => ({ position: position + i + 1, partition: 0, message })),
      ),
  };
  return log as EventLog;
}

/** A channel that answers what `answer` says and remembers every batch it was given. */
function recordingChannel(
  type: string,
  answer: (batch: readonly Delivery[]) => ChannelResult,
): Channel & { batches: string[][] } {
  const batches: string[][] = [];
  return {
    type,
    batches,
    refusal: (destination) => (destination.url === '' ? 'url is required' : undefined),
    deliver: (_destination, batch) => {
      batches.push(batch.map((d) => d.message.messageId));
      return Promise.resolve(answer(batch));
    },
    close: () => Promise.resolve(),
  };
}

function destination(name: string, type = 'webhook'): Destination {
  return {
    name,
    type: type as 'webhook',
    url: 'https://hooks.example.com/',
    events: ['*'],
    secret: 'secret-123',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const messages = [1, 2, 3].map((i) => storedMessage(i, `user-${i}`));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sqliteStore(): DestinationStore {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-dispatcher-'));
  const store = openSqliteDestinationStore(join(dir, 'state.sqlite'));
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

describe('Dispatcher with channels', () => {
  it('hands each batch to the channel of its type and gives up at once on a permanent failure', async () => {
    const store = sqliteStore();
    const channel = recordingChannel('webhook', (batch) =>
      batch[0]?.message.messageId === 'm-2'
        ? { delivered: false, error: 'mailbox unavailable', failure: 'permanent' }
        : { delivered: true },
    );
    const failures: string[] = [];
    const dispatcher = new Dispatcher({
      log: memoryLog(messages),
      store,
      channels: new ChannelRegistry([channel]),
      now: () => 1000,
      onFailure: (name) => failures.push(name),
    });
    await store.put(destination('hook'), 0);
    await dispatcher.drain();
    await dispatcher.stop();

    expect(channel.batches).toEqual([['m-1'], ['m-2'], ['m-3']]);
    expect(await store.counts('hook')).toEqual({ pending: 0, delivered: 2, failed: 1 });
    const [failed] = await store.deliveries('hook', { status: 'failed', limit: 10 });
    expect(failed).toMatchObject({ attempts: 1, lastError: 'mailbox unavailable' });
    expect(failures).toEqual([]); // no detail given, nothing for the server log
  });

  it('retries a retryable failure with backoff, telling the server log its detail', async () => {
    const store = sqliteStore();
    let now = 1000;
    const channel = recordingChannel('webhook', () => ({
      delivered: false,
      error: 'connection refused or unreachable',
      failure: 'retryable',
      detail: new Error('connect ECONNREFUSED 10.0.0.1:443'),
    }));
    const failures: unknown[] = [];
    const dispatcher = new Dispatcher({
      log: memoryLog(messages.slice(0, 1)),
      store,
      channels: new ChannelRegistry([channel]),
      now: () => now,
      maxAttempts: 2,
      onFailure: (_name, error) => failures.push(error),
    });
    await store.put(destination('hook'), 0);
    await dispatcher.drain();
    expect(await store.deliveries('hook', { limit: 1 })).toMatchObject([
      { status: 'pending', attempts: 1, nextAt: 2000 },
    ]);
    now = 2000;
    await dispatcher.drain();
    await dispatcher.stop();
    expect(await store.deliveries('hook', { limit: 1 })).toMatchObject([
      { status: 'failed', attempts: 2, lastError: 'connection refused or unreachable' },
    ]);
    expect(failures).toHaveLength(2);
  });

  it('queues for a type no channel here delivers and leaves it pending; the registry refuses it', async () => {
    const store = sqliteStore();
    const channel = recordingChannel('webhook', () => ({ delivered: true }));
    const channels = new ChannelRegistry([channel]);
    const dispatcher = new Dispatcher({ log: memoryLog(messages), store, channels, now: () => 1 });
    await store.put(destination('mail', 'email'), 0);
    await dispatcher.drain();
    await dispatcher.stop();
    expect(channel.batches).toEqual([]);
    expect(await store.counts('mail')).toEqual({ pending: 3, delivered: 0, failed: 0 });
    expect(channels.refusal(destination('mail', 'email'))).toBe(
      'no channel delivers destinations of type email',
    );
    expect(channels.refusal({ ...destination('x'), url: '' })).toBe('url is required');
    expect(() => new ChannelRegistry([channel, channel])).toThrow(/two channels/);
  });

  it('two nodes on PostgreSQL send each delivery once between them', async () => {
    const first = await openTestDatabase();
    const second = await PgDatabase.open({ url: testPostgresUrl(), schema: first.schema });
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    const many = Array.from({ length: 40 }, (_, i) => storedMessage(i, `user-${i}`));
    const sent: string[] = [];
    const node = async (db: PgDatabase) => {
      const store = await openPgDestinationStore(db, plainSealer);
      const channel = recordingChannel('webhook', () => ({ delivered: true }));
      const dispatcher = new Dispatcher({
        log: memoryLog(many),
        store,
        channels: new ChannelRegistry([channel]),
        now: () => 1000,
        concurrency: 4,
      });
      return { store, channel, dispatcher };
    };
    const [one, two] = [await node(first), await node(second)];
    await one.store.put({ ...destination('hook'), batchSize: 3 }, 0);
    await Promise.all([one.dispatcher.drain(), two.dispatcher.drain()]);
    await Promise.all([one.dispatcher.stop(), two.dispatcher.stop()]);

    for (const batch of [...one.channel.batches, ...two.channel.batches]) sent.push(...batch);
    expect(sent.sort()).toEqual(many.map((m) => m.messageId).sort());
    expect(await one.store.counts('hook')).toEqual({ pending: 0, delivered: 40, failed: 0 });
  });
});
