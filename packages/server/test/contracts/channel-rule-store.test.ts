import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChannelRuleStore } from '../../src/reports/channel-rule-store.js';
import { openPgChannelRuleStore } from '../../src/store/postgres/pg-channel-rule-store.js';
import { openSqliteChannelRuleStore } from '../../src/store/sqlite/sqlite-channel-rule-store.js';
import { openTestDatabase } from '../support/postgres.js';

/**
 * The channel rule store on both backends: nothing before a put, the list read back as written
 * (order and fields kept), a put replacing it, and what was written read by a second store on the
 * same file or database (another process, another node).
 */
type Open = () => Promise<{
  store: ChannelRuleStore;
  again: () => Promise<ChannelRuleStore>;
  dispose: () => Promise<void>;
}>;

const BACKENDS: [string, Open][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tailor-channel-rules-'));
      const file = join(dir, 'state.sqlite');
      const opened: ChannelRuleStore[] = [openSqliteChannelRuleStore(file)];
      return Promise.resolve({
        store: opened[0] as ChannelRuleStore,
        again: () => {
          const store = openSqliteChannelRuleStore(file);
          opened.push(store);
          return Promise.resolve(store);
        },
        dispose: async () => {
          for (const store of opened) await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    },
  ],
  [
    'postgres',
    async () => {
      const db = await openTestDatabase();
      return {
        store: await openPgChannelRuleStore(db),
        again: () => openPgChannelRuleStore(db),
        dispose: async () => {
          await db.query(`DROP SCHEMA ${db.schema} CASCADE`);
          await db.close();
        },
      };
    },
  ],
];

describe.each(BACKENDS)('ChannelRuleStore (%s)', (_name, open) => {
  it('keeps one list, replaced by each put, read back as written by another store too', async () => {
    const { store, again, dispose } = await open();
    try {
      expect(await store.get()).toBeUndefined();
      const first = {
        rules: [
          { channel: 'Partners', sources: ['partner.example', 'Ally.example'] },
          { channel: 'Podcasts', mediums: ['audio'] },
          { channel: 'Both', sources: ['x'], mediums: ['y'] },
        ],
        updatedAt: '2026-12-05T10:00:00.000Z',
      };
      await store.put(first);
      expect(await store.get()).toEqual(first);
      const second = {
        rules: [{ channel: 'Only', mediums: ['z'] }],
        updatedAt: '2026-12-05T11:00:00.000Z',
      };
      await store.put(second);
      expect(await store.get()).toEqual(second);
      expect(await (await again()).get()).toEqual(second);
      await store.put({ rules: [], updatedAt: '2026-12-05T12:00:00.000Z' });
      expect((await store.get())?.rules).toEqual([]);
    } finally {
      await dispose();
    }
  });
});
