import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventTarget, piiPolicy } from '@tailor/core';
import { parseCsvMapping } from '../src/import/csv-mapping.js';
import { importFile } from '../src/import/import-file.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor();
});
afterEach(async () => {
  await t.close();
});

function readRejects(
  file: string,
): { line: number; reason: string; message?: Record<string, unknown> }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

async function eventsOf(userId: string) {
  return (
    await t.tailor.log.scanByIdentifier({ kind: 'userId', value: userId, after: 0, limit: 1000 })
  ).events.map((e) => e.message);
}

describe('importFile: JSONL', () => {
  const lines = [
    JSON.stringify({ type: 'identify', userId: 'j1', traits: { email: 'J1@Example.com' } }),
    JSON.stringify({ type: 'track', userId: 'j1', event: 'Bought', properties: { price: 3 } }),
    '{"type": "track", "userId": "j1", broken',
    '',
    JSON.stringify({ type: 'track', userId: 'j1' }),
    JSON.stringify({ type: 'page', userId: 'j1', name: 'Home', messageId: 'own-id' }),
  ];

  it('stores valid lines normalized, writes rejects with line numbers and reasons, and re-runs idempotently', async () => {
    const file = join(t.dir, 'events.jsonl');
    const rejectsFile = join(t.dir, 'rejects.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const progress: number[] = [];
    const first = await importFile(t.tailor.collector, {
      file,
      rejectsFile,
      chunkSize: 2,
      onProgress: (p) => progress.push(p.lines),
    });
    expect(first).toMatchObject({ lines: 5, stored: 3, duplicates: 0, rejected: 2 });
    expect(progress.length).toBeGreaterThan(1);

    const rejects = readRejects(rejectsFile);
    expect(rejects.map((r) => r.line)).toEqual([3, 5]);
    expect(rejects[0]?.reason).toMatch(/not JSON/);
    expect(rejects[1]?.reason).toMatch(/event/);
    expect(rejects[0]).toEqual({ line: 3, reason: expect.any(String) }); // not a message: nothing of it is written
    expect(rejects[1]?.message).toEqual({ type: 'track', userId: 'j1' });

    const stored = await eventsOf('j1');
    expect(stored.map((m) => m.type)).toEqual(['identify', 'track', 'page']);
    expect(stored[0]?.traits).toEqual({ email: 'j1@example.com' });
    expect(stored[0]?.tailor.source).toBe('import:events.jsonl');
    expect(stored[2]?.messageId).toBe('own-id');
    expect(stored[0]?.messageId).toMatch(/^imp-/);

    const again = await importFile(t.tailor.collector, { file, rejectsFile });
    expect(again).toMatchObject({ stored: 0, duplicates: 3, rejected: 2 });
    expect(await eventsOf('j1')).toHaveLength(3);
  });

  it('refuses a line with a number past the double range or a time before 1970, with the reason, instead of storing it changed', async () => {
    const file = join(t.dir, 'odd.jsonl');
    const rejectsFile = join(t.dir, 'odd-rejects.jsonl');
    writeFileSync(
      file,
      [
        '{"type":"track","userId":"j2","event":"Big","properties":{"n":1e309}}',
        '{"type":"track","userId":"j2","event":"Zero date","timestamp":"0001-01-01T00:00:00Z"}',
        '{"type":"track","userId":"j2","event":"Fine","timestamp":"1999-12-31T23:59:59Z"}',
      ].join('\n'),
    );
    expect(await importFile(t.tailor.collector, { file, rejectsFile })).toMatchObject({
      stored: 1,
      rejected: 2,
    });
    expect(readRejects(rejectsFile).map((r) => [r.line, r.reason])).toEqual([
      [1, expect.stringMatching(/^properties\.n: the number is out of the range of a double/)],
      [
        2,
        'timestamp: 0001-01-01T00:00:00.000Z is before 1970-01-01, the earliest time a message can have',
      ],
    ]);
    expect((await eventsOf('j2')).map((m) => [m.event, m.timestamp])).toEqual([
      ['Fine', '1999-12-31T23:59:59.000Z'],
    ]);
  });
});

describe('importFile: the rejects file', () => {
  it('masks personal values in rejected messages, quotes nothing of unreadable lines, and is readable by its owner alone', async () => {
    const file = join(t.dir, 'people.jsonl');
    const rejectsFile = join(t.dir, 'people.rejects.jsonl');
    writeFileSync(rejectsFile, 'left from before\n', { mode: 0o644 });
    writeFileSync(
      file,
      [
        // No userId: rejected, with its email, name and ip.
        JSON.stringify({
          type: 'identify',
          traits: { email: 'ann@example.com', name: 'Ann Lee', plan: 'pro' },
          context: { ip: '203.0.113.9' },
        }),
        JSON.stringify({
          type: 'track',
          userId: 'u1',
          properties: { customer: { phone: '+14155550100' }, sku: 'A-1' },
        }),
        // Not Segment's shape at all.
        JSON.stringify({ email: 'bob@example.com', name: 'Bob', traits: 'bob@example.com' }),
        'ann@example.com is not JSON',
        JSON.stringify(['carl@example.com']),
      ].join('\n'),
    );
    const result = await importFile(t.tailor.collector, { file, rejectsFile });
    expect(result).toMatchObject({ lines: 5, stored: 0, rejected: 5 });
    expect(statSync(rejectsFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(rejectsFile, 'utf8');
    expect(text).not.toMatch(/ann@|Ann Lee|203\.0\.113|4155550100|bob@|carl@|before/);
    const rejects = readRejects(rejectsFile);
    expect(rejects.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(rejects[0]?.message).toEqual({
      type: 'identify',
      traits: { email: '[masked]', name: '[masked]', plan: 'pro' },
      context: { ip: '[masked]' },
    });
    expect(rejects[1]?.message).toEqual({
      type: 'track',
      userId: 'u1',
      properties: { customer: { phone: '[masked]' }, sku: 'A-1' },
    });
    expect(rejects[2]?.message).toEqual({
      email: '[masked]',
      name: '[masked]',
      traits: '[masked]',
    });
    expect(rejects[3]).toEqual({ line: 4, reason: expect.stringMatching(/^not JSON/) });
    expect(rejects[4]).toEqual({ line: 5, reason: expect.any(String) });
  });

  it('masks what a tracking plan marks personal, and leaves no rejects file when nothing was rejected', async () => {
    const file = join(t.dir, 'notes.jsonl');
    const rejectsFile = join(t.dir, 'notes.rejects.jsonl');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'track',
        event: 'Note Left',
        properties: { note: 'call Ann on 555-0100', size: 'M' },
      }),
    );
    const policy = piiPolicy([
      {
        target: eventTarget('Note Left'),
        schema: { type: 'object', properties: { note: { type: 'string', pii: true } } },
      },
    ]);
    await importFile(t.tailor.collector, { file, rejectsFile, pii: policy });
    expect(readRejects(rejectsFile)[0]?.message).toMatchObject({
      properties: { note: '[masked]', size: 'M' },
    });

    writeFileSync(file, JSON.stringify({ type: 'track', userId: 'n1', event: 'Note Left' }));
    expect(await importFile(t.tailor.collector, { file, rejectsFile })).toMatchObject({
      stored: 1,
      rejected: 0,
    });
    expect(existsSync(rejectsFile)).toBe(false);
  });
});

describe('importFile: CSV', () => {
  it('maps columns with a mapping, converting types, and rejects rows it cannot map', async () => {
    const file = join(t.dir, 'orders.csv');
    const rejectsFile = join(t.dir, 'orders.rejects.jsonl');
    writeFileSync(
      file,
      [
        'customer,when,total,country,note',
        'c1,2024-05-01 10:00:00,19.90,Germany,"first, with comma"',
        'c2,2024-05-02T11:00:00Z,abc,FR,',
        ',2024-05-03T11:00:00Z,5,US,no customer',
        'c1,2024-05-04T09:30:00+02:00,7,United Kingdom,"multi',
        'line note"',
      ].join('\n'),
    );
    const mapping = parseCsvMapping({
      type: 'track',
      fields: {
        userId: 'customer',
        event: { value: 'Order Completed' },
        timestamp: 'when',
        'properties.total': { column: 'total', as: 'number' },
        'properties.country': 'country',
        'properties.note': 'note',
      },
    });
    const result = await importFile(t.tailor.collector, { file, rejectsFile, mapping });
    expect(result).toMatchObject({ lines: 4, stored: 2, rejected: 2 });

    const c1 = await eventsOf('c1');
    expect(c1.map((m) => m.properties)).toEqual([
      { total: 19.9, country: 'DE', note: 'first, with comma' },
      { total: 7, country: 'GB', note: 'multi\nline note' },
    ]);
    expect(c1.map((m) => m.timestamp)).toEqual([
      '2024-05-01T10:00:00.000Z',
      '2024-05-04T07:30:00.000Z',
    ]);

    const rejects = readRejects(rejectsFile);
    expect(rejects.map((r) => r.line)).toEqual([3, 4]);
    expect(rejects[0]?.reason).toMatch(/total.*number/);
    expect(rejects[1]?.reason).toMatch(/userId or an anonymousId/);
  });

  it('without a mapping, each header names a message path', async () => {
    const file = join(t.dir, 'people.csv');
    writeFileSync(
      file,
      'type,userId,traits.email,traits.age,traits.vip\nidentify,h1,H1@EXAMPLE.COM,41,true\n',
    );
    const result = await importFile(t.tailor.collector, {
      file,
      rejectsFile: join(t.dir, 'r.jsonl'),
    });
    expect(result).toMatchObject({ stored: 1, rejected: 0 });
    expect((await eventsOf('h1'))[0]?.traits).toEqual({
      email: 'h1@example.com',
      age: 41,
      vip: true,
    });
  });

  it.each([
    ['an unknown conversion', { fields: { userId: { column: 'a', as: 'date' } } }],
    ['a prototype path', { fields: { '__proto__.x': 'a' } }],
    ['no fields', { type: 'track' }],
  ])('refuses a mapping with %s', (_name, mapping) => {
    expect(() => parseCsvMapping(mapping)).toThrow(/mapping/);
  });
});
