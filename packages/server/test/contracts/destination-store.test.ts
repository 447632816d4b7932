import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStore } from '../../src/destinations/destination-store.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import {
  memoryDestinationData,
  openMemoryDestinationStore,
} from '../../src/store/memory/memory-destination-store.js';
import { openPgDestinationStore } from '../../src/store/postgres/pg-destination-store.js';
import { openSqliteDestinationStore } from '../../src/store/sqlite/sqlite-destination-store.js';
import { openTestDatabase, testPostgresUrl } from '../support/postgres.js';
import { describeDestinationStoreContract } from './destination-store.contract.js';

describeDestinationStoreContract(
  'sqlite',
  (sealer) => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-destinations-'));
    const file = join(dir, 'state.sqlite');
    const stores: DestinationStore[] = [];
    const read = (path: string) => {
      try {
        return readFileSync(path).toString('latin1');
      } catch {
        return '';
      }
    };
    return Promise.resolve({
      open: () => {
        const store = openSqliteDestinationStore(file, {}, sealer);
        stores.push(store);
        return Promise.resolve(store);
      },
      atRest: () => Promise.resolve(read(file) + read(`${file}-wal`)),
      dispose: async () => {
        await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
        rmSync(dir, { recursive: true, force: true });
      },
    });
  },
  { shared: false },
);

const LEASE_MS = 30_000;

describeDestinationStoreContract(
  'postgres',
  async (sealer) => {
    const first = await openTestDatabase();
    const pools = [first];
    let opened = 0;
    return {
      // Each store after the first has its own pool, as another process or node would.
      open: async () => {
        const db =
          opened++ === 0
            ? first
            : await PgDatabase.open({
                url: testPostgresUrl(),
                schema: first.schema,
                maxConnections: 2,
              });
        if (db !== first) pools.push(db);
        return openPgDestinationStore(db, sealer, { leaseMs: LEASE_MS });
      },
      atRest: async () => {
        const text: string[] = [];
        for (const table of ['destinations', 'deliveries']) {
          const { rows } = await first.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
          for (const row of rows)
            for (const value of Object.values(row))
              text.push(Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value));
        }
        return text.join('\n');
      },
      shared: { leaseMs: LEASE_MS },
      dispose: async () => {
        await Promise.all(pools.map((pool) => pool.close()));
      },
    };
  },
  { shared: true },
);

describeDestinationStoreContract(
  'memory',
  (sealer) => {
    const data = memoryDestinationData();
    const text = (value: unknown) =>
      Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value);
    return Promise.resolve({
      open: () => Promise.resolve(openMemoryDestinationStore(data, sealer)),
      // Everything the store keeps, as a dump of memory would show it.
      atRest: () =>
        Promise.resolve(
          [
            ...[...data.destinations.values()].flatMap((d) => [d.body, text(d.secret)]),
            ...[...data.deliveries.values()].flatMap((r) => Object.values(r).map(text)),
          ].join('\n'),
        ),
      dispose: () => Promise.resolve(),
    });
  },
  { shared: false },
);
