import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '@tailor/core';
import { partitionOf, PARTITIONS, type EventLog } from '../src/log/event-log.js';
import { SqliteEventLog } from '../src/log/sqlite/sqlite-event-log.js';
import { storedMessage as message } from './support/stored-message.js';

/** One suite for every EventLog adapter; each opens a log in a fresh folder (and reopens it there). */
const ADAPTERS: [string, (dir: string) => EventLog][] = [
  ['sqlite', (dir) => new SqliteEventLog(join(dir, 'log.sqlite'))],
  // Scanning for an identifier in ranges of 2 positions: every page crosses ranges.
  [
    'sqlite, scanned in small ranges',
    (dir) => new SqliteEventLog(join(dir, 'log.sqlite'), undefined, { scanChunk: 2 }),
  ],
];

describe.each(ADAPTERS)('EventLog (%s)', (_name, open) => {
  let dir: string;
  let log: EventLog;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tailor-log-'));
    log = open(dir);
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends in order, reports duplicates by messageId, and keeps the payload as given', async () => {
    expect(await log.append([message(1, 'a'), message(2, 'b')])).toEqual([true, true]);
    expect(await log.append([message(2, 'b'), message(3, 'a'), message(3, 'a')])).toEqual([
      false,
      true,
      false,
    ]);
    const all = await log.read(0, 100);
    expect(all.map((e) => e.message.messageId)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(all[0]?.message).toEqual(message(1, 'a'));
    expect((await log.stats()).events).toBe(3);
  });

  it('shares one commit among concurrent appends and resolves each with its own flags', async () => {
    const appends = Array.from({ length: 50 }, (_, i) =>
      log.append([message(i, `u${i % 7}`), message(i, `u${i % 7}`)]),
    );
    const results = await Promise.all(appends);
    for (const r of results) expect(r).toEqual([true, false]);
    expect((await log.stats()).events).toBe(50);
  });

  it('fails only the append that cannot be stored, not the others sharing its commit', async () => {
    const broken = { ...message(2, 'b'), messageId: { not: 'text' } } as unknown as StoredMessage;
    const [good, bad, alsoGood] = await Promise.allSettled([
      log.append([message(1, 'a')]),
      log.append([message(3, 'c'), broken]),
      log.append([message(4, 'd')]),
    ]);
    expect(good).toEqual({ status: 'fulfilled', value: [true] });
    expect(bad.status).toBe('rejected');
    expect(alsoGood).toEqual({ status: 'fulfilled', value: [true] });
    // The failed append stored none of its messages (its own transaction rolled back).
    expect((await log.read(0, 100)).map((e) => e.message.messageId)).toEqual(['m-1', 'm-4']);
  });

  it('replays from any position and by partition, each person in one partition', async () => {
    const people = ['ann', 'bob', 'cy', 'dee'];
    await log.append(Array.from({ length: 40 }, (_, i) => message(i, people[i % 4] ?? null)));
    const all = await log.read(0, 1000);
    const from = all[9]?.position ?? 0;
    expect((await log.read(from, 5)).map((e) => e.message.messageId)).toEqual([
      'm-10',
      'm-11',
      'm-12',
      'm-13',
      'm-14',
    ]);

    const annPartition = partitionOf({ userId: 'ann', anonymousId: null });
    expect(annPartition).toBeGreaterThanOrEqual(0);
    expect(annPartition).toBeLessThan(PARTITIONS);
    const inPartition = await log.read(0, 1000, [annPartition]);
    expect(inPartition.every((e) => e.partition === annPartition)).toBe(true);
    expect(inPartition.filter((e) => e.message.userId === 'ann')).toHaveLength(10);
  });

  it('pages one identifier with a cursor, and survives a reopen', async () => {
    await log.append([
      message(1, null, 'anon'),
      message(2, 'x'),
      message(3, 'u', 'anon'),
      message(4, null, 'anon'),
    ]);
    const first = await log.scanByIdentifier({
      kind: 'anonymousId',
      value: 'anon',
      after: 0,
      limit: 2,
    });
    expect(first.events.map((e) => e.message.messageId)).toEqual(['m-1', 'm-3']);
    expect(first.next).not.toBeNull();
    await log.close();
    log = open(dir);
    const second = await log.scanByIdentifier({
      kind: 'anonymousId',
      value: 'anon',
      after: first.next ?? 0,
      limit: 2,
    });
    expect(second).toMatchObject({ events: [{ message: { messageId: 'm-4' } }], next: null });
    expect((await log.stats()).events).toBe(4);
    expect(await log.append([message(1, null, 'anon')])).toEqual([false]);
  });
});

describe('partitionOf', () => {
  it('is FNV-1a of the userId, else the anonymousId (stable across processes)', () => {
    // FNV-1a 32-bit of "a" is 0xe40c292c (published test vector); 0xe40c292c % 64 = 44.
    expect(partitionOf({ userId: 'a', anonymousId: 'zzz' })).toBe(0xe40c292c % PARTITIONS);
    expect(partitionOf({ userId: null, anonymousId: 'a' })).toBe(0xe40c292c % PARTITIONS);
  });
});
