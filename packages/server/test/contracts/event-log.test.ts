import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll } from 'vitest';
import { partitionFor, partitionOf, PARTITIONS } from '../../src/log/event-log.js';
import { newKeyring } from '../../src/privacy/keyring.js';
import { createAesSealer, type Sealer } from '../../src/privacy/sealer.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-event-log.js';
import { MemoryLogStorage, openMemoryEventLog } from '../../src/store/memory/memory-event-log.js';
import {
  openJetStreamEventLog,
  type JetStreamEventLogOptions,
} from '../../src/log/jetstream/jetstream-event-log.js';
import { streamName } from '../../src/log/jetstream/event-stream.js';
import { freshNatsPrefix, TEST_NATS_URL } from '../support/nats.js';
import { openTestDatabase } from '../support/postgres.js';
import { describeEventLogContract, type EventLogBackend } from './event-log.contract.js';

function sqlite(sealer?: Sealer, options?: { scanChunk: number }): () => Promise<EventLogBackend> {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-log-'));
    return Promise.resolve({
      open: () => Promise.resolve(new SqliteEventLog(join(dir, 'log.sqlite'), sealer, options)),
      partitions: PARTITIONS,
      partitionOf,
      destroy: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  };
}

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
});
afterAll(async () => {
  await nc.close();
});

/** A log on a stream of its own prefix and a schema of its own; the stream is deleted after. */
function jetstreamLog(
  options: Partial<JetStreamEventLogOptions> = {},
): () => Promise<EventLogBackend> {
  return async () => {
    const prefix = freshNatsPrefix();
    const db = await openTestDatabase();
    const partitions = options.partitions ?? 16;
    return {
      open: () => openJetStreamEventLog({ nc, prefix, db, ...options }),
      partitions,
      partitionOf: (m) => partitionFor(m, partitions),
      destroy: async () => {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(streamName(prefix));
        await db.close();
      },
    };
  };
}

describeEventLogContract('memory', () => {
  const storage = new MemoryLogStorage();
  return Promise.resolve({
    open: () => Promise.resolve(openMemoryEventLog(storage)),
    partitions: storage.partitions,
    partitionOf,
    destroy: () => Promise.resolve(),
  });
});
describeEventLogContract('sqlite', sqlite());
// Scanning for an identifier in ranges of 2 positions: every page crosses ranges.
describeEventLogContract('sqlite, scanned in small ranges', sqlite(undefined, { scanChunk: 2 }));
describeEventLogContract('sqlite, sealed', sqlite(createAesSealer(newKeyring())));
describeEventLogContract('jetstream', jetstreamLog());
describeEventLogContract('jetstream, scanned in small steps', jetstreamLog({ scanChunk: 2 }));
describeEventLogContract(
  'jetstream, sealed',
  jetstreamLog({ sealer: createAesSealer(newKeyring()) }),
);
