import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newKeyring } from '../../src/privacy/keyring.js';
import { createAesSealer, type Sealer } from '../../src/privacy/sealer.js';
import { NEW_STATUS, type SourceStore, type StoredSource } from '../../src/sources/source-store.js';
import { openPgSourceStore } from '../../src/store/postgres/pg-source-store.js';
import { openSqliteSourceStore } from '../../src/store/sqlite/sqlite-source-store.js';
import { openTestDatabase } from '../support/postgres.js';

/** A store, everything it keeps at rest as text, and its disposal. */
type Open = (
  sealer: Sealer,
) => Promise<{ store: SourceStore; atRest: () => Promise<string>; dispose: () => Promise<void> }>;

const BACKENDS: [string, Open][] = [
  [
    'sqlite',
    (sealer) => {
      const dir = mkdtempSync(join(tmpdir(), 'tailor-sources-'));
      const store = openSqliteSourceStore(join(dir, 'state.sqlite'), sealer);
      return Promise.resolve({
        store,
        atRest: () =>
          Promise.resolve(
            readdirSync(dir)
              .map((f) => readFileSync(join(dir, f)).toString('latin1'))
              .join('\n'),
          ),
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    },
  ],
  [
    'postgres',
    async (sealer) => {
      const db = await openTestDatabase();
      return {
        store: await openPgSourceStore(db, sealer),
        atRest: async () =>
          JSON.stringify(
            (await db.query("SELECT name, body, encode(url, 'escape') AS url, status FROM sources"))
              .rows,
          ),
        dispose: async () => {
          await db.query(`DROP SCHEMA ${db.schema} CASCADE`);
          await db.close();
        },
      };
    },
  ],
];

const crm = (url: string): StoredSource => ({
  name: 'crm',
  body: {
    kind: 'postgres',
    url,
    table: 'public.customers',
    key: 'id',
    cursor: 'updated_at',
    mapping: { type: 'identify', fields: { userId: 'id' } },
  },
  status: { ...NEW_STATUS },
});

describe.each(BACKENDS)('source store on %s', (_name, open) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  it('keeps sources by name with their status, and the URL sealed at rest', async () => {
    const opened = await open(createAesSealer(newKeyring()));
    dispose = opened.dispose;
    const { store } = opened;
    expect(await store.get('crm')).toBeUndefined();
    const url = 'postgres://reader:pw-at-rest-81@crm.example.com:5432/crm';
    await store.put(crm(url));
    await store.put({ ...crm('mysql://other@db.example.com/shop'), name: 'Shop' });
    expect(await store.get('crm')).toEqual(crm(url));
    const status = {
      ...NEW_STATUS,
      cursor: { value: '2026-11-01 10:00:00.000002', key: '3' },
      rowsRead: 3,
      messagesStored: 3,
      rejected: [{ key: '2', reason: 'column seats: not a number' }],
    };
    await store.setStatus('crm', status);
    expect((await store.get('crm'))?.status).toEqual(status);
    expect((await store.list()).map((s) => s.name)).toEqual(['Shop', 'crm']);
    expect(await opened.atRest()).not.toContain('pw-at-rest-81');
    expect(await store.delete('crm')).toBe(true);
    expect(await store.delete('crm')).toBe(false);
    expect((await store.list()).map((s) => s.name)).toEqual(['Shop']);
  });
});
