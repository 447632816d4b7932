import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { newKeyring } from '../../privacy/keyring.js';
import { createAesSealer } from '../../privacy/sealer.js';
import { TOUCH_SCHEMA, TouchDictionary } from './touch-columns.js';

const storedValues = async (db: Awaited<ReturnType<DuckDBInstance['connect']>>) =>
  (await db.runAndReadAll('SELECT value FROM touch_strings ORDER BY id'))
    .getRows()
    .map(([value]) => String(value));

describe('TouchDictionary', () => {
  it('seals strings written in clear once encryption is on, and reads the same combinations', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    await db.run(TOUCH_SCHEMA);
    const fields = {
      kind: 'page' as const,
      source: 'newsletter',
      content: 'ann.lee@example.com',
      pageHost: 'shop.example.com',
    };
    const plain = await TouchDictionary.load(db);
    const id = plain.idOf(fields);
    await plain.save(db);
    expect(await storedValues(db)).toEqual([
      'newsletter',
      'ann.lee@example.com',
      'shop.example.com',
    ]);

    const sealer = createAesSealer(newKeyring());
    const sealed = await TouchDictionary.load(db, sealer);
    const stored = await storedValues(db);
    expect(stored).toHaveLength(3);
    for (const value of stored) expect(value).not.toMatch(/newsletter|example/);
    expect(sealed.all[id ?? -1]).toEqual(fields);
    expect(sealed.idOf(fields)).toBe(id); // known, not made again
    // New strings are sealed as they are saved; opened again they make the same combinations.
    const other = { kind: 'page' as const, source: 'partner', term: 'shoes' };
    const otherId = sealed.idOf(other);
    await sealed.save(db);
    for (const value of await storedValues(db)) expect(value).not.toMatch(/partner|shoes/);
    const again = await TouchDictionary.load(db, sealer);
    expect(again.all[otherId ?? -1]).toEqual(other);
    expect(again.all[id ?? -1]).toEqual(fields);
    db.closeSync();
    instance.closeSync();
  });
});
