import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMemoryAuditLog } from '../../src/store/memory/memory-audit-log.js';
import { openMemoryBanditStore } from '../../src/store/memory/memory-bandit-store.js';
import { openPgAuditLog } from '../../src/store/postgres/pg-audit-log.js';
import { openPgBanditStore } from '../../src/store/postgres/pg-bandit-store.js';
import { openSqliteAuditLog } from '../../src/store/sqlite/sqlite-audit-log.js';
import { openSqliteBanditStore } from '../../src/store/sqlite/sqlite-bandit-store.js';
import { openTestDatabase } from '../support/postgres.js';
import { describeAuditLogContract, describeBanditStoreContract } from './small-stores.contract.js';

function sqliteFolder<T>(make: (dir: string) => T) {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-stores-'));
    return Promise.resolve({
      store: make(dir),
      dispose: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  };
}

function postgres<T>(make: (db: Awaited<ReturnType<typeof openTestDatabase>>) => Promise<T>) {
  return async () => {
    const db = await openTestDatabase();
    return { store: await make(db), dispose: () => db.close() };
  };
}

describeAuditLogContract(
  'sqlite',
  sqliteFolder((dir) => openSqliteAuditLog(join(dir, 'audit.sqlite'))),
);
describeAuditLogContract('postgres', postgres(openPgAuditLog));
describeAuditLogContract('memory', () =>
  Promise.resolve({ store: openMemoryAuditLog(), dispose: () => Promise.resolve() }),
);
describeBanditStoreContract(
  'sqlite',
  sqliteFolder((dir) => openSqliteBanditStore(join(dir, 'state.sqlite'))),
);
describeBanditStoreContract('postgres', postgres(openPgBanditStore));
describeBanditStoreContract('memory', () =>
  Promise.resolve({ store: openMemoryBanditStore(), dispose: () => Promise.resolve() }),
);
