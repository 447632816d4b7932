import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMemoryStateStore } from '../../src/store/memory/memory-state-store.js';
import { openPgStateStore } from '../../src/store/postgres/pg-state-store.js';
import { openSqliteStateStore } from '../../src/store/sqlite/sqlite-state-store.js';
import { openTestDatabase } from '../support/postgres.js';
import { describeStateStoreContract } from './state-store.contract.js';

describeStateStoreContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-state-'));
  return Promise.resolve({
    store: openSqliteStateStore(join(dir, 'state.sqlite')),
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});

describeStateStoreContract('postgres', async () => {
  const db = await openTestDatabase();
  return { store: await openPgStateStore(db), dispose: () => db.close() };
});

describeStateStoreContract('memory', () =>
  Promise.resolve({ store: openMemoryStateStore(), dispose: () => Promise.resolve() }),
);
